"""Building on a result: the "Use this image" control under a result, and which of its images it names.

The control's value is a reference into the log (the row id and the image's number, as in the file names
posted with the result), never the image's address: a temporary URL can be long, and the log knows better
than a stale message whether the image is still there.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot import wording
from bot.slack.messages import button, plain_text
from bot.store.db import RequestLog, RequestRow, Status, parse_iso

USE_RESULT_ACTION = "aigc_use_result"
# Slack shows at most 100 options in a static select; a task makes at most 10 images.
MAX_IMAGE_OPTIONS = 100
_REFERENCE_SEPARATOR = ":"


def use_result_element(row_id: int, image_count: int) -> dict[str, Any] | None:
    """One button for a single image, a select naming each image for several; None when there is no image."""
    if image_count < 1:
        return None
    if image_count == 1:
        return button(USE_RESULT_ACTION, wording.slack.USE_RESULT_LABEL, result_reference(row_id, 1))
    return {
        "type": "static_select",
        "action_id": USE_RESULT_ACTION,
        "placeholder": plain_text(f"{wording.slack.USE_RESULT_LABEL}…"),
        "options": [
            {
                "text": plain_text(wording.slack.IMAGE_NUMBER.format(number=number)),
                "value": result_reference(row_id, number),
            }
            for number in range(1, min(image_count, MAX_IMAGE_OPTIONS) + 1)
        ],
    }


def result_reference(row_id: int, number: int) -> str:
    return f"{row_id}{_REFERENCE_SEPARATOR}{number}"


def reference_of_action(action: dict[str, Any]) -> tuple[int, int] | None:
    """The (row id, image number) a click on the control names; None for anything else."""
    value = str((action.get("selected_option") or {}).get("value") or action.get("value") or "")
    row, _, number = value.partition(_REFERENCE_SEPARATOR)
    if not (row.isdigit() and number.isdigit()) or int(number) < 1:
        return None
    return int(row), int(number)


@dataclass(frozen=True)
class Usable:
    """An output image as an input to a new request: its VOD FileId, or else its URL."""

    ref: str


def usable_output(row: RequestRow, number: int, now: datetime) -> Usable | str:
    """The image `number` of a finished request as an input, or the sentence saying why it cannot be one."""
    status = str(row.get("status") or "")
    if status in (Status.FAILED, Status.REFUSED, Status.INVALID):
        return wording.slack.NO_IMAGE_TO_BUILD_ON.format(status=status)
    if status != Status.DONE:
        return wording.slack.NOT_FINISHED_TO_BUILD_ON
    outputs: list[dict[str, Any]] = json.loads(row.get("output_json") or "[]")
    if not 1 <= number <= len(outputs):
        return wording.slack.NO_SUCH_RESULT_IMAGE.format(number=number)
    output = outputs[number - 1]
    url = output.get("url")
    temporary = str(output.get("storage_mode") or "").lower() == "temporary"
    if output.get("file_id") and not (temporary and url):
        return Usable(str(output["file_id"]))  # stored in VOD: kept as long as the media is
    expires = _expiry(output.get("expire_time"))
    if url and expires is not None and expires <= now:
        return wording.slack.RESULT_IMAGE_EXPIRED.format(output_expire_time=output["expire_time"])
    if not url:
        return wording.slack.RESULT_IMAGE_WITHOUT_ADDRESS
    return Usable(str(url))


def _expiry(text: Any) -> datetime | None:
    if not text:
        return None
    try:
        moment = parse_iso(str(text))
    except ValueError:
        return None  # a time the log cannot read: let Tencent judge the link
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def built_on_line(log_db: RequestLog, derived_from: int | None) -> str | None:
    """The parent message's line naming the request a new one builds on; None for a request of its own."""
    if derived_from is None:
        return None
    source = log_db.get(int(derived_from)) or {}
    task_id = source.get("task_id")
    named = f"TaskId `{task_id}`" if task_id else wording.slack.REQUEST_NUMBER.format(row_id=derived_from)
    return wording.slack.BUILT_ON_RESULT.format(named=named)
