"""Following a billed task whose TaskId never reached the log: find it by SessionId, or tell the thread in time.

A `submitted` row without a TaskId is looked up on the follow schedule (DescribeTasks when polling, completion
events in event mode) until the follow timeout, and then followed like any other.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.follow.checking import Checker
from bot.follow.delivery import Delivery
from bot.follow.progress import ParentStatus
from bot.follow.recovery import belongs_to, find_task
from bot.follow.schedule import PollPolicy, seconds_waited
from bot.follow.worker import Part
from bot.store import following
from bot.store.db import RequestRow, Status, iso, parse_iso, utc_now
from bot.tencent.vod import TaskDetail, VodClient, VodError

log = logging.getLogger(__name__)


@dataclass(kw_only=True, eq=False)
class LookUps(Part):
    vod: VodClient
    policy: PollPolicy
    checker: Checker
    delivery: Delivery
    parent: ParentStatus

    async def look_up(self, row_id: int) -> None:
        """Find the task of a row Tencent holds without its TaskId in the log, then follow it as usual."""
        row = self.log_db.get(row_id)
        if not row or row["status"] != Status.SUBMITTED or row["task_id"] or not row.get("session_id"):
            return
        try:
            found = await find_task(self.vod, row)
        except VodError as error:
            # Tencent does not promise to list scene tasks, so every refusal is treated as "not found yet".
            log.warning("DescribeTasks for request %s failed: %s (request %s)", row_id, error.code, error.request_id)
            found = None
        if found is None:
            if seconds_waited(row) > self.policy.timeout:
                await self.delivery.task_not_found(row)
            else:
                self.checker.retry_later(row_id)
            return
        self.record_task_id(row, found.task_id, found.create_time)
        await self.checker.check(row_id)
        current = self.log_db.get(row_id) or {}
        if current.get("status") == Status.SUBMITTED:
            await self.parent.show(current, "working")

    async def look_up_guarded(self, row_id: int) -> None:
        try:
            await self.look_up(row_id)
        except Exception:
            log.exception("looking up the task of request %s failed; will retry", row_id)
            row = self.log_db.get(row_id)
            if (
                row
                and row["status"] == Status.SUBMITTED
                and not row["task_id"]
                and seconds_waited(row) > self.policy.timeout
            ):
                # However the look-up fails, the person hears by the follow timeout where their billed task is.
                await self.give_up_guarded(row)
            else:
                self.checker.retry_later(row_id)

    async def give_up_guarded(self, row: RequestRow) -> None:
        try:
            await self.delivery.task_not_found(row)
        except Exception:
            log.exception("reporting the lost task of request %s failed; will retry", row["id"])
            following.release_lease(self.log_db, int(row["id"]))

    def start_expired_give_ups(self) -> None:
        """In the background, tell the thread of every look-up past the follow timeout that its task was not found."""
        now = utc_now()
        expired = following.expired_lookups(self.log_db, now=now, timeout=timedelta(seconds=self.policy.timeout))
        for row in expired:
            if self.worker.take(int(row["id"]), (Status.SUBMITTED,)):
                self.worker.spawn(self.give_up_guarded(row))

    def row_for(self, detail: TaskDetail) -> RequestRow | None:
        """The row, Tencent holding it without its TaskId in the log, that this task belongs to."""
        rows = following.awaiting_task_id(
            self.log_db, session_id=detail.session_id, session_context=detail.session_context
        )
        return next((r for r in rows if belongs_to(r, detail.session_id, detail.session_context)), None)

    def record_task_id(self, row: RequestRow, task_id: str, create_time: str | None) -> RequestRow:
        """Log the TaskId found again; the duplicate-SessionId code goes, as the row now reads normally."""
        fields: RequestRow = {"task_id": task_id, "error_code": None, "error_message": None, "follow_attempts": 0}
        if create_time:
            with contextlib.suppress(ValueError):
                fields["submitted_at"] = iso(parse_iso(create_time))
        self.log_db.update(int(row["id"]), **fields)
        log.info("request %s: task %s found again by its SessionId", row["id"], task_id)
        return self.log_db.get(int(row["id"])) or {**row, **fields}
