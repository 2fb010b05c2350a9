"""Slack's answers first: work after an ack waits while Slack requests are still waiting for theirs.

The Bolt app runs with `process_before_response`, so Bolt returns a request's answer as soon as its listener
returns. A listener logs what it was asked, calls `ack()`, hands the rest to `AnswersFirst.later` and returns.
That work (announcing, uploading, submitting) then waits until no Slack request has been waiting for its answer
for `SETTLE_SECONDS`, and never longer than `MAX_WAIT_SECONDS`, so a burst of commands is answered before any
of its uploads takes the event loop, and work is never starved by a steady stream of requests.

Requests are counted where their answer is handed to the transport (the aiohttp handler, the Socket Mode
handler), around Bolt's dispatch: a Bolt global middleware cannot tell when an answer leaves, because Bolt's
`next()` returns at once and the listener runs after every middleware has returned.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Requests of one burst arrive a few milliseconds apart; this long without one means the burst has been answered.
SETTLE_SECONDS = 0.02
# Slack waits 3 s for an answer and a form's trigger lasts 3 s: work after an ack waits no longer than this.
MAX_WAIT_SECONDS = 1.0


class Later(Protocol):
    """What a listener's `later` parameter is: run `work(*args, **kwargs)` once Slack's waiting answers have left."""

    async def __call__(self, work: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> None: ...


class AnswersFirst:
    """Counts Slack requests whose answer has not left yet, and holds work after an ack until they have.

    Held work is a list entry, not yet a task: under a burst, the event loop spends its time on answers, and the
    tasks start together once the burst has been answered.
    """

    def __init__(self, settle: float = SETTLE_SECONDS, max_wait: float = MAX_WAIT_SECONDS) -> None:
        self.settle = settle
        self.max_wait = max_wait
        self.waiting = 0
        self._held: list[tuple[Callable[..., Awaitable[Any]], tuple[Any, ...], dict[str, Any]]] = []
        self._settling: asyncio.TimerHandle | None = None
        self._bound: asyncio.TimerHandle | None = None  # when the oldest held work starts, whatever is waiting
        self._work: set[asyncio.Task[None]] = set()
        self._stopping = False

    @contextlib.contextmanager
    def answering(self) -> Iterator[None]:
        """Around one Slack request, from its arrival until its answer is handed over."""
        self.waiting += 1
        if self._settling is not None:
            self._settling.cancel()
            self._settling = None
        try:
            yield
        finally:
            self.waiting -= 1
            if self.waiting == 0 and self._held:
                self._settling = asyncio.get_running_loop().call_later(self.settle, self._release)

    async def stop_holding(self) -> None:
        """At a stop: let all held work start now, so the stop's wait for requests in progress includes it.

        Work that starts a logged request joins the pipeline's requests in progress as its first step, which it
        takes before this returns; held back, it would be dropped when the event loop closes.
        """
        self._stopping = True
        self._release()
        await asyncio.sleep(0)  # the new tasks run up to their first wait

    async def finish_work(self, timeout: float) -> None:
        """At a stop, after `stop_holding`: give work after acks until `timeout` to end while the clients it uses
        are still open. What is left is for the pipeline's own drain (requests) and `cancel_rest` (the rest)."""
        running = [task for task in self._work if not task.done()]
        if running:
            await asyncio.wait(running, timeout=timeout)

    async def cancel_rest(self) -> None:
        """Last at a stop: cancel work after acks still running, and wait for it, so none outlives the event loop."""
        self._held.clear()
        running = [task for task in self._work if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def later(self, work: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> None:
        """Run `work(*args, **kwargs)` in a task of its own once Slack's waiting answers have left; its errors are
        logged, never shown in Slack."""
        self._held.append((work, args, kwargs))
        if self.waiting == 0 or self._stopping:
            self._release()
        elif self._bound is None:
            self._bound = asyncio.get_running_loop().call_later(self.max_wait, self._release)

    def _release(self) -> None:
        for timer in (self._settling, self._bound):
            if timer is not None:
                timer.cancel()
        self._settling = self._bound = None
        held, self._held = self._held, []
        for work, args, kwargs in held:
            task = asyncio.create_task(self._logged(work, *args, **kwargs))
            self._work.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self._work.discard)

    async def _logged(self, work: Callable[..., Awaitable[Any]], /, *args: Any, **kwargs: Any) -> None:
        try:
            await work(*args, **kwargs)
        except Exception:
            log.exception("the work after an ack failed")
