"""The help text and the wording of a request's life in Slack: its parent message and progress, the TaskId,
the results and the errors, and `escape` for anything a person typed (it can never ping or link).

Other sentences live beside the code that says them: a command's refusals in bot/slack/command_text.py, the
batch messages in bot/slack/batch_text.py, the history and usage reports in bot/slack/reports.py, and the
answers of each Slack surface in bot/slack_surface.py.
"""

from __future__ import annotations

import re
from typing import Any

from bot.images.refusals import READABLE
from bot.tencent.models import OUTPUT_IMAGE_COUNT, RESOLUTIONS
from bot.tencent.scenes import SCENE_LABELS, STORAGE_MODES, TRY_ON_MODEL_ALIASES, TaskSpec

HELP_TEXT = f"""*Generate images with Tencent Cloud AIGC* (each request is billed)
• `/aigc product <image> [more images…] [prompt] [ratio=1:1] [count={OUTPUT_IMAGE_COUNT[0]}-{OUTPUT_IMAGE_COUNT[1]}] \
[negative="…"]`
    e.g. `/aigc product https://shop.example/mug.png on a marble kitchen counter ratio=4:5 count=3`
• `/aigc tryon <model image> <clothes image> [more clothes…] [prompt] [model={"|".join(TRY_ON_MODEL_ALIASES)}] \
[resolution={"|".join(RESOLUTIONS)}]`
    e.g. `/aigc tryon 3704211000509819 https://shop.example/jacket.png open jacket, sleeves rolled up`
• `/aigc outpaint <image> [ratio=16:9]`
    e.g. `/aigc outpaint https://shop.example/banner.jpg ratio=21:9`
• `/aigc` alone opens a form where you can attach images.
• Mention me with images attached (`@aigc product red background`), or DM me images with the scene first.
• Message shortcut *Generate from images* on any message with images.
• `/aigc status <TaskId or SessionId>` · `/aigc history` · `/aigc usage`
• Presets: `/aigc preset save banner ratio=16:9 prompt="clean studio light"`, then `/aigc product <image> preset=banner`
    `/aigc preset list` · `/aigc preset show NAME` · `/aigc preset delete NAME` (by whoever saved it, or an admin)
• Channel defaults: `/aigc defaults ratio=4:5 count=2` · `/aigc defaults` shows them · `/aigc defaults clear`.
    Options you type win over the preset, the preset over the channel's defaults.
• Catalogue batch: `/aigc batch` (a form for a CSV file), or share the CSV with `@aigc batch`. Columns:
    `scene,image,clothes,prompt,preset,ratio,count,resolution,model,negative`; `|` separates several images.
    Every row is checked before anything is billed. `/aigc batch status [ID]` · `/aigc batch cancel ID`
An image is an http(s) link (Tencent fetches it), a VOD FileId (all digits) or an attached image ({READABLE}).
Options: `storage={"|".join(STORAGE_MODES)}` (temporary results are kept by Tencent for 7 days; \
the bot copies them here)."""


# Characters people cannot see that change how a message reads: control characters (tab and newline kept),
# zero-width space and byte order mark, and the direction overrides and isolates that can make text displayed
# after them run backwards. The marks and joiners right-to-left scripts and emoji need are kept.
_UNSHOWABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")


def escape(text: str) -> str:
    """Text from people, ready for Slack mrkdwn: <, > and & escaped (the only control characters for mentions
    and links), and characters that would hide or reorder what follows them dropped."""
    return _UNSHOWABLE.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def asker(user_id: str | None, *, from_command_line: bool = False) -> str:
    """Who asked, as Slack shows it: a mention, or for the command line the OS user name, which Slack knows not."""
    if from_command_line:
        return f"`{escape(user_id or '?')}` (command line)"
    return f"<@{user_id}>"


def describe_spec(spec: TaskSpec, image_count: int, preset: str | None = None) -> str:
    """The scene, image count and the options the request runs with, naming the preset that supplied some."""
    label = SCENE_LABELS.get(spec.scene, spec.scene)
    parts = [f"*{label}* from {image_count} image{'s' if image_count != 1 else ''}"]
    if preset:
        parts.append(f"preset `{escape(preset)}`")
    options = spec.options.to_dict()
    if options:
        parts.append(" · ".join(f"{k}={escape(str(v))}" for k, v in options.items()))
    text = " · ".join(parts)
    if spec.prompt:
        text += f"\n> {escape(spec.prompt)}"
    return text


STATUS_BADGES = {
    "working": ":hourglass_flowing_sand: working",
    "done": ":white_check_mark: done",
    "failed": ":x: failed",
    "refused": ":no_entry: refused",
    "already": ":information_source: already submitted earlier; not billed again",
}


