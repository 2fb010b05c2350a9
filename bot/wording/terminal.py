"""What the terminal shows: the command line, its help, `check`, the log commands and the demo."""

ALREADY_SUBMITTED = (
    "Already submitted: a task with SessionId {session_id!r} exists, so nothing new was sent or "
    "billed. (Code: {code} · RequestId: {request_id})"
)
APP_TOKEN_MEANING = "an app-level token, xapp-..., with connections:write (needed only by `aigc-bot run`, Socket Mode)"
APP_TOKEN_REMEDY = (
    "create a new one under App-Level Tokens on your Slack app's Basic Information page, with the "
    "connections:write scope"
)
AT_LEAST_ONE_DAY = "must be at least 1 day"
AUTH_CHECK_SECONDS_MEANING = "seconds between auth.test checks of SLACK_BOT_TOKEN for /readyz, default 300"
BACKUP_HELP = "copy the live database consistently (SQLite backup API)"
BACKUP_PATH_HELP = "the file to write, created with mode 0600"
BOT_TOKEN_MEANING = "the Bot User OAuth Token, xoxb-..., from your Slack app's OAuth & Permissions page"
BOT_TOKEN_REMEDY = (
    "copy the Bot User OAuth Token (xoxb-...) from your Slack app's OAuth & Permissions page, "
    "reinstalling the app to the workspace if it is not shown"
)
CHANNEL_IDS_MEANING = "Slack channel ids (C... or G...)"
CHECK_DESCRIPTION = (
    "List every missing or malformed setting, and say whether `aigc-bot run` (Socket Mode, needs "
    "SLACK_APP_TOKEN) and `aigc-bot serve` (HTTP) can start with them."
)
CHECK_EXIT_CODES = (
    "exit codes:\n  0  nothing set is wrong, and `run` or `serve` (or the one named) can start; the "
    "last lines say which\n  1  a setting must be fixed: required and missing, or set but malformed\n  "
    "2  --env-file names no file"
)
CHECK_FOR_HELP = "check only what this way of running needs, and exit 0 only if it can start"
CHECK_HELP = "list missing or malformed settings; say what can start"
CHECK_LATER = "{message}; check it later with its TaskId"
COS_DOMAIN_MEANING = "optional http(s) base URL that replaces https://{bucket}.cos.{region}.myqcloud.com"
COUNT_HELP = "product images to generate, {fewest}-{most}"
CREATED_AT_FIRST_START = "is created at the first start"
CURRENCY_MEANING = "the ISO 4217 code cost estimates are shown in, default CNY"
DB_MEANING = "a file path for the SQLite log, default aigc-bot.db beside the .env read"
DEMO_DESCRIPTION = (
    "Run the real bot against built-in stand-ins for Slack and Tencent Cloud on 127.0.0.1: send a "
    "sample `/aigc product` with a sample photo, print the Slack thread as it unfolds, and save the "
    "generated images in ./{demo_folder}/. No account is needed and nothing leaves this computer."
)
DEMO_DONE = (
    "\nThat was the whole job, as it runs with a real Slack app and Tencent Cloud account.\nTo go live, "
    "follow the README from 'Going live'."
)
DEMO_HELP = "the whole job against local stand-ins; no account needed"
DEMO_INTRO = (
    "aigc-bot demo: the real bot against stand-ins for Slack and Tencent Cloud on 127.0.0.1.\nNo "
    "account is used and nothing leaves this computer.\nIts log: {log_path} (your own "
    "AIGC_BOT_DB is not touched)."
)
DEMO_KEEPS_RUNNING = (
    "\nThe demo bot keeps running. Type what follows /aigc and press Enter, for example:\n  product "
    "{file_id} in a cosy cafe count=3\n  outpaint {file_id} ratio=16:9\n  history\n  help\nCtrl-D (end "
    "of input) or Ctrl-C stops it."
)
DEMO_KEEP_HELP = "after the sample, keep running and send each line typed here as an /aigc command"
DEMO_TIMED_OUT = "The sample request did not finish within {give_up_seconds:.0f} s."
DEMO_UPLOADED = "Uploaded to the stand-in VOD (ApplyUpload, COS PUT, CommitUpload) as FileId {file_id}."
DEMO_WITHOUT_IMAGES = "\nThe request finished without images; the thread above says why."
DID_MEAN = "; did you mean {meant}?"
DRY_RUN_CANNOT_WAIT = "--dry-run sends nothing, so there is no task to --wait for; give one or the other."
DRY_RUN_HELP = "run every check and print the request body; log and send nothing"
ENDPOINT_MEANING = "an http(s) URL, default {default_endpoint} (the other VOD domain: {other_endpoint})"
ENV_FILE_HELP = "read settings from this file instead of ./.env (or the .env beside the installed project)"
EXPORT_HELP = "one line per request, as CSV or JSON lines"
FIX_SETTINGS_FIRST = "Fix these settings first (see `aigc-bot check`):\n{problems}"
FORCE_HELP = "overwrite PATH if it exists"
GROUP_IDS_MEANING = "Slack user group ids (S...)"
HEALTH_PORT_MEANING = "a TCP port (1-65535) for /healthz, /readyz and /metrics in `aigc-bot run`; unset = off"
HOST_HELP = "address to listen on (default: %(default)s)"
IMAGE_HELP = "image: path, URL or VOD FileId"
IMAGE_SOURCES = "a path, a link or a VOD FileId"
LOG_FORMAT_MEANING = "text (default) or json, one JSON object per line"
MAYBE_BILLED = (
    "The request was sent, so the task may have been created and billed. Its SessionId is {session_id}. "
    "Before sending it again, look it up with `/aigc status {session_id}` in Slack or in the VOD "
    "console's task list. Sending it again with --session-id {session_id} cannot make a second task: "
    "Tencent refuses a SessionId it already holds for 3 days."
)
MEMBER_IDS_MEANING = "Slack member ids (U... or W...)"
NEGATIVE_HELP = "what the product image must not show"
NOTHING_SENT = (
    "Nothing was submitted, so nothing was billed. Check TENCENTCLOUD_VOD_ENDPOINT and this machine's "
    "network, then run the command again."
)
NOT_ANSWERED = "Tencent Cloud did not answer: {happened} ({endpoint})."
NOT_AN_APP_TOKEN = "must start with xapp-"
NOT_A_BOT_TOKEN = "must start with xoxb-"
NOT_READY = "not ready, needs {missing}"
NOT_WHOLE_DAYS = "{text!r} is not a whole number of days"
NO_DATABASE = "There is no database at {path} (AIGC_BOT_DB)."
NO_ENV_READ = (
    "No .env read (none in {path} or beside the project in {project_root}); settings come from the environment only."
)
NO_SOCKET_MODE_URL = "apps.connections.open answered without a connection URL"
NO_SUCH_ENV_FILE = "--env-file {path}: no such file"
NO_SUCH_FOLDER = "The folder {parent} does not exist."
OPENING_SOCKET_MODE = "opening the Socket Mode connection"
OUTPUT_HELP = "write here instead of to stdout"
OUTPUT_IS_FOLDER = "{path} is a folder; give a file name for --output."
OUTPUT_NAME_HELP = "output file name, at most 64 characters"
PORT_HELP = "port to listen on (default: %(default)s)"
PROMPT_HELP = "for product and tryon; a blank prompt counts as none"
PURGED = "Purged the prompts and inputs of {changed} request(s) older than {older_than} day(s)."
PURGE_HELP = "purge prompts and inputs of requests older than DAYS"
REGION_MEANING = "a region such as ap-guangzhou"
RETENTION_DAYS_MEANING = "days after which a request's prompt and inputs are purged, 0 (default) = keep all"
RUN_DESCRIPTION = "Run the Slack bot in Socket Mode: it connects out to Slack, so no public address is needed."
RUN_HELP = "run the Slack bot in Socket Mode (needs SLACK_APP_TOKEN)"
SAMPLE_PROMPT = "on a marble counter, soft morning light count=2"
SECRET_ID_MEANING = "the API SecretId (AKID...) of a CAM user allowed to use VOD"
SECRET_ID_TOO_SHORT = "must be at least 8 characters with no spaces (the SecretId, AKID...)"
SECRET_KEY_MEANING = "the API SecretKey that goes with TENCENTCLOUD_SECRET_ID"
SERVE_DESCRIPTION = (
    "Run the Slack bot as an HTTP server: Slack sends its requests to POST /slack/events, so the "
    "address must be reachable from Slack and Socket Mode turned off in the Slack app."
)
SERVE_HELP = "run the Slack bot over HTTP at POST /slack/events"
SESSION_ID_HELP = "dedupe id: Tencent refuses a second task with it for 3 days"
SETTINGS_READ_FROM = "Settings read from {dotenv} and the environment."
SETTINGS_TO_FIX = "\n{blocking} setting(s) must be fixed (in {where})."
SIGNING_SECRET_MEANING = (
    "the Signing Secret from your Slack app's Basic Information page (needed only by `aigc-bot serve`, HTTP)"
)
SINCE_AFTER_UNTIL = "--since must be before --until."
SINCE_HELP = "from this UTC day or ISO time on"
SLACK_TIMED_OUT = "no answer within {seconds:.0f} s"
SLACK_UNREACHABLE = "could not reach Slack ({error})"
SOCKET_MODE_NOT_OPEN = "the Socket Mode connection is not open"
SOCKET_MODE_URL_REFUSED = "the Socket Mode URL did not accept a connection ({error})"
STORAGE_HELP = "where results are kept: {choices}"
SUBMIT_DESCRIPTION = (
    "Send one image request (product images, try-on or outpainting) to Tencent Cloud VOD, logged and "
    "capped like one from Slack, and print its TaskId (or, with --wait, its result)."
)
SUBMIT_HELP = "send one image request to Tencent Cloud from this terminal"
SUB_APP_ID_MEANING = "the VOD application id, a positive whole number"
TOKEN_NOT_CHECKED = "SLACK_BOT_TOKEN has not passed auth.test yet"
TOKEN_REFUSED = "Slack refused {setting} ({answer}) on {checked_by}: {remedy}, and set {setting} to it."
UNIT_PRICES_FORMAT = (
    "scene=price pairs separated by commas, per output image, e.g. product=0.10,tryon=0.25,outpaint=0.08"
)
UNKNOWN_SETTING_WARNING = "WARNING  {name} (in {where}) is not a setting of aigc-bot and is ignored{guess}"
UNTIL_HELP = "up to the end of this UTC day, or this time"
UPLOAD_NOTHING_SENT = (
    "Nothing was submitted, so nothing was billed. Check this machine's network (and "
    "TENCENTCLOUD_COS_ENDPOINT, if set), then run the command again."
)
UPLOAD_NOT_ANSWERED = "Tencent Cloud storage (COS) did not take an image: {happened}."
WAIT_HELP = "wait for the task and print its result"
WHERE_CHANNEL_IDS_ARE = "a channel id is at the bottom of the channel's details (click its name)"
WHERE_GROUP_IDS_ARE = (
    "a group's id is in its link: open the group from People → User groups and copy it from the address"
)
WHERE_MEMBER_IDS_ARE = "a member id is under ⋮ (More) → Copy member ID in the person's Slack profile"
