"""The help line of each metric on /metrics, for the operators who read it."""

RATE_LIMIT_WAIT_SECONDS = "Time a CreateSceneAigcImageTask call waited for its place under the 20/s limit"
REQUESTS_TOTAL = "Logged requests by where they came from, their scene and the status they are in now"
RESULT_LAG_SECONDS = "Time from Tencent finishing a task to its images being posted in the Slack thread"
SLACK_ERRORS = (
    "Slack Web API calls that failed, by method and Slack's error (connection_failed when Slack was not reached)"
)
SLACK_PACER_QUEUE_LENGTH = "Slack calls waiting for their turn under Slack's rate limits right now"
SLACK_RATELIMITED = "Slack Web API calls answered 429 (rate limited), by method; each was waited out and tried again"
TASKS_FOLLOWED = "Tasks submitted to Tencent whose result the bot is still waiting for"
UPLOADS_IN_FLIGHT = "Images moving from Slack to VOD right now"
VOD_CALLS = (
    "HTTP calls to the VOD API by action and outcome (ok, error, timeout, unreachable, connection_lost, "
    "bad_response); each retry counts"
)
VOD_CALL_SECONDS = "Time from sending a VOD API call to its answer"
VOD_ERRORS = "VOD calls that failed, by Tencent's error code or the bot's ClientError code"
