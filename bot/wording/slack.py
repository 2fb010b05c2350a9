"""What people read in Slack: replies in threads, progress, the App Home, reports, access and presets."""

ALREADY_AT_TENCENT = (
    "This request had already reached Tencent, so it was not submitted (or billed) a second "
    "time.\nCode: `{code}` · RequestId: `{request_id}` · SessionId: `{session_id}`\n"
)
ALREADY_SUBMITTED_STATUS = ":information_source: already submitted earlier; not billed again"
ASK_ADMINS_FOR_ACCESS = "Ask {admins} if you need access."
ASK_INSTALLER_FOR_ACCESS = "Ask the workspace admin who installed the bot if you need access."
BUILT_ON_RESULT = "Built on the result of {named}"
CHANNEL_DEFAULTS_CLEARED = ":wastebasket: Removed this channel's defaults."
CHANNEL_DEFAULTS_SET = ":white_check_mark: Defaults for this channel are now {options}."
CHANNEL_DEFAULTS_SHOWN = (
    "*Defaults for this channel:* {defaults}\nSet by <@{set_by}> at {set_at}. "
    "Options you type and presets come first; `/aigc defaults clear` removes them."
)
COULD_NOT_USE_THAT = "I could not use that."
FAILURES_BY_CODE = "failures by error code: "
FILES_NOT_IMAGES = "{listed} are not images; I read {readable}. "
FOLLOW_GIVEN_UP = (
    "The task is still running after {minutes:.0f} minutes, so I stopped checking. Use "
    "`/aigc status {task_id}` to see it later."
)
FOLLOW_GIVEN_UP_LOG = "still running after {timeout:.0f}s; no longer followed"
FORM_UNREADABLE = "This form cannot be read. Close it and open it again with /aigc."
HELP_TEXT = (
    "*Generate images with Tencent Cloud AIGC* (each request is billed)\n• `/aigc product <image> [more "
    "images…] [prompt] [ratio=1:1] [count={fewest_outputs}-{most_outputs}] "
    '[negative="…"]`\n    e.g. `/aigc product https://shop.example/mug.png on a marble kitchen counter '
    "ratio=4:5 count=3`\n• `/aigc tryon <model image> <clothes image> [more clothes…] [prompt] "
    "[model={models}] [resolution={resolutions}]`\n    e.g. `/aigc tryon "
    "3704211000509819 https://shop.example/jacket.png open jacket, sleeves rolled up`\n• `/aigc "
    "outpaint <image> [ratio=16:9]`\n    e.g. `/aigc outpaint https://shop.example/banner.jpg "
    "ratio=21:9`\n• `/aigc` alone opens a form where you can attach images.\n• Mention me with images "
    "attached (`@aigc product red background`), or DM me images with the scene first.\n• Message "
    "shortcut *Generate from images* on any message with images.\n• `/aigc status <TaskId or "
    "SessionId>` · `/aigc history` · `/aigc usage`\n• Presets: `/aigc preset save banner ratio=16:9 "
    'prompt="clean studio light"`, then `/aigc product <image> preset=banner`\n    `/aigc preset list` '
    "· `/aigc preset show NAME` · `/aigc preset delete NAME` (by whoever saved it, or an admin)\n• "
    "Channel defaults: `/aigc defaults ratio=4:5 count=2` · `/aigc defaults` shows them · `/aigc "
    "defaults clear`.\n    Options you type win over the preset, the preset over the channel's "
    "defaults.\n• Catalogue batch: `/aigc batch` (a form for a CSV file), or share the CSV with `@aigc "
    "batch`. Columns:\n    `scene,image,clothes,prompt,preset,ratio,count,resolution,model,negative`; "
    "`|` separates several images.\n    Every row is checked before anything is billed. `/aigc batch "
    "status [ID]` · `/aigc batch cancel ID`\nAn image is an http(s) link (Tencent fetches it), a VOD "
    "FileId (all digits) or an attached image ({readable}).\nOptions: `storage={storage_modes}` "
    "(temporary results are kept by Tencent for 7 days; the bot copies them here)."
)
IMAGE_ADDRESS_TOO_LONG_FOR_FORM = (
    "That image's address is too long for a Slack form. Use *Run again*, or attach the copy from the thread to `/aigc`."
)
LOOKING_FOR_TASK = "Its TaskId did not reach me, so I am looking the task up; the result will follow in this thread."
MESSAGE_HAS_NO_IMAGES = (
    "That message has no images. Use the shortcut on a message with images ({readable}), or type "
    "`/aigc` to attach them."
)
NOT_AN_ALLOWED_CHANNEL = "Sorry, I only generate images in {channels}. {who_to_ask}"
NOT_AN_ALLOWED_USER = "Sorry, image generation is limited to approved people in this workspace. {who_to_ask}"
NOT_A_MEMBER = (
    "I can't post in <#{channel_id}> because I'm not a member. Invite me with `/invite @aigc` and try "
    "again; this time I'll answer here."
)
NOT_A_SLACK_REQUEST = "That request cannot be run again from here: it was not a request made in Slack."
NOT_COUNTED_NO_PRICE = "; not counted, no unit price: {names}"
NOT_FINISHED_TO_BUILD_ON = (
    "That request is not finished yet, so there is no image to build on. Its result will be posted in "
    "its thread; use the button there."
)
NOT_KEY_VALUE = '`{word}` is not key=value; put words in quotes, e.g. prompt="studio light".'
NOT_SUBMITTED_THIS_MONTH = "Not submitted this month (refused or invalid, not billed): {refused}"
NO_CHANNEL_DEFAULTS = "This channel has no defaults. Set them with `/aigc defaults ratio=16:9 count=2`."
NO_DEFAULTS_TO_CLEAR = "This channel had no defaults."
NO_IMAGE_TO_BUILD_ON = "That request ended {status} and made no image, so there is nothing to build on."
NO_PRESETS_YET = 'No presets yet. Save one with `/aigc preset save banner ratio=16:9 prompt="clean studio light"`.'
NO_REQUESTS_YET = "You have no requests yet. Type `/aigc help` to start."
NO_REQUEST_WITH_SESSION_ID = "I have no request with SessionId `{session_id}` in my log."
NO_SUCH_PRESET = "There is no preset `{name}` in this workspace. `/aigc preset list` shows the saved ones."
NO_SUCH_REQUEST = "I can't find that request in my log."
NO_SUCH_RESULT_IMAGE = "That request has no image {number} in my log, so there is nothing to build on."
ONE_FILE_NOT_AN_IMAGE = "{listed} is not an image; I read {readable}. "
ONLY_ADMINS_SET_DEFAULTS = "Only an admin ({names}) can change this channel's defaults."
ONLY_SAVER_OR_ADMIN = "Only <@{creator}> (who saved it) or an admin can {verb} preset `{name}`."
PRESET_DELETED = ":wastebasket: Deleted preset `{name}`."
PRESET_FOR_OTHER_SCENE = "Preset `{name}` is for {scene}, not {asked_scene}: use `/aigc {scene} … preset={name}`."
PRESET_NAME_MISSING = "Name the preset: `/aigc preset {action} NAME`."
PRESET_NEEDS_AN_OPTION = "A preset needs at least one key=value, e.g. `/aigc preset save banner ratio=16:9`."
PRESET_PROMPT_WHAT = "With preset `{preset}`, the prompt"
PRESET_SAVED = (
    ":white_check_mark: {verb} preset {preset}.\nUse it with `/aigc {scene} <image> "
    "preset={name} …` or pick it in the `/aigc` form."
)
PRESET_TAKES_ONE_NAME = "`/aigc preset {action}` takes one name. {usage}"
PRESET_USAGE = (
    "Use `/aigc preset save NAME key=value …`, `/aigc preset list`, `/aigc preset show NAME` or `/aigc "
    "preset delete NAME`."
)
QUEUED_AT_TENCENT = ":hourglass: queued at Tencent Cloud, not started yet · {elapsed}"
RESULTS_NOT_FOLLOWED = "Results are not followed on this bot; `/aigc status {session_id}` shows what I know."
RESULT_IMAGE_EXPIRED = (
    "That image is gone: Tencent kept it only until {output_expire_time} (temporary storage lasts 7 "
    "days), so I can't use it as an input. Use *Run again* on that request to make it anew, or attach "
    "the copy from the thread to `/aigc`."
)
RESULT_IMAGE_WITHOUT_ADDRESS = (
    "Tencent gave no address for that image, so I can't use it as an input. Use *Run again* instead."
)
RESULT_KEPT_ONLY_IN_THREAD = "\n_{outputs} image(s); Tencent's copy has expired, the thread keeps them._"
RUN_AGAIN_BILLS_AGAIN = "This submits the same request once more, and Tencent Cloud bills it again."
SCENE_AND_PROMPT_IN_PRESET = " (scene= and prompt= belong in a preset)"
SET_PRICES_FOR_COSTS = "Set `AIGC_BOT_UNIT_PRICES` to see estimated costs."
SUBMITTED = (
    "Submitted {request}\nTaskId: `{task_id}` · RequestId: `{request_id}`\nI "
    "will post the images here when they are ready."
)
TASK_ID_NOT_FOUND_LOG = (
    "Tencent holds a task for SessionId {session_id} (billed once); its TaskId was not found within {waited:.0f}s"
)
TASK_ID_UNKNOWN_LOOKING = (
    "{head}\nTencent received this request and billed it once, but its TaskId never reached me. I am "
    "looking the task up; the result will be posted in the request's thread."
)
TASK_ID_UNKNOWN_STATUS = (
    "{head} · `TaskIdUnknown`\nTencent received this request and billed it once, but its TaskId never "
    "reached me and I could not find the task in time. Look for it in the VOD console's task list under "
    "SessionId `{session_id}`."
)
TASK_NEVER_FOUND = (
    ":warning: I could not find the result of this request. Tencent received it and billed it once, but "
    "its TaskId never reached me and I could not find the task within "
    "{waited}.\nLook for it in the VOD console's task list under SessionId "
    "`{session_id}`.\n`/aigc status {session_id}` explains this again."
)
TASK_UNREADABLE = ":warning: Could not read task `{task_id}`.\n{error}"
TEMPORARY_RESULTS_NOTE = "\nTencent keeps temporary results for 7 days; the copies above stay in Slack."
USAGE_AMOUNT = "{amount} ({images} output image(s) of finished requests)"
USAGE_TITLE = "*Submitted tasks (billed by Tencent) for {month}*"
USER_DAILY_CAP_REACHED = (
    "You have reached today's limit of {user_daily_cap} requests. It resets at 00:00 UTC. {who_to_ask}"
)
USE_STATUS_COMMANDS = "Use `/aigc status`, `/aigc history` or `/aigc usage` for that."
WORKSPACE_DAILY_CAP_REACHED = (
    "The workspace has reached today's limit of {workspace_daily_cap} requests. It resets at 00:00 UTC. {who_to_ask}"
)
FROM_ONE_IMAGE = "*{scene}* from {count} image"
FROM_IMAGES = "*{scene}* from {count} images"
WITH_PRESET = "preset `{preset}`"
WORKING_STATUS = ":hourglass_flowing_sand: working"
DONE_STATUS = ":white_check_mark: done"
FAILED_STATUS = ":x: failed"
REFUSED_STATUS = ":no_entry: refused"
WORKING_FOR = ":hourglass_flowing_sand: working · {elapsed}"
PARENT = "<@{user_id}> asked for {request}\n{badge}"
SECONDS = "{seconds:.0f} seconds"
MINUTES = "{minutes:.0f} minutes"
REQUEST_BY_SESSION_ID = "*Request* SessionId `{session_id}` · {status}"
ERROR = ":warning: {headline}\n{details}"

