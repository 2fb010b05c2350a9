"""When to ask Tencent about a followed task next: sparsely while its finish is far off, densely around it.

A person waits for Tencent's generation time plus the bot's lag in noticing that it finished. Checking often
keeps the lag short but spends the DescribeTaskDetail budget every followed task shares; so each check
estimates a window in which the task should finish and spends checks there:

- from the task's own Progress, once Tencent reports some: at an even rate, a task `p`% done after `t`
  seconds of processing finishes after `t * 100 / p`, widened for the whole-percent rounding, for the
  one-second resolution of Tencent's times and for progress that does not rise evenly;
- otherwise from how long the same scene with the same count and resolution took recently (the log's
  `duration_seconds`);
- otherwise from a built-in guess that covers the usual 5 s to 2 minutes.

Before the window, each check waits half the distance to it, so a check on the way can still move the
estimate; inside it, checks come every `dense_delay`; past it, the estimate was wrong, and the gap grows
slowly instead of polling a long task at full rate. No gap ever exceeds `max_delay`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.config import Settings
from bot.store.db import RequestRow, parse_iso, utc_now

# Progress does not have to rise evenly: keep this share of the time left in reserve on either side.
PROGRESS_SLACK = 0.35
# BeginProcessTime and CreateTime come in whole seconds.
START_UNCERTAINTY = 1.0
# Recent durations: widen their spread, since a few samples rarely show the extremes.
HISTORY_EARLY_FACTOR = 0.75
HISTORY_LATE_FACTOR = 1.25
HISTORY_SIZE = 30
HISTORY_MINIMUM = 3
HISTORY_SCAN = 300
HISTORY_CACHE_SECONDS = 30.0
# Options that change how long a generation takes; the rest (ratio, prompt, storage) hardly do.
DURATION_OPTIONS = ("count", "resolution")


@dataclass(frozen=True)
class PollPolicy:
    """When to check a task (see above), for at most `timeout`; errors back off from `first_delay`.

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


@dataclass(frozen=True)
class FinishWindow:
    """Seconds after submission between which the task is expected to finish.

    `informed` is False for the built-in guess, which knows nothing of this task or its scene.
    """

    earliest: float
    latest: float
    informed: bool = True

    def shifted(self, seconds: float) -> FinishWindow:
        return FinishWindow(self.earliest + seconds, self.latest + seconds, self.informed)


@dataclass(frozen=True)
class Observation:
    """What one DescribeTaskDetail said, in seconds after submission."""

    elapsed: float
    waiting: bool = False
    progress: int | None = None
    started: float | None = None


def window_from_history(durations: Sequence[float]) -> FinishWindow | None:
    """The window recent durations of similar tasks suggest; None with too few of them."""
    ordered = sorted(d for d in durations if d > 0)
    if len(ordered) < HISTORY_MINIMUM:
        return None
    low = ordered[int(0.1 * (len(ordered) - 1))]
    high = ordered[-1 - int(0.1 * (len(ordered) - 1))]
    return FinishWindow(low * HISTORY_EARLY_FACTOR, high * HISTORY_LATE_FACTOR)


def window_from_progress(seen: Observation) -> FinishWindow | None:
    """Where the task's own Progress puts its finish, assuming a roughly even rate; None when it says nothing."""
    progress = seen.progress
    if seen.waiting or seen.started is None or not progress or progress >= 100:
        return None
    running = seen.elapsed - seen.started
    shortest_run = max(0.0, running - START_UNCERTAINTY)
    longest_run = running + START_UNCERTAINTY
    # Progress is a whole percent: the true share done lies in [progress, progress + 1).
    least_left = shortest_run * (100 / (progress + 1) - 1)
    most_left = longest_run * (100 / progress - 1)
    return FinishWindow(
        seen.elapsed + least_left * (1 - PROGRESS_SLACK),
        seen.elapsed + most_left * (1 + PROGRESS_SLACK),
    )


def estimate_window(seen: Observation, rules: PollPolicy, history: FinishWindow | None = None) -> FinishWindow:
    """The best window the task's progress, its scene's history or the built-in guess gives."""
    if seen.waiting:
        # Nothing finishes before it has run for a while; a check that soon still catches the quickest task.
        typical = history or FinishWindow(rules.expected_earliest, rules.expected_latest)
        return FinishWindow(seen.elapsed + rules.expected_earliest, seen.elapsed + typical.latest)
    by_progress = window_from_progress(seen)
    if by_progress is not None:
        return by_progress
    # Past durations include little queueing; a task that queued long starts its clock late.
    queued = seen.started or 0.0
    if history is not None:
        return history.shifted(queued)
    return FinishWindow(rules.expected_earliest, rules.expected_latest, informed=False).shifted(queued)


def next_delay(elapsed: float, window: FinishWindow, rules: PollPolicy) -> float:
    """Seconds from now until the next check of a task `elapsed` seconds after submission."""
    step = rules.dense_delay if window.informed else rules.blind_delay
    if elapsed + step < window.earliest:
        gap = max(step, (window.earliest - elapsed) / 2)
    elif elapsed <= window.latest:
        gap = step
    else:
        gap = step * (1 + (elapsed - window.latest) / max(window.latest, step))
    return max(0.0, min(gap, rules.max_delay))


def first_delay(rules: PollPolicy, history: FinishWindow | None) -> float:
    """The first check: soon, to show progress and learn the rate, unless similar tasks always took long."""
    if history is None:
        return min(rules.first_delay, rules.max_delay)
    return max(min(rules.first_delay, rules.max_delay), next_delay(0.0, history, rules))


def duration_key(options: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(options.get(name) or "").upper() for name in DURATION_OPTIONS)


@dataclass
class DurationHistory:
    """Recent durations of finished tasks per scene and option set, read from the log and kept briefly."""

    # (options JSON, seconds) of a scene's latest finished tasks, newest first, at most n.
    read_recent: Callable[[str, int], list[tuple[str | None, float]]]
    _cache: dict[str, tuple[float, list[tuple[tuple[str, ...], float]]]] = field(default_factory=dict)

    def window(self, scene: str | None, options: dict[str, Any]) -> FinishWindow | None:
        """Durations of the same scene and options when enough exist, else of the scene, else None."""
        if not scene:
            return None
        recent = self._recent(scene)
        key = duration_key(options)
        same_options = [d for k, d in recent if k == key][:HISTORY_SIZE]
        return window_from_history(same_options) or window_from_history([d for _, d in recent][:HISTORY_SIZE])

    def _recent(self, scene: str) -> list[tuple[tuple[str, ...], float]]:
        now = time.monotonic()
        cached = self._cache.get(scene)
        if cached is not None and now - cached[0] < HISTORY_CACHE_SECONDS:
            return cached[1]
        recent = [
            (duration_key(_options(options)), seconds) for options, seconds in self.read_recent(scene, HISTORY_SCAN)
        ]
        self._cache[scene] = (now, recent)
        return recent


def _options(text: str | None) -> dict[str, Any]:
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def submitted_at(row: RequestRow) -> datetime:
    """When Tencent took the row's task (or, before it is known, when the row was logged): the follow clock's start."""
    return parse_iso(row.get("submitted_at") or row["created_at"])


def seconds_waited(row: RequestRow, now: datetime | None = None) -> float:
    """Seconds since `submitted_at`, which the follow timeout is measured against."""
    return ((now or utc_now()) - submitted_at(row)).total_seconds()
