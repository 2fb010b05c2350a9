"""One check of a followed task: ask DescribeTaskDetail, then deliver, or plan the next check and show progress."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.errors import worth_retrying
from bot.follow.delivery import Delivery
from bot.follow.progress import ParentStatus
from bot.follow.schedule import (
    DurationHistory,
    FinishWindow,
    Observation,
    PollPolicy,
    estimate_window,
    next_delay,
    seconds_waited,
    submitted_at,
)
from bot.store import following
from bot.store.db import RequestLog, RequestRow, Status, iso, parse_iso, utc_now
from bot.tencent.vod import TaskDetail, VodClient, VodError


@dataclass(kw_only=True, eq=False)
class Checker:
    log_db: RequestLog
    vod: VodClient
    policy: PollPolicy
    history: DurationHistory
    delivery: Delivery
    parent: ParentStatus

    async def check(self, row_id: int) -> None:
        row = self.log_db.get(row_id)
        if not row or row["status"] != Status.SUBMITTED or not row["task_id"]:
            return
        try:
            detail = await self.vod.describe_task_detail(row["task_id"])
        except VodError as error:
            if worth_retrying(error.code, repeat_safe=True):
                self.retry_later(row_id)
                return
            await self.delivery.finish_failed(row, error.code, error.message, error.request_id)
            return
        if detail.finished:
            await self.delivery.deliver(row, detail)
            return
        if detail.progress is not None:
            self.log_db.update(row_id, progress=detail.progress)
        if seconds_waited(row) > self.policy.timeout:
            await self.delivery.still_running(row)
            return
        self._plan_next_check(row, detail)
        self.parent.show_progress(row, detail)

    def retry_later(self, row_id: int) -> None:
        """Check (or look up) again after a back-off that grows with each failure in a row."""
        row = self.log_db.get(row_id) or {}
        attempts = int(row.get("follow_attempts") or 0) + 1
        at = utc_now() + timedelta(seconds=self.policy.delay(attempts))
        following.schedule_follow(self.log_db, row_id, at=at, attempts=attempts)

    def history_for(self, row: RequestRow) -> FinishWindow | None:
        """How long tasks like this row's took lately, when enough of them did."""
        return self.history.window(row.get("scene"), json.loads(row.get("options_json") or "{}"))

    def _plan_next_check(self, row: RequestRow, detail: TaskDetail) -> None:
        """Write when to look next, from where this answer puts the task's finish."""
        now = utc_now()
        submitted = submitted_at(row)
        started = _processing_started(row, detail, now)
        seen = Observation(
            elapsed=(now - submitted).total_seconds(),
            waiting=detail.waiting,
            progress=detail.progress,
            started=(started - submitted).total_seconds() if started else None,
        )
        delay = next_delay(seen.elapsed, estimate_window(seen, self.policy, self.history_for(row)), self.policy)
        following.schedule_follow(
            self.log_db,
            int(row["id"]),
            at=now + timedelta(seconds=delay),
            attempts=int(row.get("follow_attempts") or 0) + 1,
            processing_started_at=iso(started) if started else None,
        )


def _processing_started(row: RequestRow, detail: TaskDetail, now: datetime) -> datetime | None:
    """When Tencent began processing, on our clock; kept in the row so a restart estimates from it too."""
    if kept := row.get("processing_started_at"):
        return parse_iso(kept)
    if detail.waiting:
        return None
    submitted = submitted_at(row)
    if detail.begin_process_time and detail.create_time:
        # Both times are Tencent's, so their difference holds whatever our clocks disagree by.
        with contextlib.suppress(ValueError):
            queued = parse_iso(detail.begin_process_time) - parse_iso(detail.create_time)
            return min(now, max(submitted, submitted + queued))
    # It began at some point before this answer; taking now errs towards checking early, never late.
    return now
