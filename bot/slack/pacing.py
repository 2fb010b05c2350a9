"""One pacer for every Slack Web API call the process makes, so Slack never has to say "slow down".

Slack limits an app per method and, for chat.postMessage, per channel (docs/slack-limits.md has the figures).
Every call waits for a token from the buckets its method draws on; a 429 holds the bucket for everyone until
its Retry-After has passed. Waiting calls go by priority: what a person waits for first, status edits next,
progress edits and Home refreshes last, and the last kind also draws on one shared background bucket so they
never use more than part of a tier's budget. A progress edit superseded by a newer one for the same message is
dropped while it waits, never sent late.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import itertools
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field, fields
from enum import IntEnum

from slack_sdk.errors import SlackClientError

from bot.errors import BotError


class Priority(IntEnum):
    """Lower goes first."""

    ANSWER = 0  # a person waits for it: the parent, the TaskId reply, a refusal, the images, a form
    STATUS = 1  # a message's final state, a Home someone just opened
    BACKGROUND = 2  # progress lines and Home refreshes: nice to have, superseded soon


@dataclass(frozen=True)
class Rate:
    per_second: float
    burst: float


@dataclass(frozen=True)
class SlackLimits:
    """What the bot allows itself: Slack's published limits, with bursts a little under what Slack tolerates."""

    channel: Rate = Rate(1.0, 2)  # chat.postMessage into one channel
    workspace: Rate = Rate(300 / 60, 20)  # chat.postMessage across the workspace
    tier3: Rate = Rate(50 / 60, 5)
    tier4: Rate = Rate(100 / 60, 10)
    # Progress edits and Home refreshes together: half of Tier 3, whatever method they use.
    background: Rate = Rate(25 / 60, 3)

    def scaled(self, factor: float) -> SlackLimits:
        """Every rate times `factor` (a workspace with higher limits, or a test double that is faster)."""
        rates: dict[str, Rate] = {limit.name: getattr(self, limit.name) for limit in fields(self)}
        return SlackLimits(**{name: Rate(rate.per_second * factor, rate.burst) for name, rate in rates.items()})


POST_MESSAGE = "chat.postMessage"
TIER3 = frozenset({"chat.update", "reactions.add", "conversations.info"})
TIER4 = frozenset(
    {
        "chat.postEphemeral",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "users.info",
    }
)
# A call queued only behind others is woken when they go; this is the longest it sleeps without being woken.
IDLE_CHECK_SECONDS = 1.0
DEFAULT_PRIORITY = {"chat.update": Priority.STATUS, "views.publish": Priority.STATUS}


class Superseded(BotError, SlackClientError):
    """A waiting call was replaced by a newer one for the same message; it was never sent."""


class Bucket:
    """A token bucket that a 429 can also hold shut until a given time."""

    def __init__(self, rate: Rate, now: float) -> None:
        self.rate = rate
        self.tokens = float(rate.burst)
        self.stamp = now
        self.held_until = -float("inf")

    def _refill(self, now: float) -> None:
        if now <= self.stamp:
            return  # held: nothing accrues until the hold ends
        if self.rate.per_second > 0:
            self.tokens = min(float(self.rate.burst), self.tokens + (now - self.stamp) * self.rate.per_second)
        self.stamp = now

    def ready_at(self, now: float) -> float:
        """The earliest time a call may draw on this bucket."""
        self._refill(now)
        if self.tokens >= 1 or self.rate.per_second <= 0:
            at = now
        else:
            at = max(now, self.stamp) + (1 - self.tokens) / self.rate.per_second
        return max(at, self.held_until)

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1

    def hold(self, until: float) -> None:
        if until <= self.held_until:
            return
        self.held_until = until
        # Once the hold ends, one call goes and the rest follow at the rate: no burst into a limit just hit.
        self.tokens = min(self.tokens, 1.0)
        self.stamp = until


@dataclass(eq=False)
class Ticket:
    """One call waiting for its turn."""

    rank: tuple[int, int]
    buckets: tuple[Bucket, ...]
    supersede: Hashable | None = None
    granted: bool = False
    superseded: bool = False
    wake: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(frozen=True)
class _Marking:
    priority: Priority
    supersede: Hashable | None = None


_marking: contextvars.ContextVar[_Marking | None] = contextvars.ContextVar("slack_pacing", default=None)


@contextlib.contextmanager
def marked(priority: Priority, supersede: Hashable | None = None) -> Iterator[None]:
    """Slack calls made inside go with `priority`; with `supersede`, a newer call with the same key replaces a
    waiting one (raising Superseded in its caller)."""
    token = _marking.set(_Marking(priority, supersede))
    try:
        yield
    finally:
        _marking.reset(token)


