"""What the terminal shows: the command line, its help, `check`, the log commands and the demo."""

ADDRESS_LISTEN_DEFAULT_DEFAULT_S = "address to listen on (default: %(default)s)"
AFTER_SAMPLE_KEEP_RUNNING_SEND = "after the sample, keep running and send each line typed here as an /aigc command"
AIGC_BOT_DEMO_REAL_BOT = (
    "aigc-bot demo: the real bot against stand-ins for Slack and Tencent Cloud on 127.0.0.1.\nNo "
    "account is used and nothing leaves this computer.\nIts log: {log_path} (your own "
    "AIGC_BOT_DB is not touched)."
)
ALREADY_SUBMITTED_TASK_SESSIONID_EXISTS = (
    "Already submitted: a task with SessionId {session_id!r} exists, so nothing new was sent or "
    "billed. (Code: {code} · RequestId: {request_id})"
)
API_SECRETID_AKID_CAM_USER = "the API SecretId (AKID...) of a CAM user allowed to use VOD"
API_SECRETKEY_GOES_TENCENTCLOUD_SECRET = "the API SecretKey that goes with TENCENTCLOUD_SECRET_ID"
APPS_CONNECTIONS_OPEN_ANSWERED_WITHOUT = "apps.connections.open answered without a connection URL"
APP_LEVEL_TOKEN_XAPP_CONNECTIONS = (
    "an app-level token, xapp-..., with connections:write (needed only by `aigc-bot run`, Socket Mode)"
)
BOT_USER_OAUTH_TOKEN_XOXB = "the Bot User OAuth Token, xoxb-..., from your Slack app's OAuth & Permissions page"
CHANNEL_ID_AT_BOTTOM_CHANNELS = "a channel id is at the bottom of the channel's details (click its name)"
CHECK_EXIT_CODES = (
    "exit codes:\n  0  nothing set is wrong, and `run` or `serve` (or the one named) can start; the "
    "last lines say which\n  1  a setting must be fixed: required and missing, or set but malformed\n  "
    "2  --env-file names no file"
)
CHECK_LATER_TASKID = "{message}; check it later with its TaskId"
CHECK_ONLY_WHAT_WAY_RUNNING = "check only what this way of running needs, and exit 0 only if it can start"
COPY_BOT_USER_OAUTH_TOKEN = (
    "copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page, "
    "reinstalling the app to the workspace if it is not shown"
)
COPY_LIVE_DATABASE_CONSISTENTLY_SQLITE = "copy the live database consistently (SQLite backup API)"
COULD_REACH_SLACK = "could not reach Slack ({error})"
COUNT_HELP = "product images to generate, {fewest}-{most}"
CREATED_AT_FIRST_START = "is created at the first start"
CREATE_NEW_ONE_UNDER_APP = (
    "create a new one under App-Level Tokens on your Slack app's Basic Information page, with the "
    "connections:write scope"
)
DAYS_AFTER_WHICH_REQUESTS_PROMPT = "days after which a request's prompt and inputs are purged, 0 (default) = keep all"
DEDUPE_ID_TENCENT_REFUSES_SECOND = "dedupe id: Tencent refuses a second task with it for 3 days"
DEMO_BOT_KEEPS_RUNNING_TYPE = (
    "\nThe demo bot keeps running. Type what follows /aigc and press Enter, for example:\n  product "
    "{file_id} in a cosy cafe count=3\n  outpaint {file_id} ratio=16:9\n  history\n  help\nCtrl-D (end "
    "of input) or Ctrl-C stops it."
)
DID_MEAN = "; did you mean {meant}?"
DRY_RUN_WAIT = "--dry-run sends nothing, so there is no task to --wait for; give one or the other."
ENV_FILE_NO_SUCH_FILE = "--env-file {path}: no such file"
FILE_PATH_SQLITE_LOG_DEFAULT = "a file path for the SQLite log, default aigc-bot.db beside the .env read"
FILE_WRITE_CREATED_MODE = "the file to write, created with mode 0600"
FIX_THESE_SETTINGS_FIRST_SEE = "Fix these settings first (see `aigc-bot check`):\n{problems}"
FOLDER_DOES_EXIST = "The folder {parent} does not exist."
FOLDER_GIVE_FILE_NAME_OUTPUT = "{path} is a folder; give a file name for --output."
FORMAT_HINT = "scene=price pairs separated by commas, per output image, e.g. product=0.10,tryon=0.25,outpaint=0.08"
FROM_UTC_DAY_ISO_TIME = "from this UTC day or ISO time on"
GROUPS_ID_LINK_OPEN_GROUP = (
    "a group's id is in its link: open the group from People → User groups and copy it from the address"
)
HTTP_S_URL_DEFAULT_OTHER = "an http(s) URL, default {default_endpoint} (the other VOD domain: {other_endpoint})"
IMAGE_PATH_URL_VOD_FILEID = "image: path, URL or VOD FileId"
ISO_CODE_COST_ESTIMATES_ARE = "the ISO 4217 code cost estimates are shown in, default CNY"
LIST_EVERY_MISSING_MALFORMED_SETTING = (
    "List every missing or malformed setting, and say whether `aigc-bot run` (Socket Mode, needs "
    "SLACK_APP_TOKEN) and `aigc-bot serve` (HTTP) can start with them."
)
LIST_MISSING_MALFORMED_SETTINGS_SAY = "list missing or malformed settings; say what can start"
MAYBE_BILLED = (
    "The request was sent, so the task may have been created and billed. Its SessionId is {session_id}. "
    "Before sending it again, look it up with `/aigc status {session_id}` in Slack or in the VOD "
    "console's task list. Sending it again with --session-id {session_id} cannot make a second task: "
    "Tencent refuses a SessionId it already holds for 3 days."
)
MEMBER_ID_UNDER_MORE_COPY = "a member id is under ⋮ (More) → Copy member ID in the person's Slack profile"
MUST_AT_LEAST_CHARACTERS_NO = "must be at least 8 characters with no spaces (the SecretId, AKID...)"
MUST_AT_LEAST_DAY = "must be at least 1 day"
MUST_START_XAPP = "must start with xapp-"
MUST_START_XOXB = "must start with xoxb-"
NOTHING_SENT = (
    "Nothing was submitted, so nothing was billed. Check TENCENTCLOUD_VOD_ENDPOINT and this machine's "
    "network, then run the command again."
)
NOT_ANSWERED = "Tencent Cloud did not answer: {happened} ({endpoint})."
NOT_CHECKED = "SLACK_BOT_TOKEN has not passed auth.test yet"
NO_ANSWER_WITHIN_S = "no answer within {seconds:.0f} s"
NO_ENV_READ_NONE_BESIDE = (
    "No .env read (none in {path} or beside the project in {project_root}); settings come from the environment only."
)
ONE_LINE_PER_REQUEST_AS = "one line per request, as CSV or JSON lines"
OPENING_SOCKET_MODE_CONNECTION = "opening the Socket Mode connection"
OPTIONAL_HTTP_S_BASE_URL = "optional http(s) base URL that replaces https://{bucket}.cos.{region}.myqcloud.com"
OUTPUT_FILE_NAME_AT_MOST = "output file name, at most 64 characters"
OVERWRITE_PATH_IF_EXISTS = "overwrite PATH if it exists"
PATH_LINK_VOD_FILEID = "a path, a link or a VOD FileId"
PORT_LISTEN_DEFAULT_DEFAULT_S = "port to listen on (default: %(default)s)"
PRODUCT_TRYON_BLANK_PROMPT_COUNTS = "for product and tryon; a blank prompt counts as none"
PURGED_PROMPTS_INPUTS_REQUEST_S = (
    "Purged the prompts and inputs of {changed} request(s) older than {older_than} day(s)."
)
PURGE_PROMPTS_INPUTS_REQUESTS_OLDER = "purge prompts and inputs of requests older than DAYS"
READY_NEEDS = "not ready, needs {missing}"
READ_SETTINGS_FROM_FILE_INSTEAD = (
    "read settings from this file instead of ./.env (or the .env beside the installed project)"
)
REGION_SUCH_AS_AP_GUANGZHOU = "a region such as ap-guangzhou"
REQUEST_FINISHED_WITHOUT_IMAGES_THREAD = "\nThe request finished without images; the thread above says why."
RUN_EVERY_CHECK_PRINT_REQUEST = "run every check and print the request body; log and send nothing"
RUN_REAL_BOT_AGAINST_BUILT = (
    "Run the real bot against built-in stand-ins for Slack and Tencent Cloud on 127.0.0.1: send a "
    "sample `/aigc product` with a sample photo, print the Slack thread as it unfolds, and save the "
    "generated images in ./{demo_folder}/. No account is needed and nothing leaves this computer."
)
RUN_SLACK_BOT_AS_HTTP = (
    "Run the Slack bot as an HTTP server: Slack sends its requests to POST /slack/events, so the "
    "address must be reachable from Slack and Socket Mode turned off in the Slack app."
)
RUN_SLACK_BOT_OVER_HTTP = "run the Slack bot over HTTP at POST /slack/events"
RUN_SLACK_BOT_SOCKET_MODE = "run the Slack bot in Socket Mode (needs SLACK_APP_TOKEN)"
RUN_SLACK_BOT_SOCKET_MODE_2 = (
    "Run the Slack bot in Socket Mode: it connects out to Slack, so no public address is needed."
)
SAMPLE_PROMPT = "on a marble counter, soft morning light count=2"
SAMPLE_REQUEST_DID_FINISH_WITHIN = "The sample request did not finish within {give_up_seconds:.0f} s."
SECONDS_BETWEEN_AUTH_TEST_CHECKS = "seconds between auth.test checks of SLACK_BOT_TOKEN for /readyz, default 300"
SEND_ONE_IMAGE_REQUEST_PRODUCT = (
    "Send one image request (product images, try-on or outpainting) to Tencent Cloud VOD, logged and "
    "capped like one from Slack, and print its TaskId (or, with --wait, its result)."
)
SEND_ONE_IMAGE_REQUEST_TENCENT = "send one image request to Tencent Cloud from this terminal"
SETTINGS_READ_FROM_ENVIRONMENT = "Settings read from {dotenv} and the environment."
SETTING_S_MUST_FIXED = "\n{blocking} setting(s) must be fixed (in {where})."
SIGNING_SECRET_FROM_SLACK_APPS = (
    "the Signing Secret from your Slack app's Basic Information page (needed only by `aigc-bot serve`, HTTP)"
)
SINCE_MUST_BEFORE_UNTIL = "--since must be before --until."
SLACK_CHANNEL_IDS_C_G = "Slack channel ids (C... or G...)"
SLACK_MEMBER_IDS_U_W = "Slack member ids (U... or W...)"
SLACK_REFUSED_SET = "Slack refused {setting} ({answer}) on {checked_by}: {remedy}, and set {setting} to it."
SLACK_USER_GROUP_IDS_S = "Slack user group ids (S...)"
SOCKET_MODE_CONNECTION_OPEN = "the Socket Mode connection is not open"
SOCKET_MODE_URL_DID_ACCEPT = "the Socket Mode URL did not accept a connection ({error})"
TCP_PORT_HEALTHZ_READYZ_METRICS = (
    "a TCP port (1-65535) for /healthz, /readyz and /metrics in `aigc-bot run`; unset = off"
)
TEXT_DEFAULT_JSON_ONE_JSON = "text (default) or json, one JSON object per line"
THERE_NO_DATABASE_AT_AIGC = "There is no database at {path} (AIGC_BOT_DB)."
UPLOADED_STAND_VOD_APPLYUPLOAD_COS = (
    "Uploaded to the stand-in VOD (ApplyUpload, COS PUT, CommitUpload) as FileId {file_id}."
)
UPLOAD_NOTHING_SENT = (
    "Nothing was submitted, so nothing was billed. Check this machine's network (and "
    "TENCENTCLOUD_COS_ENDPOINT, if set), then run the command again."
)
UPLOAD_NOT_ANSWERED = "Tencent Cloud storage (COS) did not take an image: {happened}."
UP_END_UTC_DAY_TIME = "up to the end of this UTC day, or this time"
VOD_APPLICATION_ID_POSITIVE_WHOLE = "the VOD application id, a positive whole number"
WAIT_TASK_PRINT_RESULT = "wait for the task and print its result"
WARNING_SETTING_AIGC_BOT_IGNORED = "WARNING  {name} (in {where}) is not a setting of aigc-bot and is ignored{guess}"
WAS_WHOLE_JOB_AS_RUNS = (
    "\nThat was the whole job, as it runs with a real Slack app and Tencent Cloud account.\nTo go live, "
    "follow the README from 'Going live'."
)
WHAT_PRODUCT_IMAGE_MUST_SHOW = "what the product image must not show"
WHERE_RESULTS_ARE_KEPT = "where results are kept: {choices}"
WHOLE_JOB_AGAINST_LOCAL_STAND = "the whole job against local stand-ins; no account needed"
WHOLE_NUMBER_DAYS = "{text!r} is not a whole number of days"
WRITE_HERE_INSTEAD_STDOUT = "write here instead of to stdout"