PROGRESS_CELLS = 10


def clock_text(seconds: float) -> str:
    """Elapsed time as m:ss (or h:mm:ss past an hour)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_text(progress: int | None, elapsed: float, *, waiting: bool = False) -> str:
    """The parent message's status line while Tencent works: a bar with the percentage, or a queue hint."""
    if waiting:
        return f":hourglass: queued at Tencent Cloud, not started yet · {clock_text(elapsed)}"
    if progress is None:
        return f":hourglass_flowing_sand: working · {clock_text(elapsed)}"
    share = max(0, min(100, progress))
    filled = share * PROGRESS_CELLS // 100
    bar = "▓" * filled + "░" * (PROGRESS_CELLS - filled)
    return f":hourglass: {share}% {bar} {clock_text(elapsed)}"


def parent_text(
    user_id: str,
    spec: TaskSpec,
    image_count: int,
    status: str = "working",
    preset: str | None = None,
    built_on: str | None = None,
) -> str:
    """The request's parent message: who asked for what (and with which preset), what it builds on, if anything,
    and a status (a STATUS_BADGES key or a progress line)."""
    badge = STATUS_BADGES.get(status, status)
    origin = f"\n{built_on}" if built_on else ""
    return f"<@{user_id}> asked for {describe_spec(spec, image_count, preset)}{origin}\n{badge}"


def result_summary(spec: TaskSpec, task_id: str | None) -> str:
    """What a result in the thread is: the scene, its TaskId, the options and the prompt."""
    label = SCENE_LABELS.get(spec.scene, spec.scene)
    options = ", ".join(f"{k}={v}" for k, v in spec.options.to_dict().items())
    text = f"*{label}* · TaskId `{task_id}`"
    if options:
        text += f" · {escape(options)}"
    if spec.prompt:
        text += f"\n> {escape(spec.prompt)}"
    return text


def submitted_text(
    task_id: str, request_id: str, spec: TaskSpec, image_count: int, *, image_notes: str | None = None
) -> str:
    """The TaskId reply; `image_notes` (one line per image) say what was done to the images before they were sent."""
    prepared = "".join(f"\n{escape(line)}" for line in (image_notes or "").splitlines())
    return (
        f"Submitted {describe_spec(spec, image_count)}\n"
        f"TaskId: `{task_id}` · RequestId: `{request_id}`\n"
        "I will post the images here when they are ready." + prepared
    )


def duration_words(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    return f"{seconds / 60:.0f} minutes"


def already_submitted_text(code: str, request_id: str | None, session_id: str, *, looking_up: bool) -> str:
    """The answer to a resend Tencent refused as a duplicate: the first attempt reached it and was billed."""
    text = (
        "This request had already reached Tencent, so it was not submitted (or billed) a second time.\n"
        f"Code: `{code}` · RequestId: `{request_id or 'none'}` · SessionId: `{session_id}`\n"
    )
    if looking_up:
        return text + "Its TaskId did not reach me, so I am looking the task up; the result will follow in this thread."
    return text + f"Results are not followed on this bot; `/aigc status {session_id}` shows what I know."


def task_id_unknown_text(session_id: str, waited_seconds: float) -> str:
    """Posted when a billed task could not be found again: say so, and say where to look."""
    return (
        ":warning: I could not find the result of this request. Tencent received it and billed it once, "
        f"but its TaskId never reached me and I could not find the task within {duration_words(waited_seconds)}.\n"
        f"Look for it in the VOD console's task list under SessionId `{session_id}`.\n"
        f"`/aigc status {session_id}` explains this again."
    )


def task_lookup_status_text(session_id: str, status: str, *, still_looking: bool) -> str:
    """/aigc status for a request Tencent holds whose TaskId the log lacks."""
    head = f"*Request* SessionId `{session_id}` · {status}"
    if still_looking:
        return (
            f"{head}\nTencent received this request and billed it once, but its TaskId never reached me. "
            "I am looking the task up; the result will be posted in the request's thread."
        )
    return (
        f"{head} · `TaskIdUnknown`\nTencent received this request and billed it once, but its TaskId never reached "
        f"me and I could not find the task in time. Look for it in the VOD console's task list under SessionId "
        f"`{session_id}`."
    )


def error_text(headline: str, details: str) -> str:
    return f":warning: {headline}\n{details}"


def not_in_channel_text(channel_id: str) -> str:
    return (
        f"I can't post in <#{channel_id}> because I'm not a member. "
        "Invite me with `/invite @aigc` and try again; this time I'll answer here."
    )


def text_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
