"""The knobs of the schedule on which a task is asked about with DescribeTaskDetail until it finishes."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings


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
