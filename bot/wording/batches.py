"""What a CSV batch says: the help, the file's refusals, its checked summary, progress and result rows."""

BATCH_CANCELLED_YET_SUBMITTED_NOTHING = (
    "Batch {id}: cancelled {cancelled_requests} not yet submitted; nothing is billed for them. "
    "{submitted} already submitted are billed and {after}."
)
BATCH_DISCARDED_NOTHING_WAS_SUBMITTED = "Batch {id} discarded; nothing was submitted or billed."
BATCH_FROM_EVERY_ROW_CHECKED = (
    ":page_facing_up: Batch {id} from <@{user_id}>, `{file_name}`: every row checked. "
    "*{requests}, {images} billed.*\n{allowance}"
)
BATCH_HAS_ENDED_DONE_FAILED = (
    "Batch {id} has ended: {done} done, {failed} failed{cancelled}. Every row's TaskId, status and "
    "output URLs are in `{file_name}`."
)
BATCH_HAS_ENDED_SUBMITTED_FAILED = (
    "Batch {id} has ended: {submitted} submitted, {failed} failed{cancelled}. Every row's TaskId and "
    "status are in `{file_name}`. This bot does not follow results (AIGC_BOT_FOLLOW_MODE=off): `/aigc "
    "status <TaskId>` looks one up."
)
BATCH_ID_BATCH_IDS_ARE = "`{word}` is not a batch ID; batch IDs are numbers. {USAGE}"
BATCH_WAS_ALREADY_SUBMITTED = "Batch {id} was already submitted."
BATCH_WAS_ALREADY_SUBMITTED_DISCARDED = "Batch {id} was already submitted or discarded."
BATCH_WAS_SUBMITTED = ":no_entry: Batch {id} was not submitted: {refusal}"
CANCELLED_REQUESTS_ALREADY_SUBMITTED_STILL = ":octagonal_sign: cancelled; requests already submitted still finish"
CANNOT_RUN_NOTHING_WAS_SUBMITTED = (
    ":warning: `{file_name}`: {count} {plural} cannot run, so nothing was submitted or "
    "billed. Fix them and share the file again.\n"
)
CANT_FIND_BATCH = "I can't find that batch."
CHECKED_WAITING_SUBMIT_BATCH_NOTHING = "\nChecked and waiting for *Submit batch*; nothing submitted yet."
CHECK_EVERY_ROW_FIRST_NOTHING = " I check every row first; nothing is billed before you click *Submit batch*."
COLUMN = " (`{unknown}` is not a column)"
COULD_POST_BATCH_HERE_INVITE = (
    "I could not post the batch here ({slack_error}); invite me with `/invite @aigc` and "
    "share the file again. Nothing was submitted or billed."
)
DISCARDED_BEFORE_WAS_SUBMITTED_NOTHING = "\nDiscarded before it was submitted; nothing was billed."
DOWNLOAD_FROM_SLACK_FAILED_TRY = "{name}: the download from Slack failed ({error_kind}); try again."
DOWNLOAD_LINK_DOES_POINT_SLACK = "{name}: the download link does not point to Slack, so I won't fetch it."
FILE_EMPTY = "The file is empty. {FORMAT_HINT}"
FILE_HAS_HEADER_BUT_NO = "The file has a header but no requests. {FORMAT_HINT}"
FILE_UTF_TEXT_SAVE_AS = "The file is not UTF-8 text. Save it as *CSV UTF-8* (Excel) or *CSV* (Google Sheets, Numbers)."
FILE_VALID_CSV = "The file is not valid CSV ({error}). {FORMAT_HINT}"
FINISHED_RESULTS_FILE_THREAD = ":white_check_mark: finished; the results file is in the thread"
FIRST_ROW_MUST_HEADER = "The first row must be the header{named}. {FORMAT_HINT}"
FIRST_ROW_NAMES_COLUMNS = "The first row names the columns: `"
GIVE_BATCH_ID_AIGC_BATCH = "Give the batch ID: `/aigc batch cancel ID`. {USAGE}"
HAS_BUT_DAILY_CAP_ALLOWS = (
    "it has {requests} but {whose} daily cap allows only {left} more today (it resets at 00:00 UTC). {who_to_ask}"
)
HAS_CELLS_BUT_HEADER_NAMES = "has {cells} cells but the header names {columns}"
HAS_REQUESTS_BATCH_HOLDS_AT = (
    "it has {ready} requests; a batch holds at most {max_rows} (AIGC_BOT_BATCH_MAX_ROWS). Split it into smaller files."
)
HAVE_NO_BATCHES_YET = "You have no batches yet."
HEADER_NAMES_TWICE_KEEP_ONE = "The header names {repeated} twice; keep one."
LINK_VOD_FILEID = "a link or a VOD FileId"
MAY_SEND_MORE_TODAY = "you may send {user_left} more today"
NOTHING_WAS_SUBMITTED_BILLED = ":no_entry: {refusal} Nothing was submitted or billed."
NOTHING_WAS_SUBMITTED_BILLED_2 = ":warning: `{file_name}`: {problem} Nothing was submitted or billed."
NO_DAILY_CAP_APPLIES = "No daily cap applies."
NO_FILE = "Attach the catalogue as a CSV file to the same message, e.g. `@aigc batch` with `catalogue.csv`."
ONLY_SCENE_IMAGE_ARE_REQUIRED = (
    "` (only `scene` and `image` are required); several images or clothes in one cell are separated by "
    "`|`; images are http(s) links or VOD FileIds."
)
ONLY_WHO_SHARED_FILE_CAN = "Only <@{user_id}>, who shared the file, can submit batch {id}."
ONLY_WHO_SHARED_FILE_CAN_2 = "Only <@{user_id}>, who shared the file, can discard batch {id}."
ONLY_WHO_STARTED_ADMIN_CAN = "Only <@{user_id}>, who started it, or an admin can cancel batch {id}."
OVER_MB_SPLIT_CATALOGUE = "{name} is over {max_megabytes} MB; split the catalogue."
SLACK_GAVE_NO_DOWNLOAD_LINK = "{name}: Slack gave no download link for this file."
SLACK_REFUSED_DOWNLOAD_HTTP_IF = (
    "{name}: Slack refused the download (HTTP {status_code}). If this keeps happening, the app may lack "
    "the files:read scope."
)
SLACK_SENT_SIGN_PAGE_INSTEAD = "{name}: Slack sent a sign-in page instead of the file; the app may lack files:read."
SLACK_WOULD_LET_ME_READ = "Slack would not let me read it ({slack_error})."
STARTED = "{images} · started by <@{user_id}> in <#{channel_id}>"
THEIR_RESULTS_STILL_COME_THREAD = "their results still come to the thread"
THEIR_TASKIDS_STILL_COME_THREAD = "their TaskIds still come to the thread"
THERE_NO_BATCH = "There is no batch {batch_id}."
USAGE = "Use `/aigc batch` (a form for the CSV file), `/aigc batch status [ID]` or `/aigc batch cancel ID`."
WORKSPACE_MORE = "the workspace {workspace_left} more"
