"""A sliding-window limiter: at most `limit` starts in any `window` seconds, however many callers wait."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable


class SlidingWindowLimiter:
    """Each caller reserves the earliest start that keeps every window under the limit, then sleeps to it.

    Reserving happens without awaiting, so callers are served in arrival order and the limiter is not
    tied to one event loop (the CLI, the bot and the tests each run their own).
    """

    def __init__(
        self,
        limit: int,
        window: float = 1.0,
        *,
        margin: float = 0.03,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # The margin absorbs network jitter so that arrivals, not only departures, stay under the limit.
        self.limit = limit
        self.window = window + margin
        self._clock = clock
        self._starts: deque[float] = deque(maxlen=limit)
        self._guard = threading.Lock()

    def reserve(self) -> float:
        """Book the next start and return how many seconds to wait for it."""
        with self._guard:
            now = self._clock()
            start = now
            if self._starts:
                start = max(start, self._starts[-1])
            if len(self._starts) == self.limit:
                start = max(start, self._starts[0] + self.window)
            self._starts.append(start)
            return start - now

    async def acquire(self) -> None:
        delay = self.reserve()
        if delay > 0:
            await asyncio.sleep(delay)


# Tencent counts calls per account and action; one limiter per process keeps every client under it.
CREATE_TASK_LIMITER = SlidingWindowLimiter(20, 1.0)
