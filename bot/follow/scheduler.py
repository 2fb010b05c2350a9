"""Poll mode: claim the checks that are due, no faster than the DescribeTaskDetail budget serves them.

When to check each task is bot/follow/schedule.py's choice; every DescribeTaskDetail passes the client's one
process-wide limiter, and rows are claimed no faster than that budget serves them, so with more tasks than
budget the most overdue checks go first.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.follow.checking import Checker
from bot.follow.delivery import Delivery
from bot.follow.lookups import LookUps
from bot.follow.progress import ParentStatus
from bot.follow.schedule import PollPolicy, first_delay
from bot.follow.worker import Part
from bot.logsafe import about_request
from bot.store import following
from bot.store.db import Status, iso, utc_now

log = logging.getLogger(__name__)

MIN_TICK = 0.1
MAX_TICK = 5.0


@dataclass(kw_only=True, eq=False)
class Scheduler(Part):
    policy: PollPolicy
    checker: Checker
    lookups: LookUps
    delivery: Delivery
    parent: ParentStatus
    _checks_in_flight: int = field(default=0, init=False)

    def track(self, row_id: int) -> None:
        """Start following a freshly submitted request, or looking up the task of one whose TaskId was lost."""
        now = utc_now()
        row = self.log_db.get(row_id) or {}
        fields: dict[str, Any] = {}
        self.parent.working(row_id)
        if not row.get("task_id") and not row.get("submitted_at"):
            # The follow timeout of the look-up counts from the moment Tencent said it holds the task.
            fields["submitted_at"] = iso(now)
        at = now + timedelta(seconds=first_delay(self.policy, self.checker.history_for(row)))
        following.schedule_follow(self.log_db, row_id, at=at, attempts=0, **fields)
        self.worker.wake()

    def claim_due(self) -> list[int]:
        """Take due rows, most overdue first, no more than the DescribeTaskDetail budget serves in about a second.

        The rest stay unclaimed in the log, so each pass picks the most overdue again instead of queueing
        every due check behind the limiter in the order it happened to be claimed.
        """
        room = math.ceil(self.policy.describe_rate) - self._checks_in_flight
        if room <= 0:
            return []
        due = following.due_for_follow(self.log_db, now=utc_now(), limit=room)
        return [row_id for row_id in due if self.worker.take(row_id, (Status.SUBMITTED,))]

    def claim_lookups_due(self) -> list[int]:
        """Take the rows Tencent holds whose TaskId is unknown and whose next look-up is due."""
        due = following.lookups_due(self.log_db, now=utc_now())
        return [row_id for row_id in due if self.worker.take(row_id, (Status.SUBMITTED,))]

    def seconds_to_next_check(self) -> float:
        """How long the loop may sleep: until the earliest planned check, within [MIN_TICK, MAX_TICK]."""
        at = following.next_check_at(self.log_db)
        if at is None:
            return MAX_TICK
        return max(MIN_TICK, min(MAX_TICK, (at - utc_now()).total_seconds()))

    async def run(self) -> None:
        """Poll due tasks until stopped; each due task is checked concurrently."""
        self.worker.reclaim_abandoned()
        while not self.worker.stopping:
            self.delivery.start_redeliveries()
            for row_id in self.claim_due():
                self.worker.spawn(self._check_guarded(row_id))
            for row_id in self.claim_lookups_due():
                self.worker.spawn(self.lookups.look_up_guarded(row_id))
            self.worker.clear_wake()
            await self.worker.sleep(self.seconds_to_next_check())

    async def _check_guarded(self, row_id: int) -> None:
        about_request(row_id)
        self._checks_in_flight += 1
        try:
            await self.checker.check(row_id)
        except Exception:
            log.exception("following request %s failed; will retry", row_id)
            self.checker.retry_later(row_id)
        finally:
            self._checks_in_flight -= 1
            self.worker.wake()  # room for the next due check
