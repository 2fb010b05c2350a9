"""What a CSV batch says: the help, the file's refusals, its checked summary, progress and result rows."""

ALREADY_SUBMITTED = "Batch {id} was already submitted."
ALREADY_SUBMITTED_OR_DISCARDED = "Batch {id} was already submitted or discarded."
BATCH_CANCELLED = (
    "Batch {id}: cancelled {cancelled_requests} not yet submitted; nothing is billed for them. "
    "{submitted} already submitted are billed and {after}."
)
BATCH_CHECKED = (
    ":page_facing_up: Batch {id} from <@{user_id}>, `{file_name}`: every row checked. "
    "*{requests}, {images} billed.*\n{allowance}"
)
BATCH_DISCARDED = "Batch {id} discarded; nothing was submitted or billed."
BATCH_ENDED_UNFOLLOWED = (
    "Batch {id} has ended: {submitted} submitted, {failed} failed{cancelled}. Every row's TaskId and "
    "status are in `{file_name}`. This bot does not follow results (AIGC_BOT_FOLLOW_MODE=off): `/aigc "
    "status <TaskId>` looks one up."
)
BATCH_ENDED_WITH_RESULTS = (
    "Batch {id} has ended: {done} done, {failed} failed{cancelled}. Every row's TaskId, status and "
    "output URLs are in `{file_name}`."
)
BATCH_REFUSED = ":no_entry: Batch {id} was not submitted: {refusal}"
CANCELLED_LOGGED = "cancelled with its batch before it was submitted; not billed"
CANCELLED_STATUS = ":octagonal_sign: cancelled; requests already submitted still finish"
CANCEL_NEEDS_ID = "Give the batch ID: `/aigc batch cancel ID`. {usage}"
CANNOT_POST_BATCH = (
    "I could not post the batch here ({slack_error}); invite me with `/invite @aigc` and "
    "share the file again. Nothing was submitted or billed."
)
CHECKED_BEFORE_BILLING = " I check every row first; nothing is billed before you click *Submit batch*."
DISCARDED_STATUS = "\nDiscarded before it was submitted; nothing was billed."
DOWNLOAD_FAILED = "{name}: the download from Slack failed ({error_kind}); try again."
FILE_EMPTY = "The file is empty. {format_hint}"
FILE_REFUSED = ":warning: `{file_name}`: {problem} Nothing was submitted or billed."
FILE_TOO_LARGE = "{name} is over {max_megabytes} MB; split the catalogue."
FINISHED_STATUS = ":white_check_mark: finished; the results file is in the thread"
FORMAT_HINT = (
    "The first row names the columns: `{columns}` (only `scene` and `image` are required); several images "
    "or clothes in one cell are separated by "
    "`|`; images are http(s) links or VOD FileIds."
)
IMAGE_SOURCES = "a link or a VOD FileId"
NOT_A_BATCH_ID = "`{word}` is not a batch ID; batch IDs are numbers. {usage}"
NOT_CSV = "The file is not valid CSV ({error}). {format_hint}"
NOT_UTF8 = "The file is not UTF-8 text. Save it as *CSV UTF-8* (Excel) or *CSV* (Google Sheets, Numbers)."
NO_BATCHES_YET = "You have no batches yet."
NO_DAILY_CAP = "No daily cap applies."
NO_FILE = "Attach the catalogue as a CSV file to the same message, e.g. `@aigc batch` with `catalogue.csv`."
NO_HEADER = "The first row must be the header{named}. {format_hint}"
NO_ROWS = "The file has a header but no requests. {format_hint}"
NO_SUCH_BATCH = "There is no batch {batch_id}."
NO_SUCH_BATCH_HERE = "I can't find that batch."
ONLY_SHARER_DISCARDS = "Only <@{user_id}>, who shared the file, can discard batch {id}."
ONLY_SHARER_SUBMITS = "Only <@{user_id}>, who shared the file, can submit batch {id}."
ONLY_STARTER_OR_ADMIN_CANCELS = "Only <@{user_id}>, who started it, or an admin can cancel batch {id}."
OVER_DAILY_CAP = (
    "it has {requests} but {whose} daily cap allows only {left} more today (it resets at 00:00 UTC). {who_to_ask}"
)
REPEATED_COLUMN = "The header names {repeated} twice; keep one."
ROWS_CANNOT_RUN = (
    ":warning: `{file_name}`: {count} {plural} cannot run, so nothing was submitted or "
    "billed. Fix them and share the file again.\n"
)
SLACK_REFUSED_DOWNLOAD = (
    "{name}: Slack refused the download (HTTP {status_code}). If this keeps happening, the app may lack "
    "the files:read scope."
)
SLACK_SENT_SIGN_IN_PAGE = "{name}: Slack sent a sign-in page instead of the file; the app may lack files:read."
SLACK_WOULD_NOT_SHARE = "Slack would not let me read it ({slack_error})."
STARTED_BY = "{images} · started by <@{user_id}> in <#{channel_id}>"
SUBMITTED_RESULTS_FOLLOW = "their results still come to the thread"
SUBMITTED_TASK_IDS_FOLLOW = "their TaskIds still come to the thread"
TOO_MANY_ROWS = (
    "it has {ready} requests; a batch holds at most {max_rows} (AIGC_BOT_BATCH_MAX_ROWS). Split it into smaller files."
)
UNKNOWN_COLUMN = " (`{unknown}` is not a column)"
USAGE = "Use `/aigc batch` (a form for the CSV file), `/aigc batch status [ID]` or `/aigc batch cancel ID`."
USER_ALLOWANCE = "you may send {user_left} more today"
WAITING_FOR_SUBMIT = "\nChecked and waiting for *Submit batch*; nothing submitted yet."
WORKSPACE_ALLOWANCE = "the workspace {workspace_left} more"
WRONG_CELL_COUNT = "has {cells} cells but the header names {columns}"
FORM_TITLE = "Catalogue batch"
FORM_SUBMIT = "Check file"
TODAYS_CAPS = "Today's caps: "
RUNNING_STATUS = ":hourglass_flowing_sand: running"
FORM_FILE_LABEL = "CSV file"
SUBMIT_BATCH = "Submit batch"
DISCARD = "Discard"
SUBMIT_CONFIRM_TITLE = "Submit the batch?"
SUBMIT_CONFIRM_TEXT = "Tencent Cloud bills {requests}, {images}."
NOT_YET = "Not yet"
