"""A sliding-window limiter: at most `limit` requests reach the server in any `window` seconds.

Counting departures is not enough: a request that waits for a new connection can leave late and arrive
together with the next window's requests. So request n may start only once request n-limit has been sent
(its body written to the socket) and a full window has passed since then.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

PREDECESSOR_WAIT_CAP = 30.0


@dataclass
class Slot:
    reserved_at: float
    sent_at: float | None = None
    clock: Callable[[], float] = time.monotonic

    def mark_sent(self) -> None:
        if self.sent_at is None:
            self.sent_at = self.clock()


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int,
        window: float = 1.0,
        *,
        margin: float = 0.02,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The margin covers the one-way trip between our socket and the server's clock.
        self.limit = limit
        self.window = window + margin
        self._clock = clock
        self._recent: deque[Slot] = deque(maxlen=limit)
        self._guard = threading.Lock()

    def _reserve(self) -> tuple[Slot, Slot | None]:
        with self._guard:
            predecessor = self._recent[0] if len(self._recent) == self.limit else None
            slot = Slot(self._clock(), clock=self._clock)
            self._recent.append(slot)
            return slot, predecessor

    async def acquire(self) -> Slot:
        """Wait for a place; call `mark_sent()` on the returned slot once the request is on the wire."""
        slot, predecessor = self._reserve()
        if predecessor is None:
            return slot
        waited_since = self._clock()
        while predecessor.sent_at is None and self._clock() - waited_since < PREDECESSOR_WAIT_CAP:
            await asyncio.sleep(0.005)
        since = predecessor.sent_at if predecessor.sent_at is not None else predecessor.reserved_at
        delay = since + self.window - self._clock()
        if delay > 0:
            await asyncio.sleep(delay)
        return slot


# Tencent counts calls per account and action; one limiter per process keeps every client under it.
CREATE_TASK_LIMITER = SlidingWindowLimiter(20, 1.0)
