"""Wait for a task to finish by asking DescribeTaskDetail, with growing, bounded delays."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from bot.config import Settings
from bot.vod import TaskDetail, VodClient, VodError


@dataclass(frozen=True)
class PollPolicy:
    """Delays between status checks: from `first_delay`, growing to `max_delay`, for at most `timeout`."""

    first_delay: float = 3.0
    max_delay: float = 30.0
    timeout: float = 1800.0
    growth: float = 1.6

    def delay(self, attempts: int) -> float:
        return float(min(self.max_delay, self.first_delay * self.growth**attempts))

    def delays(self) -> Iterator[float]:
        attempts = 0
        while True:
            yield self.delay(attempts)
            attempts += 1

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPolicy:
        return cls(
            first_delay=settings.aigc_bot_follow_first_delay,
            max_delay=settings.aigc_bot_follow_max_delay,
            timeout=settings.aigc_bot_follow_timeout,
        )


class TaskStillRunning(Exception):
    def __init__(self, last: TaskDetail | None, waited: float) -> None:
        super().__init__(f"task still running after {waited:.0f}s")
        self.last = last
        self.waited = waited


async def wait_for_task(
    vod: VodClient,
    task_id: str,
    policy: PollPolicy,
    *,
    on_progress: Callable[[TaskDetail], Awaitable[None]] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> TaskDetail:
    """The finished task, or TaskStillRunning once `policy.timeout` has passed. Transient errors are waited out."""
    started = time.monotonic()
    last: TaskDetail | None = None
    for delay in policy.delays():
        try:
            last = await vod.describe_task_detail(task_id)
        except VodError as error:
            if not error.advice.retryable and not error.code.startswith("ClientError."):
                raise
        else:
            if last.finished:
                return last
            if on_progress is not None:
                await on_progress(last)
        waited = time.monotonic() - started
        if waited + delay > policy.timeout:
            raise TaskStillRunning(last, waited)
        await sleep(delay)
    raise AssertionError("delays() never ends")
