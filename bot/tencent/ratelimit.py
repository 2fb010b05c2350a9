"""A sliding-window limiter: at most `limit` requests reach the server in any `window` seconds.

Counting departures is not enough: a request that waits for a new connection can leave late and arrive
together with the next window's requests. So request n may start only once request n-limit has been sent
(its body written to the socket) and a full window has passed since then.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque

PREDECESSOR_WAIT_CAP = 30.0


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


class Slot:
    """One request's place in the window; the request after the window waits until this one is sent."""

    def __init__(self, reserved_at: float) -> None:
        self.reserved_at = reserved_at
        self.sent_at: float | None = None
        self._guard = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def mark_sent(self) -> None:
        with self._guard:
            if self.sent_at is not None:
                return
            self.sent_at = time.monotonic()
            waiters, self._waiters = self._waiters, []
        for loop, waiter in waiters:
            # The limiter is shared by every event loop in the process; wake each waiter in its own loop.
            with contextlib.suppress(RuntimeError):  # that loop has closed meanwhile
                loop.call_soon_threadsafe(_wake, waiter)

    async def wait_sent(self, timeout: float) -> None:
        """Return once mark_sent() was called, or after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()
        with self._guard:
            if self.sent_at is not None:
                return
            self._waiters.append((loop, waiter))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiter, timeout)


class SlidingWindowLimiter:
    def __init__(self, limit: int, window: float = 1.0, *, margin: float = 0.02) -> None:
        # The margin covers the one-way trip between our socket and the server's clock.
        self.limit = limit
        self.window = window + margin
        self._recent: deque[Slot] = deque(maxlen=limit)
        self._guard = threading.Lock()

    def _reserve(self) -> tuple[Slot, Slot | None]:
        with self._guard:
            predecessor = self._recent[0] if len(self._recent) == self.limit else None
            slot = Slot(time.monotonic())
            self._recent.append(slot)
            return slot, predecessor

    async def acquire(self) -> Slot:
        """Wait for a place; call `mark_sent()` on the returned slot once the request is on the wire."""
        slot, predecessor = self._reserve()
        if predecessor is None:
            return slot
        await predecessor.wait_sent(PREDECESSOR_WAIT_CAP)
        since = predecessor.sent_at if predecessor.sent_at is not None else predecessor.reserved_at
        delay = since + self.window - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        return slot


# Tencent counts calls per account and action; one limiter per process keeps every client under it.
CREATE_TASK_LIMITER = SlidingWindowLimiter(20, 1.0)

_RATE_LIMITERS: dict[float, SlidingWindowLimiter] = {}
_RATE_LIMITERS_GUARD = threading.Lock()


def limiter_for_rate(calls_per_second: float) -> SlidingWindowLimiter:
    """A sliding-window limiter allowing at most `calls_per_second` calls in any second.

    A whole rate becomes that many calls per one-second window; a rate below one, one call per 1/rate
    seconds. A fractional part above one is dropped, since a shorter window could let a burst exceed the
    rate inside some second.
    """
    if calls_per_second <= 0:
        raise ValueError("a rate must be positive")
    if calls_per_second >= 1:
        return SlidingWindowLimiter(int(calls_per_second), 1.0)
    return SlidingWindowLimiter(1, 1.0 / calls_per_second)


def describe_limiter(calls_per_second: float) -> SlidingWindowLimiter:
    """The process-wide DescribeTaskDetail limiter for this rate: every client and every followed task shares it."""
    with _RATE_LIMITERS_GUARD:
        limiter = _RATE_LIMITERS.get(calls_per_second)
        if limiter is None:
            limiter = _RATE_LIMITERS[calls_per_second] = limiter_for_rate(calls_per_second)
        return limiter
