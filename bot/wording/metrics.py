"""The help line of each metric on /metrics, for the operators who read it."""

HTTP_CALLS_VOD_API_ACTION = (
    "HTTP calls to the VOD API by action and outcome (ok, error, timeout, unreachable, connection_lost, "
    "bad_response); each retry counts"
)
IMAGES_MOVING_FROM_SLACK_VOD = "Images moving from Slack to VOD right now"
LOGGED_REQUESTS_WHERE_THEY_CAME = "Logged requests by where they came from, their scene and the status they are in now"
SLACK_CALLS_WAITING_THEIR_TURN = "Slack calls waiting for their turn under Slack's rate limits right now"
SLACK_WEB_API_CALLS_ANSWERED = (
    "Slack Web API calls answered 429 (rate limited), by method; each was waited out and tried again"
)
SLACK_WEB_API_CALLS_FAILED = (
    "Slack Web API calls that failed, by method and Slack's error (connection_failed when Slack was not reached)"
)
TASKS_SUBMITTED_TENCENT_WHOSE_RESULT = "Tasks submitted to Tencent whose result the bot is still waiting for"
TIME_CREATESCENEAIGCIMAGETASK_CALL_WAITED_PLACE = (
    "Time a CreateSceneAigcImageTask call waited for its place under the 20/s limit"
)
TIME_FROM_SENDING_VOD_API = "Time from sending a VOD API call to its answer"
TIME_FROM_TENCENT_FINISHING_TASK = "Time from Tencent finishing a task to its images being posted in the Slack thread"
VOD_CALLS_FAILED_TENCENTS_ERROR = "VOD calls that failed, by Tencent's error code or the bot's ClientError code"