# The request's own sentences, said by bot/pipeline.py (which points at them when its rework lands).
REPEAT_NOTE = (
    "You sent the same request a few seconds ago, so I ignored this copy to avoid paying twice. "
    "Send it again in 10 seconds if you really want a second run."
)
SLACK_DOWN_NOTHING_SUBMITTED = (
    ":warning: Slack would not take my messages just now, so I stopped before submitting "
    "anything; nothing was billed. Please try again in a minute."
)
SLACK_DOWN_LOGGED = "Slack refused our messages ({slack_down}); nothing was submitted"
CRASHED_WHILE_SUBMITTING = "Something went wrong on my side while submitting; the request may have reached Tencent."
CRASHED_BEFORE_SUBMITTING = "Something went wrong on my side before anything was submitted; nothing was billed."
CRASHED_WHAT_TO_DO = "Please check `/aigc history`. If it keeps happening, tell the admin."
REFUSED_NOTHING_BILLED = ":no_entry: {refusal} Nothing was submitted or billed."
REQUEST_UNUSABLE = "I could not use this request; nothing was submitted or billed."
# Said by the advice of every upload failure the bot knows; a headline that said it too would say it twice.
NOTHING_SUBMITTED_OR_BILLED = "nothing was submitted or billed"
UPLOAD_FAILED = "Your images could not be uploaded, so nothing was submitted or billed."
UPLOAD_FAILED_SHORT = "Your images could not be uploaded."
REFUSED_WHILE_SUBMITTING = "Tencent Cloud refused while submitting."
ALREADY_HELD_LOGGED = "Tencent already holds a task for this request; nothing new was billed"
SESSION_ID_TAKEN = (
    "SessionId `{session_id}` already belongs to {held_by}, so Tencent refused this "
    "request; nothing new was submitted or billed."
)
SESSION_ID_TAKEN_DETAIL = (
    "Code: `{code}` · RequestId: `{request_id}`. That request's result is "
    "the one for this SessionId; to run this again, give it a SessionId of its own."
)
SESSION_ID_TAKEN_LOGGED = (
    "SessionId {session_id} belongs to {held_by}; Tencent refused this copy ({code}), so nothing new was billed"
)
REQUEST_WITH_TASK_ID = "request {row_id} (TaskId `{task_id}`)"
REQUEST_WITHOUT_TASK_ID = "request {row_id} (TaskId not known yet)"
TASK_FAILED = ":warning: The task failed.\n{explanation}"
REFRESH_STATUS = "Refresh status"
RUN_AGAIN = "Run again"
RUN_AGAIN_CONFIRM = "Run it again?"
CANCEL = "Cancel"
UPLOADING_STATUS = ":hourglass_flowing_sand: uploading"
SUBMITTING_STATUS = ":hourglass_flowing_sand: submitting"
AT_TENCENT_STATUS = ":hourglass: at Tencent"
NOT_USABLE_STATUS = ":warning: not usable"
HOME_REQUESTS_COUNT = "*{title}:* {count} request(s)"
AND_MORE = "and {count} more"
HOME_BY_USER = "by user: "
HOME_BY_SCENE = "by scene: "
HOME_LAST_REQUESTS = "Your last requests"
ESTIMATED_COST = "estimated cost: "
HOME_THIS_MONTH = "This month ({month})"
HOME_NO_PRESETS = "No presets yet."
SAVED_BY = " · by <@{creator}>"
HISTORY_TITLE = "*Your last requests*"
NO_TASK_ID = "no TaskId"
THIS_MONTH = "This month"
USAGE_TASKS_COUNT = "*{label}:* {count} task(s)"
USAGE_BY_SCENE = "  by scene: "
USAGE_YOURS = "  yours: {count}"
USAGE_BY_USER = "  by user: "
USE_RESULT_LABEL = "Use this image"
REQUEST_NUMBER = "request {row_id}"
IMAGE_NUMBER = "Image {number}"
NO_SUCH_BATCH = "No such batch."
WARNING = ":warning: {problem}"
LOOKING_UP = "Looking up `{task_id}`…"