class Pacer:
    """Turns for Slack calls, shared by everything in the process that talks to Slack."""

    def __init__(self, limits: SlackLimits | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits or SlackLimits()
        self.clock = clock
        self._buckets: dict[Hashable, Bucket] = {}
        self._waiting: list[Ticket] = []
        self._order = itertools.count()

    # -- which buckets a call draws on -----------------------------------------------------------------

    def _bucket(self, key: Hashable, rate: Rate) -> Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = Bucket(rate, self.clock())
        return bucket

    def _own_bucket(self, method: str, channel: str | None) -> Bucket:
        """The bucket a call is ordered in: its channel for chat.postMessage, else its method (or its tier)."""
        if method == POST_MESSAGE and channel:
            return self._bucket((method, channel), self.limits.channel)
        if method in TIER3:
            return self._bucket(("tier3", method), self.limits.tier3)
        if method in TIER4:
            return self._bucket(("tier4", method), self.limits.tier4)
        # Methods the bot calls rarely (auth.test, files.info...): no pacing of their own, but a 429 still holds.
        return self._bucket(("other", method), Rate(0.0, 1e9))

    def buckets_for(self, method: str, channel: str | None, priority: Priority) -> tuple[Bucket, ...]:
        buckets = [self._own_bucket(method, channel)]
        if method == POST_MESSAGE:
            buckets.append(self._bucket(("workspace", method), self.limits.workspace))
        if priority is Priority.BACKGROUND:
            buckets.append(self._bucket("background", self.limits.background))
        return tuple(buckets)

    # -- waiting --------------------------------------------------------------------------------------------

    def ticket(self, method: str, channel: str | None = None) -> Ticket:
        """Queue a call; `grant` decides when it may go. The caller's marking sets priority and supersession."""
        marking = _marking.get()
        priority = marking.priority if marking else DEFAULT_PRIORITY.get(method, Priority.ANSWER)
        supersede = marking.supersede if marking else None
        if supersede is not None:
            self.drop_waiting(supersede)
        ticket = Ticket((int(priority), next(self._order)), self.buckets_for(method, channel, priority), supersede)
        self._waiting.append(ticket)
        self._waiting.sort(key=lambda waiting: waiting.rank)
        return ticket

    def grant(self) -> float | None:
        """Let go every call whose turn it is now; returns when the next one may go (None: nothing waits).

        A call waiting for a bucket keeps every lower-ranked call out of that bucket, so a late urgent call
        overtakes earlier status edits but no call is overtaken by a later one of the same rank.
        """
        now = self.clock()
        claimed: set[int] = set()
        next_at: float | None = None
        still: list[Ticket] = []
        for ticket in self._waiting:
            ready = {id(bucket): bucket.ready_at(now) for bucket in ticket.buckets}
            if not claimed.intersection(ready) and all(at <= now for at in ready.values()):
                for bucket in ticket.buckets:
                    bucket.take(now)
                ticket.granted = True
                ticket.wake.set()
                continue
            still.append(ticket)
            # Its own bucket stays claimed so the order within a channel or method holds; a shared bucket only
            # while it is the one it waits for, so one busy channel does not stall the others.
            claimed.add(id(ticket.buckets[0]))
            claimed.update(key for key, at in ready.items() if at > now)
            at = max(ready.values())
            if at > now:  # one only behind a call ahead of it moves when that call does
                next_at = at if next_at is None else min(next_at, at)
        self._waiting = still
        return next_at

    def drop_waiting(self, supersede: Hashable) -> None:
        """Drop the calls waiting under `supersede`: what they would show is already out of date."""
        for waiting in self._waiting:
            if waiting.supersede == supersede:
                waiting.superseded = True
                waiting.wake.set()
        self._waiting = [waiting for waiting in self._waiting if not waiting.superseded]

    async def turn(self, method: str, channel: str | None = None) -> None:
        """Wait until a call of `method` (into `channel`) may go; raises Superseded if a newer one replaced it."""
        ticket = self.ticket(method, channel)
        try:
            while True:
                next_at = self.grant()
                if ticket.granted:
                    return
                if ticket.superseded:
                    raise Superseded(method)
                ticket.wake.clear()
                delay = IDLE_CHECK_SECONDS if next_at is None else max(0.001, next_at - self.clock())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ticket.wake.wait(), timeout=delay)
                if ticket.superseded:
                    raise Superseded(method)
        finally:
            if ticket in self._waiting:
                self._waiting.remove(ticket)
            # Calls that were behind this one may go now.
            for waiting in self._waiting:
                waiting.wake.set()

    def hold(self, method: str, channel: str | None, seconds: float) -> None:
        """Slack answered 429: nobody calls `method` (into `channel`) again for `seconds`."""
        self._own_bucket(method, channel).hold(self.clock() + seconds)

    @property
    def queue_length(self) -> int:
        """Calls waiting for their turn right now."""
        return len(self._waiting)
