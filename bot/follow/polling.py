"""Wait for a task to finish by asking DescribeTaskDetail: the knobs of the schedule, and a waiter for one task."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import wording
from bot.config import Settings
from bot.errors import BotError, worth_retrying
from bot.follow.schedule import Observation, estimate_window, first_delay, next_delay
from bot.tencent.vod import TaskDetail, VodClient, VodError


@dataclass(frozen=True)
class PollPolicy:
    """When to check a task (see bot/follow/schedule.py), for at most `timeout`; errors back off from `first_delay`.

    `dense_delay` is the gap near the expected finish: it bounds the lag in noticing a result, leaving room
    within a 3 s target for posting it. `blind_delay` is the gap with nothing to estimate from, chosen so a
    60 s task costs about 25 checks. Tasks usually take `expected_earliest` to `expected_latest` seconds.
    """

    first_delay: float = 3.0
    max_delay: float = 30.0
    timeout: float = 1800.0
    growth: float = 1.6
    dense_delay: float = 2.0
    blind_delay: float = 2.4
    expected_earliest: float = 5.0
    expected_latest: float = 120.0
    describe_rate: float = 10.0

    def delay(self, attempts: int) -> float:
        return float(min(self.max_delay, self.first_delay * self.growth**attempts))

    @classmethod
    def from_settings(cls, settings: Settings) -> PollPolicy:
        return cls(
            first_delay=settings.aigc_bot_follow_first_delay,
            max_delay=settings.aigc_bot_follow_max_delay,
            timeout=settings.aigc_bot_follow_timeout,
            describe_rate=settings.aigc_bot_describe_rate,
        )


class TaskStillRunning(BotError):
    def __init__(self, last: TaskDetail | None, waited: float) -> None:
        super().__init__(wording.slack.TASK_STILL_RUNNING.format(waited=waited))
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
    processing_since: float | None = None
    failures = 0
    await sleep(first_delay(policy, None))
    while True:
        waited = time.monotonic() - started
        try:
            last = await vod.describe_task_detail(task_id)
        except VodError as error:
            if not worth_retrying(error.code, repeat_safe=True):  # a lookup never acts twice
                raise
            delay = policy.delay(failures)
            failures += 1
        else:
            if last.finished:
                return last
            if on_progress is not None:
                await on_progress(last)
            if processing_since is None and not last.waiting:
                processing_since = waited
            seen = Observation(waited, last.waiting, last.progress, processing_since)
            delay = next_delay(waited, estimate_window(seen, policy), policy)
        waited = time.monotonic() - started
        if waited + delay > policy.timeout:
            raise TaskStillRunning(last, waited)
        await sleep(delay)
