"""What every part of following shares: this worker's name and leases, its background tasks, its wake-up call."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.store import following, leases
from bot.store.db import RequestLog, utc_now

LEASE = timedelta(seconds=120)
# How long work cut off at a stop may take to unwind; unwinding only undoes, so it is quick.
CANCEL_SECONDS = 1.0


class Worker:
    def __init__(self, log_db: RequestLog, name: str | None = None) -> None:
        self.log_db = log_db
        self.name = name or leases.worker_name()
        self.stopping = False
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()

    def take(self, row_id: int, statuses: Sequence[str], *, renew_own: bool = False) -> bool:
        """Lease one row for LEASE; False when another worker holds it or its status is not one of `statuses`."""
        now = utc_now()
        return following.take_lease(
            self.log_db, row_id, worker=self.name, statuses=statuses, now=now, until=now + LEASE, renew_own=renew_own
        )

    def spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run `work` in the background; `stop` waits for it."""
        task = asyncio.create_task(work)
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return task

    def wake(self) -> None:
        self._wake.set()

    async def sleep(self, timeout: float) -> None:
        """Wait until woken or for `timeout` seconds; a wake-up before this call counts."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        self._wake.clear()

    def clear_wake(self) -> None:
        self._wake.clear()

    def reclaim_abandoned(self) -> None:
        """Free the rows a dead process on this host still held, so they need not wait for their leases to end."""
        leases.release_abandoned(self.log_db, self.name)

    async def stop(self, timeout: float) -> None:
        """Let background work finish; leases of unfinished rows are released so a restart resumes them."""
        self.stopping = True
        self._wake.set()
        if self._running:
            await asyncio.wait(self._running, timeout=timeout)
        # Work still running past the deadline is cut off here, where it unwinds like any cancelled task, rather
        # than destroyed mid-await when the event loop closes; its row is resumed at the next start.
        late = list(self._running)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late, timeout=CANCEL_SECONDS)
        following.release_leases_of(self.log_db, self.name)


@dataclass(kw_only=True, eq=False)
class Part:
    """A part of following: it works for one worker, and reads and writes the log through it."""

    worker: Worker

    @property
    def log_db(self) -> RequestLog:
        return self.worker.log_db
