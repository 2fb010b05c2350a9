"""A request's life in Slack, filled in: its parent message and progress, the TaskId, the results and the
errors, and `escape` for anything a person typed (it can never ping or link).

The sentences themselves are written in bot/wording/slack.py; this module picks and fills them.
"""

from __future__ import annotations

import re
from typing import Any

from bot import wording
from bot.images.refusals import READABLE
from bot.tencent.models import OUTPUT_IMAGE_COUNT, RESOLUTIONS
from bot.tencent.scenes import SCENE_LABELS, STORAGE_MODES, TRY_ON_MODEL_ALIASES, TaskSpec

HELP_TEXT = wording.slack.HELP_TEXT.format(
    fewest_outputs=OUTPUT_IMAGE_COUNT[0],
    most_outputs=OUTPUT_IMAGE_COUNT[1],
    models="|".join(TRY_ON_MODEL_ALIASES),
    resolutions="|".join(RESOLUTIONS),
    readable=READABLE,
    storage_modes="|".join(STORAGE_MODES),
)


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
    from_images = wording.slack.FROM_ONE_IMAGE if image_count == 1 else wording.slack.FROM_IMAGES
    parts = [from_images.format(scene=label, count=image_count)]
    if preset:
        parts.append(wording.slack.WITH_PRESET.format(preset=escape(preset)))
    options = spec.options.to_dict()
    if options:
        parts.append(" · ".join(f"{k}={escape(str(v))}" for k, v in options.items()))
    text = " · ".join(parts)
    if spec.prompt:
        text += f"\n> {escape(spec.prompt)}"
    return text


STATUS_BADGES = {
    "working": wording.slack.WORKING_STATUS,
    "done": wording.slack.DONE_STATUS,
    "failed": wording.slack.FAILED_STATUS,
    "refused": wording.slack.REFUSED_STATUS,
    "already": wording.slack.ALREADY_SUBMITTED_STATUS,
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
        return wording.slack.QUEUED_AT_TENCENT.format(elapsed=clock_text(elapsed))
    if progress is None:
        return wording.slack.WORKING_FOR.format(elapsed=clock_text(elapsed))
    share = max(0, min(100, progress))
    return f":hourglass: {share}% {progress_bar(share / 100)} {clock_text(elapsed)}"


def progress_bar(share: float) -> str:
    """`▓▓▓░░░░░░░`: as many of the cells filled as `share` (from 0 to 1) of them."""
    filled = max(0, min(PROGRESS_CELLS, int(share * PROGRESS_CELLS)))
    return "▓" * filled + "░" * (PROGRESS_CELLS - filled)


def parent_text(
    user_id: str, spec: TaskSpec, image_count: int, status: str, preset: str | None, built_on: str | None
) -> str:
    """The request's parent message: who asked for what (and with which preset), what it builds on, if anything,
    and a status (a STATUS_BADGES key or a progress line)."""
    badge = STATUS_BADGES.get(status, status)
    request = describe_spec(spec, image_count, preset) + (f"\n{built_on}" if built_on else "")
    return wording.slack.PARENT.format(user_id=user_id, request=request, badge=badge)


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
    request = describe_spec(spec, image_count)
    return wording.slack.SUBMITTED.format(request=request, task_id=task_id, request_id=request_id) + prepared


def already_submitted_text(code: str, request_id: str | None, session_id: str, *, looking_up: bool) -> str:
    """The answer to a resend Tencent refused as a duplicate: the first attempt reached it and was billed."""
    text = wording.slack.ALREADY_AT_TENCENT.format(code=code, request_id=request_id or "none", session_id=session_id)
    if looking_up:
        return text + wording.slack.LOOKING_FOR_TASK
    return text + wording.slack.RESULTS_NOT_FOLLOWED.format(session_id=session_id)


def task_id_unknown_text(session_id: str, waited_seconds: float) -> str:
    """Posted when a billed task could not be found again: say so, and say where to look."""
    if waited_seconds < 120:
        waited = wording.slack.SECONDS.format(seconds=waited_seconds)
    else:
        waited = wording.slack.MINUTES.format(minutes=waited_seconds / 60)
    return wording.slack.TASK_NEVER_FOUND.format(waited=waited, session_id=session_id)


def task_lookup_status_text(session_id: str, status: str, *, still_looking: bool) -> str:
    """/aigc status for a request Tencent holds whose TaskId the log lacks."""
    head = wording.slack.REQUEST_BY_SESSION_ID.format(session_id=session_id, status=status)
    if still_looking:
        return wording.slack.TASK_ID_UNKNOWN_LOOKING.format(head=head)
    return wording.slack.TASK_ID_UNKNOWN_STATUS.format(head=head, session_id=session_id)


# A problem quoted back in Slack stays readable even when the input was megabytes long.
SHOWN_PROBLEM_CHARS = 1500


def shown(problem: str) -> str:
    return problem if len(problem) <= SHOWN_PROBLEM_CHARS else problem[:SHOWN_PROBLEM_CHARS] + "…"


def error_text(headline: str, details: str) -> str:
    return wording.slack.ERROR.format(headline=headline, details=details)


def plain_text(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def button(action_id: str, label: str, value: str, **more: Any) -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain_text(label), "value": value, **more}


def confirm_dialog(title: str, text: str, *, confirm: str, deny: str) -> dict[str, Any]:
    """Slack's "are you sure?" before a button's action goes, for the ones that bill."""
    text_object = {"type": "mrkdwn", "text": text}
    return {"title": plain_text(title), "text": text_object, "confirm": plain_text(confirm), "deny": plain_text(deny)}


def context_block(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def text_block(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}
