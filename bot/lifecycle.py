"""Stopping within one deadline, whatever the bot is doing, and pausing between attempts to reach a service."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

# Everything still running when a stop is asked for (listeners, requests, follow-up checks) shares this budget.
SHUTDOWN_SECONDS = 20.0
# Past the budget by this much, the process leaves even if something is stuck (a DNS lookup in a thread, a socket
# that never closes): whoever stops the bot (systemd, Docker, Kubernetes) may kill it at 25 s or so, and losing
# the log lines is worse.
HARD_EXIT_MARGIN = 4.0


@dataclass
class Backoff:
    """Pauses that double from `first` up to `cap`, each shifted by up to ±20 % so many bots do not retry in step."""

    first: float = 1.0
    cap: float = 60.0
    jitter: Callable[[], float] = random.random
    _failures: int = field(default=0, init=False)

    def next_delay(self) -> float:
        base = min(self.cap, self.first * 2.0**self._failures)
        self._failures += 1
        return min(self.cap, base * (0.8 + 0.4 * self.jitter()))


class Stopping:
    """One stop request, from a signal or from a fatal answer, with one deadline for all the draining after it."""

    def __init__(self, budget: float = SHUTDOWN_SECONDS, hard_exit_after: float | None = None) -> None:
        self.budget = budget
        self.hard_exit_after = budget + HARD_EXIT_MARGIN if hard_exit_after is None else hard_exit_after
        self.exit_code = 0
        self.deadline: float | None = None
        self._requested = asyncio.Event()

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.request, signal.Signals(signum).name)

    def request(self, reason: str, exit_code: int = 0) -> None:
        """Ask everything to stop; only the first request counts."""
        if self.requested:
            return
        self.exit_code = exit_code
        self.deadline = asyncio.get_running_loop().time() + self.budget
        self._requested.set()
        log.info("stopping (%s): work in progress gets up to %.0f s", reason, self.budget)
        watchdog = threading.Timer(self.hard_exit_after, self._leave_now)
        watchdog.daemon = True
        watchdog.start()

    def _leave_now(self) -> None:
        log.warning(
            "still stopping after %.0f s; leaving now (cut-off requests resume at next start)", self.hard_exit_after
        )
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(self.exit_code)

    def seconds_left(self) -> float:
        """Time left before the shutdown deadline; the whole budget while no stop was asked for."""
        if self.deadline is None:
            return self.budget
        return max(0.0, self.deadline - asyncio.get_running_loop().time())

    async def wait(self) -> None:
        await self._requested.wait()

    async def pause(self, seconds: float) -> None:
        """Sleep, but wake at once when a stop is asked for."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._requested.wait(), timeout=seconds)

    async def unless_stopped(self, work: Awaitable[T]) -> tuple[bool, T | None]:
        """Run `work` unless a stop comes first, which cancels it: (True, result) or (False, None)."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(self._requested.wait())
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if task.cancelled():
            return False, None
        return True, task.result()


def deadline_in(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


def seconds_until(deadline: float) -> float:
    return max(0.0, deadline - asyncio.get_running_loop().time())
