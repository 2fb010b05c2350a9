"""Follow submitted tasks to the end and deliver the result into the request's thread.

The parts: `Worker` (this worker's leases and background tasks), `Scheduler` (poll mode: which checks are due),
`Checker` (one DescribeTaskDetail and what follows from it), `ParentStatus` (progress in the parent message),
`LookUps` (billed tasks whose TaskId was lost), `Delivery` (results into the thread) and `EventMode`
(PullEvents instead of polling). `Follower` builds them over one log and is what the rest of the bot uses.
"""

from __future__ import annotations

import httpx
from slack_sdk.web.async_client import AsyncWebClient

from bot.follow.checking import Checker
from bot.follow.delivery import Delivery
from bot.follow.events import EventMode
from bot.follow.lookups import LookUps
from bot.follow.progress import ParentStatus
from bot.follow.schedule import DurationHistory, PollPolicy
from bot.follow.scheduler import Scheduler
from bot.follow.worker import Worker
from bot.store import following
from bot.store.db import RequestLog
from bot.tencent.vod import VodClient


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
        self.worker = Worker(log_db, worker_name)
        history = DurationHistory(lambda scene, limit: following.recent_durations(log_db, scene, limit=limit))
        parent = ParentStatus(worker=self.worker, slack=slack)
        self.delivery = Delivery(worker=self.worker, vod=vod, slack=slack, http=http, policy=policy, parent=parent)
        checker = Checker(log_db=log_db, vod=vod, policy=policy, history=history, delivery=self.delivery, parent=parent)
        self._checker = checker
        lookups = LookUps(
            worker=self.worker, vod=vod, policy=policy, checker=checker, delivery=self.delivery, parent=parent
        )
        self.scheduler = Scheduler(
            worker=self.worker, policy=policy, checker=checker, lookups=lookups, delivery=self.delivery, parent=parent
        )
        self.events = EventMode(worker=self.worker, vod=vod, lookups=lookups, delivery=self.delivery)

    def wake(self) -> None:
        """Look for due work now instead of at the next planned check."""
        self.worker.wake()

    async def track(self, row_id: int) -> None:
        """Start following a freshly submitted request, or looking up the task of one whose TaskId was lost."""
        self.scheduler.track(row_id)

    async def check(self, row_id: int) -> None:
        """One check of a followed task now, with whatever follows from it (the next check planned in the log,
        the result delivered); for a caller that waits on one task itself, such as `aigc-bot submit --wait`."""
        await self._checker.check(row_id)

    async def run(self) -> None:
        """Poll mode: check due tasks until stopped."""
        await self.scheduler.run()

    async def run_events(self) -> None:
        """Event mode: results arrive through PullEvents instead of polling each task."""
        await self.events.run()

    async def stop(self, timeout: float = 10.0) -> None:
        """Let checks in flight finish; leases of unfinished rows are released so a restart resumes them."""
        await self.worker.stop(timeout)
