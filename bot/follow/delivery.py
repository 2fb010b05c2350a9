"""Bringing a finished task into its thread: images, a note with buttons, or what went wrong; then the parent.

Every post goes through the pipeline's Conversation, and one rule decides what a refusal means here: Slack
refusing for good (the bot is not in the channel, the channel is archived...) is logged once and the result
counts as delivered, since trying again cannot help and the log keeps it for `/aigc status`; anything passing
(Slack's own retries spent, a dropped connection) puts the delivery off, and it is tried again from the start.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.errors import advise, format_refusal
from bot.follow.progress import ParentStatus
from bot.follow.schedule import PollPolicy, seconds_waited, submitted_at
from bot.follow.worker import Part
from bot.metrics import result_in_thread
from bot.request import spec_from_row
from bot.slack.conversation import Conversation, SlackUnavailable
from bot.slack.files import download_to_temp_file
from bot.slack.messages import button, confirm_dialog, escape, result_summary, task_id_unknown_text, text_block
from bot.slack.use_result import use_result_element
from bot.store import following
from bot.store.db import TASK_ID_UNKNOWN, RequestRow, Status, dumps, iso, utc_now
from bot.tencent.vod import TaskDetail, VodClient

log = logging.getLogger(__name__)

REFRESH_ACTION = "aigc_refresh"
RUN_AGAIN_ACTION = "aigc_run_again"
MAX_OUTPUT_BYTES = 50 * 1_048_576

Send = Callable[[Conversation], Awaitable[None]]


def result_buttons(row_id: int, image_count: int = 0) -> dict[str, Any]:
    """Refresh and Run again under any outcome; with `image_count` images, also a way to build on one of them."""
    again = confirm_dialog(
        wording.slack.RUN_AGAIN_CONFIRM,
        wording.slack.RUN_AGAIN_BILLS_AGAIN,
        confirm=wording.slack.RUN_AGAIN,
        deny=wording.slack.CANCEL,
    )
    elements = [
        button(REFRESH_ACTION, wording.slack.REFRESH_STATUS, str(row_id)),
        button(RUN_AGAIN_ACTION, wording.slack.RUN_AGAIN, str(row_id), confirm=again),
    ]
    if (use := use_result_element(row_id, image_count)) is not None:
        elements.append(use)
    return {"type": "actions", "block_id": f"result-{row_id}", "elements": elements}


@dataclass(kw_only=True, eq=False)
class Delivery(Part):
    vod: VodClient
    slack: AsyncWebClient
    http: httpx.AsyncClient
    policy: PollPolicy
    parent: ParentStatus

    # -- outcomes ---------------------------------------------------------------------------------------

    async def deliver(self, row: RequestRow, detail: TaskDetail) -> None:
        """Record the result, post it in the thread once, and mark the parent message done or failed."""
        if not detail.succeeded:
            code = f"TaskFailed.{detail.err_code}" if detail.err_code else "TaskAborted"
            await self.finish_failed(row, code, detail.message or detail.status, detail.request_id)
            return
        outputs = dumps([o.to_dict() for o in detail.outputs])
        self._record_end(row, status=Status.DONE, output_json=outputs, progress=100)
        await self._hand_over(row, partial(self._post_images, row=row, detail=detail), parent=Status.DONE)

    async def finish_failed(self, row: RequestRow, code: str, message: str, request_id: str | None) -> None:
        """Record that the task failed and explain why in the thread."""
        self._record_end(row, status=Status.FAILED, error_code=code, error_message=message)
        await self._hand_over(row, partial(_post_failure, row=row, code=code, message=message, request_id=request_id))

    async def task_not_found(self, row: RequestRow) -> None:
        """The task was billed but never found: fail the row and tell the thread where to look."""
        waited = seconds_waited(row)
        lost = wording.slack.TASK_ID_NOT_FOUND_LOG.format(session_id=row["session_id"], waited=waited)
        self._record_end(row, timed=False, status=Status.FAILED, error_code=TASK_ID_UNKNOWN, error_message=lost)
        text = task_id_unknown_text(str(row["session_id"]), waited)
        await self._hand_over(row, partial(_post_note, row=row, text=text))

    def _record_end(self, row: RequestRow, *, timed: bool = True, **fields: Any) -> None:
        """Write how a task ended, and that it is checked no more; `timed`: also how long it ran (Tencent ran it)."""
        finished = utc_now()
        if timed:
            fields["duration_seconds"] = (finished - submitted_at(row)).total_seconds()
        self.log_db.update(row["id"], finished_at=iso(finished), follow_next_at=None, follow_attempts=0, **fields)

    async def still_running(self, row: RequestRow) -> None:
        """Stop following a task past the follow timeout, and say where to see it later."""
        text = wording.slack.FOLLOW_GIVEN_UP.format(minutes=self.policy.timeout / 60, task_id=row["task_id"])
        if not await self._post(row, partial(_post_note, row=row, text=text)):
            return  # the next check gives up again, and posts again
        given_up = wording.slack.FOLLOW_GIVEN_UP_LOG.format(timeout=self.policy.timeout)
        self.log_db.update(
            row["id"], follow_next_at=None, follow_owner=None, follow_lease_until=None, error_message=given_up
        )

    # -- results cut off by a stop or a passing failure ----------------------------------------------------

    def start_redeliveries(self) -> None:
        """Deliver again, in the background, every finished row whose result never reached Slack and is due."""
        for row_id in following.undelivered(self.log_db, now=utc_now()):
            if self.worker.take(row_id, (Status.DONE, Status.FAILED)):
                self.worker.spawn(self._redeliver_guarded(row_id))

    async def redeliver(self, row_id: int) -> None:
        row = self.log_db.get(row_id)
        if not row or row.get("delivered_at"):
            return
        send: Send
        if row["status"] == Status.DONE:
            task_id = row["task_id"]
            # A row is marked done only by `deliver`, with the answer DescribeTaskDetail gave for its TaskId.
            assert task_id is not None, f"request {row_id} is done without a TaskId"
            detail = await self.vod.describe_task_detail(task_id)
            send = partial(self._post_images, row=row, detail=detail)
        elif row["error_code"] == TASK_ID_UNKNOWN:
            text = task_id_unknown_text(str(row["session_id"]), self.policy.timeout)
            send = partial(_post_note, row=row, text=text)
        else:
            code, message = row["error_code"] or "", row["error_message"] or ""
            send = partial(_post_failure, row=row, code=code, message=message, request_id=row.get("request_id"))
        await self._hand_over(row, send, parent=row["status"])

    async def _redeliver_guarded(self, row_id: int) -> None:
        try:
            await self.redeliver(row_id)
        except Exception:
            log.exception("redelivering request %s failed; will retry", row_id)
            self._put_off(self.log_db.get(row_id) or {"id": row_id})

    # -- the one way a result reaches Slack ------------------------------------------------------------------

    async def _hand_over(self, row: RequestRow, send: Send, *, parent: str = Status.FAILED) -> None:
        """Post with `send`, show `parent`, then record the row delivered, unless a passing failure put it off."""
        if await self._post(row, send):
            # The parent shows the end before the row is marked delivered (and its lease let go): a crash or a stop
            # between the two delivers again at the next start, where the other order would leave it "working".
            await self.parent.show(row, parent)
            following.mark_delivered(self.log_db, int(row["id"]), at=utc_now())

    async def _post(self, row: RequestRow, send: Send) -> bool:
        """Post with `send`; False when a passing failure put it off, True once posted or refused for good."""
        try:
            if (conversation := self._conversation(row)) is not None:
                await send(conversation)
        except SlackUnavailable as refused:
            if not refused.lasting:
                self._put_off(row, refused)
                return False
            _log_refusal(row, refused)
        return True

    def _put_off(self, row: RequestRow, refused: SlackUnavailable | None = None) -> None:
        """Try again later, backing off like a failed check; the row is free for any worker by then."""
        attempts = int(row.get("follow_attempts") or 0)
        delay = self.policy.delay(attempts)
        if refused is not None:
            log.warning(
                "request %s: Slack did not take the result (%s); trying again in %.0fs", row["id"], refused, delay
            )
        at = utc_now() + timedelta(seconds=delay)
        following.schedule_follow(self.log_db, int(row["id"]), at=at, attempts=attempts + 1)
        self.worker.wake()  # the follower plans its next pass by this time too

    def _conversation(self, row: RequestRow) -> Conversation | None:
        """Where the result goes; None for a request from the command line: its result stays in the log."""
        channel_id = row.get("channel_id")
        if not channel_id:
            return None
        # No response_url: it lasts half an hour and five answers, and the pipeline already used it to say
        # where the bot could not post.
        return Conversation(self.slack, channel_id, thread_ts=row.get("thread_ts"))

    async def _post_images(self, conversation: Conversation, *, row: RequestRow, detail: TaskDetail) -> None:
        summary = result_summary(spec_from_row(row), row.get("task_id"))
        files: list[Path] = []
        try:
            uploads = []
            # A delivery tried again after its note failed must not post the images a second time.
            already_posted = bool(row.get("images_posted_at"))
            for index, output in enumerate(detail.outputs, 1):
                if not output.url or already_posted:
                    continue
                path = await download_to_temp_file(
                    self.http, output.url, max_bytes=MAX_OUTPUT_BYTES, prefix="aigc-result-"
                )
                files.append(path)
                extension = (output.file_type or "png").lower().lstrip(".")
                name = f"{row['scene']}-{detail.task_id}-{index}.{extension}"
                uploads.append({"file": str(path), "filename": name, "title": name})
            if uploads:
                plural = len(uploads) != 1
                await conversation.upload(
                    uploads, f"Here {'are' if plural else 'is'} your result{'s' if plural else ''}: {summary}"
                )
                following.mark_images_posted(self.log_db, int(row["id"]), at=utc_now())
                result_in_thread(detail.finish_time)
            links = [o.file_id or "" for o in detail.outputs if not o.url]
            note = "Done. " + summary
            if links:
                note += "\nStored in VOD as FileId " + ", ".join(f"`{x}`" for x in links if x)
            if any(o.storage_mode == "Temporary" for o in detail.outputs):
                note += wording.slack.TEMPORARY_RESULTS_NOTE
            await _post_note(conversation, row=row, text=note, with_buttons=True, image_count=len(detail.outputs))
        finally:
            for path in files:
                with contextlib.suppress(OSError):
                    path.unlink()


async def _post_note(
    conversation: Conversation, *, row: RequestRow, text: str, with_buttons: bool = False, image_count: int = 0
) -> None:
    blocks = [text_block(text)]
    if with_buttons:
        blocks.append(result_buttons(int(row["id"]), image_count))
    await conversation.reply(text, blocks)


async def _post_failure(
    conversation: Conversation, *, row: RequestRow, code: str, message: str, request_id: str | None
) -> None:
    explanation = format_refusal(advise(code), request_id or row.get("request_id"), message)
    await _post_note(
        conversation, row=row, text=wording.slack.TASK_FAILED.format(explanation=escape(explanation)), with_buttons=True
    )


def _log_refusal(row: RequestRow, refused: SlackUnavailable) -> None:
    log.warning(
        "request %s: Slack will not take its result in %s (%s); it stays in the log for /aigc status",
        row["id"],
        row.get("channel_id"),
        refused.code,
    )
