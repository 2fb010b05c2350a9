"""Follow submitted tasks to the end and deliver the result into the request's thread.

The tasks being followed are the `requests` rows with status `submitted` and a `follow_next_at`. A worker
takes a row by writing its name and a lease into it in one UPDATE, so two workers (or two processes) never
follow the same task, and a restarted bot picks up every row whose lease has run out.

A `submitted` row without a TaskId is one Tencent holds whose answer was lost: its task is looked up by
SessionId (DescribeTasks when polling, completion events otherwise) on the same schedule, until the follow
timeout, and then followed like any other.

When to check each task is bot/schedule.py's choice; every DescribeTaskDetail passes the client's one
process-wide limiter, and rows are claimed no faster than that budget serves them, so with more tasks than
budget the most overdue checks go first. While a task runs, the parent message shows its progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import tempfile
import time
from collections.abc import Coroutine
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.errors import advise, format_refusal
from bot.follow.polling import PollPolicy
from bot.follow.recovery import belongs_to, find_task
from bot.follow.schedule import DurationHistory, Observation, estimate_window, first_delay, next_delay
from bot.logsafe import about_request
from bot.metrics import result_in_thread
from bot.slack.conversation import slack_error_code
from bot.slack.messages import STATUS_BADGES, describe_spec, escape, progress_text, task_id_unknown_text
from bot.store import leases
from bot.store.db import DONE, FAILED, SUBMITTED, TASK_ID_UNKNOWN, RequestLog, dumps, iso, parse_iso, utc_now
from bot.tencent.scenes import SCENE_LABELS, TaskOptions, TaskSpec
from bot.tencent.vod import TaskDetail, VodClient, VodError, parse_scene_task

log = logging.getLogger(__name__)

REFRESH_ACTION = "aigc_refresh"
RUN_AGAIN_ACTION = "aigc_run_again"
LEASE = timedelta(seconds=120)
MIN_TICK = 0.1
MAX_OUTPUT_BYTES = 50 * 1_048_576
# Slack allows about one chat.update per message every few seconds; progress never asks for more.
PROGRESS_UPDATE_SECONDS = 5.0
# A progress update still on its way when the result is ready gets this long before the final state replaces it.
PROGRESS_SETTLE_SECONDS = 5.0


def result_buttons(row_id: int) -> dict[str, Any]:
    return {
        "type": "actions",
        "block_id": f"result-{row_id}",
        "elements": [
            {
                "type": "button",
                "action_id": REFRESH_ACTION,
                "text": {"type": "plain_text", "text": "Refresh status"},
                "value": str(row_id),
            },
            {
                "type": "button",
                "action_id": RUN_AGAIN_ACTION,
                "text": {"type": "plain_text", "text": "Run again"},
                "value": str(row_id),
                "confirm": {
                    "title": {"type": "plain_text", "text": "Run it again?"},
                    "text": {
                        "type": "mrkdwn",
                        "text": "This submits the same request once more, and Tencent Cloud bills it again.",
                    },
                    "confirm": {"type": "plain_text", "text": "Run again"},
                    "deny": {"type": "plain_text", "text": "Cancel"},
                },
            },
        ],
    }


def describe_row(row: dict[str, Any]) -> str:
    label = SCENE_LABELS.get(row.get("scene") or "", row.get("scene") or "")
    options = ", ".join(f"{k}={v}" for k, v in (_json(row.get("options_json")) or {}).items())
    text = f"*{label}* · TaskId `{row.get('task_id')}`"
    if options:
        text += f" · {escape(options)}"
    if row.get("prompt"):
        text += f"\n> {escape(str(row['prompt']))}"
    return text


def _json(text: str | None) -> Any:
    return json.loads(text) if text else None


class Follower:
    def __init__(
        self,
        *,
        vod: VodClient,
        log_db: RequestLog,
        slack: AsyncWebClient,
        http: httpx.AsyncClient,
        policy: PollPolicy,
        worker_name: str | None = None,
    ) -> None:
        self.vod = vod
        self.log_db = log_db
        self.slack = slack
        self.http = http
        self.policy = policy
        self.worker = worker_name or leases.worker_name()
        self._wake = asyncio.Event()
        self._stopping = False
        self._running: set[asyncio.Task[None]] = set()
        self.history = DurationHistory(log_db.query)
        self._checks_in_flight = 0
        # Per row: when its parent last changed (monotonic) and the (waiting, progress) it showed then.
        self._shown: dict[int, tuple[float, tuple[bool, int | None] | None]] = {}
        self._progress_posts: dict[int, asyncio.Task[None]] = {}

    # -- scheduling -------------------------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    async def track(self, row_id: int) -> None:
        """Start following a freshly submitted request, or looking up the task of one whose TaskId was lost."""
        now = utc_now()
        row = self.log_db.get(row_id) or {}
        history = self.history.window(row.get("scene"), _json(row.get("options_json")) or {})
        fields: dict[str, Any] = {
            "follow_next_at": iso(now + timedelta(seconds=first_delay(self.policy, history))),
            "follow_attempts": 0,
        }
        # The parent reads "working" from about now on; the first progress line waits its turn after that.
        self._shown[row_id] = (time.monotonic(), None)
        if not row.get("task_id") and not row.get("submitted_at"):
            # The follow timeout of the look-up counts from the moment Tencent said it holds the task.
            fields["submitted_at"] = iso(now)
        self.log_db.update(row_id, **fields)
        self._wake.set()

    def _claim_due(self) -> list[int]:
        """Due rows, most overdue first, no more than the DescribeTaskDetail budget serves in about a second.

        The rest stay unclaimed in the log, so each pass picks the most overdue again instead of queueing
        every due check behind the limiter in the order it happened to be claimed.
        """
        room = math.ceil(self.policy.describe_rate) - self._checks_in_flight
        if room <= 0:
            return []
        now = utc_now()
        due = self.log_db.query(
            "SELECT id FROM requests WHERE status = ? AND task_id IS NOT NULL AND follow_next_at IS NOT NULL"
            " AND follow_next_at <= ? AND (follow_lease_until IS NULL OR follow_lease_until < ?)"
            " ORDER BY follow_next_at LIMIT ?",
            [SUBMITTED, iso(now), iso(now), room],
        )
        return [int(row["id"]) for row in due if self._take(int(row["id"]), (SUBMITTED,))]

    def _claim_lookups_due(self) -> list[int]:
        """Rows Tencent holds whose TaskId is unknown and whose next look-up is due."""
        now = iso(utc_now())
        due = self.log_db.query(
            "SELECT id FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
            " AND follow_next_at IS NOT NULL AND follow_next_at <= ?"
            " AND (follow_lease_until IS NULL OR follow_lease_until < ?) ORDER BY follow_next_at",
            [SUBMITTED, now, now],
        )
        return [int(row["id"]) for row in due if self._take(int(row["id"]), (SUBMITTED,))]

    def _next_wake(self) -> float:
        rows = self.log_db.query(
            "SELECT min(follow_next_at) AS next FROM requests WHERE status = ? AND follow_next_at IS NOT NULL",
            [SUBMITTED],
        )
        if not rows or not rows[0]["next"]:
            return 5.0
        seconds = (parse_iso(rows[0]["next"]) - utc_now()).total_seconds()
        return max(MIN_TICK, min(5.0, seconds))

    async def run(self) -> None:
        """Poll due tasks until stopped; each due task is checked concurrently."""
        leases.release_abandoned(self.log_db, self.worker)
        while not self._stopping:
            self._start_redeliveries()
            for row_id in self._claim_due():
                self._spawn(self._check_guarded(row_id))
            for row_id in self._claim_lookups_due():
                self._spawn(self._look_up_guarded(row_id))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self._next_wake())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    def _start_redeliveries(self) -> None:
        for row_id in self._claim_undelivered():
            self._spawn(self._redeliver_guarded(row_id))

    async def _redeliver_guarded(self, row_id: int) -> None:
        try:
            await self.redeliver(row_id)
        except Exception:
            log.exception("redelivering request %s failed; will retry", row_id)
            self.log_db.update(row_id, follow_owner=None, follow_lease_until=None)

    async def stop(self, timeout: float = 10.0) -> None:
        """Let checks in flight finish; leases of unfinished rows are released so a restart resumes them."""
        self._stopping = True
        self._wake.set()
        if self._running:
            await asyncio.wait(self._running, timeout=timeout)
        self.log_db.execute(
            "UPDATE requests SET follow_owner = NULL, follow_lease_until = NULL WHERE follow_owner = ?", [self.worker]
        )

    async def _check_guarded(self, row_id: int) -> None:
        about_request(row_id)
        self._checks_in_flight += 1
        try:
            await self.check(row_id)
        except Exception:
            log.exception("following request %s failed; will retry", row_id)
            self._reschedule(row_id)
        finally:
            self._checks_in_flight -= 1
            self._wake.set()  # room for the next due check

    def _reschedule(self, row_id: int) -> None:
        row = self.log_db.get(row_id) or {}
        attempts = int(row.get("follow_attempts") or 0) + 1
        next_at = utc_now() + timedelta(seconds=self.policy.delay(attempts))
        self.log_db.update(
            row_id, follow_attempts=attempts, follow_next_at=iso(next_at), follow_owner=None, follow_lease_until=None
        )

    # -- one check --------------------------------------------------------------------------------

    async def check(self, row_id: int) -> None:
        row = self.log_db.get(row_id)
        if not row or row["status"] != SUBMITTED or not row["task_id"]:
            return
        try:
            detail = await self.vod.describe_task_detail(row["task_id"])
        except VodError as error:
            if error.advice.retryable or error.code.startswith("ClientError."):
                self._reschedule(row_id)
                return
            await self.finish_failed(row, error.code, error.message, error.request_id)
            return
        if detail.finished:
            await self.deliver(row, detail)
            return
        if detail.progress is not None:
            self.log_db.update(row_id, progress=detail.progress)
        if self._waited(row) > self.policy.timeout:
            await self._give_up(row)
            return
        self._plan_next_check(row, detail)
        self._show_progress(row, detail)

    def _plan_next_check(self, row: dict[str, Any], detail: TaskDetail) -> None:
        """Write when to look next, from where this answer puts the task's finish."""
        now = utc_now()
        submitted = self._submitted_at(row)
        started = self._processing_started(row, detail, now)
        seen = Observation(
            elapsed=(now - submitted).total_seconds(),
            waiting=detail.waiting,
            progress=detail.progress,
            started=(started - submitted).total_seconds() if started else None,
        )
        history = self.history.window(row.get("scene"), _json(row.get("options_json")) or {})
        delay = next_delay(seen.elapsed, estimate_window(seen, self.policy, history), self.policy)
        self.log_db.update(
            int(row["id"]),
            follow_attempts=int(row.get("follow_attempts") or 0) + 1,
            follow_next_at=iso(now + timedelta(seconds=delay)),
            follow_owner=None,
            follow_lease_until=None,
            processing_started_at=iso(started) if started else None,
        )

    def _submitted_at(self, row: dict[str, Any]) -> datetime:
        return parse_iso(row.get("submitted_at") or row["created_at"])

    def _processing_started(self, row: dict[str, Any], detail: TaskDetail, now: datetime) -> datetime | None:
        """When Tencent began processing, on our clock; kept in the row so a restart estimates from it too."""
        if row.get("processing_started_at"):
            return parse_iso(row["processing_started_at"])
        if detail.waiting:
            return None
        submitted = self._submitted_at(row)
        if detail.begin_process_time and detail.create_time:
            # Both times are Tencent's, so their difference holds whatever our clocks disagree by.
            with contextlib.suppress(ValueError):
                queued = parse_iso(detail.begin_process_time) - parse_iso(detail.create_time)
                return min(now, max(submitted, submitted + queued))
        # It began at some point before this answer; taking now errs towards checking early, never late.
        return now

    # -- progress in the parent message ------------------------------------------------------------

    def _show_progress(self, row: dict[str, Any], detail: TaskDetail) -> None:
        """Show a new status or Progress in the parent, at most once per PROGRESS_UPDATE_SECONDS per message."""
        row_id = int(row["id"])
        if not row.get("parent_ts"):
            return
        shown = (detail.waiting, None if detail.waiting else detail.progress)
        changed_at, last = self._shown.get(row_id, (-math.inf, None))
        now = time.monotonic()
        if shown == last or now - changed_at < PROGRESS_UPDATE_SECONDS or row_id in self._progress_posts:
            return
        self._shown[row_id] = (now, shown)
        line = progress_text(shown[1], self._waited(row), waiting=detail.waiting)
        post = asyncio.create_task(self._update_parent(row, line, progress=True))
        self._progress_posts[row_id] = post
        self._running.add(post)
        post.add_done_callback(self._running.discard)
        post.add_done_callback(lambda _: self._progress_posts.pop(row_id, None))

    async def _settle_progress(self, row_id: int) -> None:
        """Let a progress update on its way land first, so it can never overwrite the final state."""
        self._shown.pop(row_id, None)
        post = self._progress_posts.get(row_id)
        if post is not None and not post.done():
            await asyncio.wait({post}, timeout=PROGRESS_SETTLE_SECONDS)

    def _waited(self, row: dict[str, Any]) -> float:
        since = row.get("submitted_at") or row["created_at"]
        return (utc_now() - parse_iso(since)).total_seconds()

    async def _give_up(self, row: dict[str, Any]) -> None:
        self.log_db.update(
            row["id"],
            follow_next_at=None,
            follow_owner=None,
            follow_lease_until=None,
            error_message=f"still running after {self.policy.timeout:.0f}s; no longer followed",
        )
        await self._post(
            row,
            f"The task is still running after {self.policy.timeout / 60:.0f} minutes, so I stopped checking. "
            f"Use `/aigc status {row['task_id']}` to see it later.",
        )

    # -- a task whose TaskId was lost -------------------------------------------------------------

    async def _look_up_guarded(self, row_id: int) -> None:
        try:
            await self.look_up(row_id)
        except Exception:
            log.exception("looking up the task of request %s failed; will retry", row_id)
            row = self.log_db.get(row_id)
            if row and row["status"] == SUBMITTED and not row["task_id"] and self._waited(row) > self.policy.timeout:
                # However the look-up fails, the person hears by the follow timeout where their billed task is.
                await self._give_up_look_up_guarded(row)
            else:
                self._reschedule(row_id)

    async def look_up(self, row_id: int) -> None:
        """Find the task of a row Tencent holds without its TaskId in the log, then follow it as usual."""
        row = self.log_db.get(row_id)
        if not row or row["status"] != SUBMITTED or row["task_id"] or not row.get("session_id"):
            return
        try:
            found = await find_task(self.vod, row)
        except VodError as error:
            # Tencent does not promise to list scene tasks, so every refusal is treated as "not found yet".
            log.warning("DescribeTasks for request %s failed: %s (request %s)", row_id, error.code, error.request_id)
            found = None
        if found is None:
            if self._waited(row) > self.policy.timeout:
                await self.give_up_look_up(row)
            else:
                self._reschedule(row_id)
            return
        self._record_task_id(row, found.task_id, found.create_time)
        await self.check(row_id)
        current = self.log_db.get(row_id) or {}
        if current.get("status") == SUBMITTED:
            await self._update_parent(current, "working")

    def _record_task_id(self, row: dict[str, Any], task_id: str, create_time: str | None) -> dict[str, Any]:
        """Log the TaskId found again; the duplicate-SessionId code goes, as the row now reads normally."""
        fields: dict[str, Any] = {"task_id": task_id, "error_code": None, "error_message": None, "follow_attempts": 0}
        if create_time:
            with contextlib.suppress(ValueError):
                fields["submitted_at"] = iso(parse_iso(create_time))
        self.log_db.update(int(row["id"]), **fields)
        log.info("request %s: task %s found again by its SessionId", row["id"], task_id)
        return self.log_db.get(int(row["id"])) or {**row, **fields}

    async def give_up_look_up(self, row: dict[str, Any]) -> None:
        """The task was billed but never found: fail the row and tell the thread where to look."""
        finished = utc_now()
        waited = self._waited(row)
        self.log_db.update(
            row["id"],
            status=FAILED,
            error_code=TASK_ID_UNKNOWN,
            error_message=f"Tencent holds a task for SessionId {row['session_id']} (billed once); "
            f"its TaskId was not found within {waited:.0f}s",
            finished_at=iso(finished),
            follow_next_at=None,
        )
        await self._post(row, task_id_unknown_text(str(row["session_id"]), waited))
        self._delivered(row)
        await self._update_parent(row, "failed")

    async def _give_up_look_up_guarded(self, row: dict[str, Any]) -> None:
        try:
            await self.give_up_look_up(row)
        except Exception:
            log.exception("reporting the lost task of request %s failed; will retry", row["id"])
            self.log_db.update(row["id"], follow_owner=None, follow_lease_until=None)

    def _expired_look_ups(self) -> list[dict[str, Any]]:
        """Rows whose task was looked up for longer than the follow timeout, taken by this worker."""
        now = iso(utc_now())
        rows = self.log_db.query(
            "SELECT * FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
            " AND follow_next_at IS NOT NULL AND (follow_lease_until IS NULL OR follow_lease_until < ?)",
            [SUBMITTED, now],
        )
        expired = [r for r in rows if self._waited(r) > self.policy.timeout]
        return [r for r in expired if self._take(int(r["id"]), (SUBMITTED,))]

    def _awaiting_task_id(self, detail: TaskDetail) -> dict[str, Any] | None:
        """The row, Tencent holding it without its TaskId in the log, that this event's task belongs to."""
        rows = self.log_db.query(
            "SELECT * FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
            " AND (session_id = ? OR 'aigc-bot request ' || id = ?) ORDER BY id DESC",
            [SUBMITTED, detail.session_id or "", detail.session_context or ""],
        )
        return next((r for r in rows if belongs_to(r, detail.session_id, detail.session_context)), None)

    # -- delivery ---------------------------------------------------------------------------------

    async def deliver(self, row: dict[str, Any], detail: TaskDetail) -> None:
        """Record the result, post it in the thread once, and mark the parent message done or failed."""
        if not detail.succeeded:
            code = f"TaskFailed.{detail.err_code}" if detail.err_code else "TaskAborted"
            await self.finish_failed(row, code, detail.message or detail.status, detail.request_id)
            return
        finished = utc_now()
        outputs = [o.to_dict() for o in detail.outputs]
        self.log_db.update(
            row["id"],
            status=DONE,
            output_json=dumps(outputs),
            finished_at=iso(finished),
            progress=100,
            duration_seconds=(finished - parse_iso(row.get("submitted_at") or row["created_at"])).total_seconds(),
            follow_next_at=None,
        )
        await self._post_images(row, detail)
        self._delivered(row)
        await self._update_parent(row, "done")

    def _delivered(self, row: dict[str, Any]) -> None:
        # The lease is held until here, so a crash before this line leaves the row for redelivery.
        self.log_db.update(row["id"], delivered_at=iso(utc_now()), follow_owner=None, follow_lease_until=None)

    async def finish_failed(self, row: dict[str, Any], code: str, message: str, request_id: str | None) -> None:
        finished = utc_now()
        self.log_db.update(
            row["id"],
            status=FAILED,
            error_code=code,
            error_message=message,
            finished_at=iso(finished),
            duration_seconds=(finished - parse_iso(row.get("submitted_at") or row["created_at"])).total_seconds(),
            follow_next_at=None,
        )
        await self._post_failure(row, code, message, request_id)
        self._delivered(row)
        await self._update_parent(row, "failed")

    async def _post_failure(self, row: dict[str, Any], code: str, message: str, request_id: str | None) -> None:
        advice = advise(code, message)
        explanation = format_refusal(advice, request_id or row.get("request_id"), message)
        await self._post(row, f":warning: The task failed.\n{escape(explanation)}", with_buttons=True)

    def _claim_undelivered(self) -> list[int]:
        """Finished rows whose result never reached Slack (the bot stopped mid-delivery) and nobody holds."""
        now = iso(utc_now())
        rows = self.log_db.query(
            "SELECT id FROM requests WHERE status IN (?, ?) AND (task_id IS NOT NULL OR error_code = ?)"
            " AND delivered_at IS NULL AND finished_at IS NOT NULL"
            " AND (follow_lease_until IS NULL OR follow_lease_until < ?)",
            [DONE, FAILED, TASK_ID_UNKNOWN, now],
        )
        return [int(r["id"]) for r in rows if self._take(int(r["id"]), (DONE, FAILED))]

    def _take(self, row_id: int, statuses: tuple[str, ...], *, allow_own: bool = False) -> bool:
        """Lease one row in a single UPDATE, so that of two workers racing for it exactly one wins."""
        now = utc_now()
        marks = ", ".join("?" for _ in statuses)
        return (
            self.log_db.execute(
                f"UPDATE requests SET follow_owner = ?, follow_lease_until = ? WHERE id = ? AND status IN ({marks})"
                " AND (follow_lease_until IS NULL OR follow_lease_until < ? OR (? AND follow_owner = ?))",
                [self.worker, iso(now + LEASE), row_id, *statuses, iso(now), allow_own, self.worker],
            )
            == 1
        )

    async def redeliver(self, row_id: int) -> None:
        row = self.log_db.get(row_id)
        if not row or row.get("delivered_at"):
            return
        if row["status"] == DONE:
            await self._post_images(row, await self.vod.describe_task_detail(row["task_id"]))
        elif row["error_code"] == TASK_ID_UNKNOWN:
            await self._post(row, task_id_unknown_text(str(row["session_id"]), self.policy.timeout))
        else:
            await self._post_failure(row, row["error_code"] or "", row["error_message"] or "", row.get("request_id"))
        self._delivered(row)
        await self._update_parent(row, row["status"])

    async def _post(self, row: dict[str, Any], text: str, *, with_buttons: bool = False) -> None:
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]
        if with_buttons:
            blocks.append(result_buttons(int(row["id"])))
        try:
            await self.slack.chat_postMessage(
                channel=row["channel_id"], thread_ts=row.get("thread_ts"), text=text, blocks=blocks
            )
        except SlackApiError as error:
            log.warning("could not post result of request %s: %s", row["id"], slack_error_code(error))

    async def _update_parent(self, row: dict[str, Any], status: str, *, progress: bool = False) -> None:
        parent = row.get("parent_ts")
        if not parent:
            return
        if not progress:
            await self._settle_progress(int(row["id"]))
        current = self.log_db.get(int(row["id"])) or row
        spec = TaskSpec(
            scene=current["scene"],
            prompt=current.get("prompt"),
            options=TaskOptions(**(_json(current.get("options_json")) or {})),
        )
        text = (
            f"<@{current['user_id']}> asked for {describe_spec(spec, int(current.get('image_count') or 0))}\n"
            f"{STATUS_BADGES.get(status, status)}"
        )
        try:
            await self.slack.chat_update(channel=row["channel_id"], ts=parent, text=text)
        except SlackApiError as error:
            log.warning("could not update parent of request %s: %s", row["id"], slack_error_code(error))

    async def _post_images(self, row: dict[str, Any], detail: TaskDetail) -> None:
        files: list[Path] = []
        try:
            uploads = []
            for index, output in enumerate(detail.outputs, 1):
                if not output.url:
                    continue
                path = await self._download(output.url)
                files.append(path)
                extension = (output.file_type or "png").lower().lstrip(".")
                name = f"{row['scene']}-{detail.task_id}-{index}.{extension}"
                uploads.append({"file": str(path), "filename": name, "title": name})
            plural = len(uploads) != 1
            comment = f"Here {'are' if plural else 'is'} your result{'s' if plural else ''}: " + describe_row(row)
            if uploads:
                try:
                    await self.slack.files_upload_v2(
                        channel=row["channel_id"],
                        thread_ts=row.get("thread_ts"),
                        file_uploads=uploads,
                        initial_comment=comment,
                    )
                    result_in_thread(detail.finish_time)
                except SlackApiError as error:
                    # Slack's own retries (429, 5xx) are spent; a refusal such as not_in_channel will not change
                    # by trying again, and the result stays in the log for `/aigc status`.
                    log.warning("could not post the images of request %s: %s", row["id"], slack_error_code(error))
            links = [o.file_id or "" for o in detail.outputs if not o.url]
            note = "Done. " + describe_row(row)
            if links:
                note += "\nStored in VOD as FileId " + ", ".join(f"`{x}`" for x in links if x)
            if any(o.storage_mode == "Temporary" for o in detail.outputs):
                note += "\nTencent keeps temporary results for 7 days; the copies above stay in Slack."
            await self._post(row, note, with_buttons=True)
        finally:
            for path in files:
                with contextlib.suppress(OSError):
                    path.unlink()

    async def _download(self, url: str) -> Path:
        handle, raw = tempfile.mkstemp(prefix="aigc-result-", suffix=".img")
        path = Path(raw)
        size = 0
        with os.fdopen(handle, "wb") as sink:
            async with self.http.stream("GET", url) as response:
                response.raise_for_status()
                async for chunk in response.aiter_bytes(256 * 1024):
                    size += len(chunk)
                    if size > MAX_OUTPUT_BYTES:
                        raise ValueError("generated image is larger than expected")
                    await asyncio.to_thread(sink.write, chunk)
        return path

    # -- event notifications (reliable mode) --------------------------------------------------------

    async def pull_events_once(self) -> int:
        """Take SceneAigcImageCompleteEvents for our tasks; returns how many results were delivered."""
        events = await self.vod.pull_events()
        handled: list[str] = []
        delivered = 0
        for event in events:
            if event.get("EventType") != "SceneAigcImageCompleteEvent":
                continue
            detail = parse_scene_task(event.get("SceneAigcImageCompleteEvent") or {}, outer={"Status": "FINISH"})
            row = self.log_db.by_task_id(detail.task_id)
            if row is None:
                waiting = self._awaiting_task_id(detail)
                if waiting is None:
                    continue  # another consumer's task: leave the event for it
                row = self._record_task_id(waiting, detail.task_id, None)
            handled.append(str(event.get("EventHandle")))
            if row["status"] == SUBMITTED and self._claim_for_event(int(row["id"])):
                await self.deliver(row, detail)
                delivered += 1
        await self.vod.confirm_events(handled)
        return delivered

    def _claim_for_event(self, row_id: int) -> bool:
        return self._take(row_id, (SUBMITTED,), allow_own=True)

    async def run_events(self, idle: float = 2.0) -> None:
        """Event mode: results arrive through PullEvents instead of polling each task."""
        leases.release_abandoned(self.log_db, self.worker)
        while not self._stopping:
            self._start_redeliveries()
            for row in self._expired_look_ups():
                self._spawn(self._give_up_look_up_guarded(row))
            try:
                await self.pull_events_once()
            except VodError as error:
                log.warning("PullEvents failed: %s", error.code)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            self._wake.clear()
