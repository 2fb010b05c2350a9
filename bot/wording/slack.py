"""What people read in Slack: replies in threads, progress, the App Home, reports, access and presets."""

AIGC_PRESET_TAKES_ONE_NAME = "`/aigc preset {action}` takes one name. {PRESET_USAGE}"
ALREADY_SUBMITTED_EARLIER_BILLED_AGAIN = ":information_source: already submitted earlier; not billed again"
ASK_WORKSPACE_ADMIN_WHO_INSTALLED = "Ask the workspace admin who installed the bot if you need access."
BUILT_RESULT = "Built on the result of {named}"
CANT_FIND_BATCH = "I can't find that batch."
CANT_FIND_REQUEST_MY_LOG = "I can't find that request in my log."
CANT_POST_BECAUSE_IM_MEMBER = (
    "I can't post in <#{channel_id}> because I'm not a member. Invite me with `/invite @aigc` and try "
    "again; this time I'll answer here."
)
CHANNEL_HAD_NO_DEFAULTS = "This channel had no defaults."
CHANNEL_HAS_NO_DEFAULTS_SET = "This channel has no defaults. Set them with `/aigc defaults ratio=16:9 count=2`."
COULD_FIND_RESULT_REQUEST_TENCENT = (
    ":warning: I could not find the result of this request. Tencent received it and billed it once, but "
    "its TaskId never reached me and I could not find the task within "
    "{waited}.\nLook for it in the VOD console's task list under SessionId "
    "`{session_id}`.\n`/aigc status {session_id}` explains this again."
)
COULD_READ_TASK = ":warning: Could not read task `{task_id}`.\n{error}"
COULD_USE = "I could not use that."
COUNTED_NO_UNIT_PRICE = "; not counted, no unit price: {names}"
DEFAULTS_CHANNEL_ARE_NOW = ":white_check_mark: Defaults for this channel are now {options}."
DEFAULTS_CHANNEL_SET_AT_OPTIONS = (
    "*Defaults for this channel:* {defaults}\nSet by <@{set_by}> at {set_at}. "
    "Options you type and presets come first; `/aigc defaults clear` removes them."
)
FAILURES_ERROR_CODE = "failures by error code: "
FORM_CANNOT_READ_CLOSE_OPEN = "This form cannot be read. Close it and open it again with /aigc."
GIVEN_TWICE_KEEP_ONE = "{key}= is given twice; keep one."
HAVE_NO_REQUESTS_YET_TYPE = "You have no requests yet. Type `/aigc help` to start."
HAVE_NO_REQUEST_SESSIONID_MY = "I have no request with SessionId `{session_id}` in my log."
HAVE_REACHED_TODAYS_LIMIT_REQUESTS = (
    "You have reached today's limit of {user_daily_cap} requests. It resets at 00:00 UTC. {who_to_ask}"
)
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
IF_NEED_ACCESS = " if you need access."
IMAGES_ADDRESS_TOO_LONG_SLACK = (
    "That image's address is too long for a Slack form. Use *Run again*, or attach the copy from the thread to `/aigc`."
)
IMAGE_GONE_TENCENT_KEPT_ONLY = (
    "That image is gone: Tencent kept it only until {output_expire_time} (temporary storage lasts 7 "
    "days), so I can't use it as an input. Use *Run again* on that request to make it anew, or attach "
    "the copy from the thread to `/aigc`."
)
IMAGE_S_TENCENTS_COPY_HAS = "\n_{outputs} image(s); Tencent's copy has expired, the thread keeps them._"
KEY_VALUE_PUT_WORDS_QUOTES = '`{word}` is not key=value; put words in quotes, e.g. prompt="studio light".'
MESSAGE_HAS_NO_IMAGES_USE = (
    "That message has no images. Use the shortcut on a message with images ({readable}), or type "
    "`/aigc` to attach them."
)
NAME_PRESET_AIGC_PRESET_NAME = "Name the preset: `/aigc preset {action} NAME`."
NO_PRESETS_YET_SAVE_ONE = (
    'No presets yet. Save one with `/aigc preset save banner ratio=16:9 prompt="clean studio light"`.'
)
ONLY_ADMIN_CAN_CHANGE_CHANNELS = "Only an admin ({names}) can change this channel's defaults."
ONLY_WHO_SAVED_ADMIN_CAN = "Only <@{creator}> (who saved it) or an admin can {verb} preset `{name}`."
OUTPUT_IMAGE_S_FINISHED_REQUESTS = "{amount} ({images} output image(s) of finished requests)"
PRESET_NEEDS_AT_LEAST_ONE = "A preset needs at least one key=value, e.g. `/aigc preset save banner ratio=16:9`."
PRESET_PROMPT = "With preset `{preset}`, the prompt"
PRESET_USAGE = (
    "Use `/aigc preset save NAME key=value …`, `/aigc preset list`, `/aigc preset show NAME` or `/aigc "
    "preset delete NAME`."
)
PRESET_USE_AIGC_IMAGE_PRESET = (
    ":white_check_mark: {verb} preset {preset}.\nUse it with `/aigc {scene} <image> "
    "preset={name} …` or pick it in the `/aigc` form."
)
PRESET_USE_AIGC_PRESET = "Preset `{name}` is for {scene}, not {asked_scene}: use `/aigc {scene} … preset={name}`."
QUEUED_AT_TENCENT_CLOUD_STARTED = ":hourglass: queued at Tencent Cloud, not started yet · {elapsed}"
REMOVED_CHANNELS_DEFAULTS = ":wastebasket: Removed this channel's defaults."
REQUEST_CANNOT_RUN_AGAIN_FROM = "That request cannot be run again from here: it was not a request made in Slack."
REQUEST_ENDED_MADE_NO_IMAGE = "That request ended {status} and made no image, so there is nothing to build on."
REQUEST_FINISHED_YET_THERE_NO = (
    "That request is not finished yet, so there is no image to build on. Its result will be posted in "
    "its thread; use the button there."
)
REQUEST_HAD_ALREADY_REACHED_TENCENT = (
    "This request had already reached Tencent, so it was not submitted (or billed) a second "
    "time.\nCode: `{code}` · RequestId: `{request_id}` · SessionId: `{session_id}`\n"
)
REQUEST_HAS_NO_IMAGE_MY = "That request has no image {number} in my log, so there is nothing to build on."
RESULTS_ARE_FOLLOWED_BOT_AIGC = "Results are not followed on this bot; `/aigc status {session_id}` shows what I know."
SCENE_PROMPT_BELONG_PRESET = " (scene= and prompt= belong in a preset)"
SET_AIGC_BOT_UNIT_PRICES = "Set `AIGC_BOT_UNIT_PRICES` to see estimated costs."
SORRY_IMAGE_GENERATION_LIMITED_APPROVED = (
    "Sorry, image generation is limited to approved people in this workspace. {who_to_ask}"
)
SORRY_ONLY_GENERATE_IMAGES = "Sorry, I only generate images in {channels}. {who_to_ask}"
STILL_RUNNING_AFTER_S_NO = "still running after {timeout:.0f}s; no longer followed"
SUBMITS_SAME_REQUEST_ONCE_MORE = "This submits the same request once more, and Tencent Cloud bills it again."
SUBMITTED_MONTH_REFUSED_INVALID_BILLED = "Not submitted this month (refused or invalid, not billed): {refused}"
SUBMITTED_TASKID_REQUESTID_WILL_POST = (
    "Submitted {request}\nTaskId: `{task_id}` · RequestId: `{request_id}`\nI "
    "will post the images here when they are ready."
)
SUBMITTED_TASKS_BILLED_TENCENT = "*Submitted tasks (billed by Tencent) for {month}*"
TASKIDUNKNOWN_TENCENT_RECEIVED_REQUEST_BILLED = (
    "{head} · `TaskIdUnknown`\nTencent received this request and billed it once, but its TaskId never "
    "reached me and I could not find the task in time. Look for it in the VOD console's task list under "
    "SessionId `{session_id}`."
)
TASKID_DID_REACH_ME_AM = (
    "Its TaskId did not reach me, so I am looking the task up; the result will follow in this thread."
)
TASK_STILL_RUNNING_AFTER_MINUTES = (
    "The task is still running after {minutes:.0f} minutes, so I stopped checking. Use "
    "`/aigc status {task_id}` to see it later."
)
TASK_STILL_RUNNING_AFTER_S = "task still running after {waited:.0f}s"
TENCENT_GAVE_NO_ADDRESS_IMAGE = (
    "Tencent gave no address for that image, so I can't use it as an input. Use *Run again* instead."
)
TENCENT_HOLDS_TASK_SESSIONID_BILLED = (
    "Tencent holds a task for SessionId {session_id} (billed once); its TaskId was not found within {waited:.0f}s"
)
TENCENT_KEEPS_TEMPORARY_RESULTS_DAYS = "\nTencent keeps temporary results for 7 days; the copies above stay in Slack."
TENCENT_RECEIVED_REQUEST_BILLED_ONCE = (
    "{head}\nTencent received this request and billed it once, but its TaskId never reached me. I am "
    "looking the task up; the result will be posted in the request's thread."
)
THERE_NO_PRESET_WORKSPACE_AIGC = (
    "There is no preset `{name}` in this workspace. `/aigc preset list` shows the saved ones."
)
USE_AIGC_STATUS_AIGC_HISTORY = "Use `/aigc status`, `/aigc history` or `/aigc usage` for that."
WORKSPACE_HAS_REACHED_TODAYS_LIMIT = (
    "The workspace has reached today's limit of {workspace_daily_cap} requests. It resets at 00:00 UTC. {who_to_ask}"
)
ONE_FILE_NOT_AN_IMAGE = "{listed} is not an image; I read {readable}. "
FILES_NOT_IMAGES = "{listed} are not images; I read {readable}. "
