"""Slack's rate limits as the fake Slack enforces them: per method tier, and per channel for chat.postMessage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Slack's tiers as Slack publishes them, not imported from bot/slack/pacing.py: the stand-in checks the
# bot's pacing, so it must not share the bot's idea of which method is in which tier.
TIER3_METHODS = frozenset({"chat.update", "reactions.add", "conversations.info"})
TIER4_METHODS = frozenset(
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


@dataclass
class _Allowance:
    """A token bucket counted by when calls arrive, as Slack counts them."""

    per_second: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """0 if a call may go now (and it is counted), else the seconds until one may."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass(frozen=True)
class RateLimits:
    """Slack's published limits (per minute unless named otherwise), with the short bursts Slack tolerates."""

    channel_per_second: float = 1.0
    channel_burst: float = 3
    workspace_per_minute: float = 400
    workspace_burst: float = 30
    tier3_per_minute: float = 50
    tier3_burst: float = 10
    tier4_per_minute: float = 100
    tier4_burst: float = 20


class TierLimiter:
    """The allowances calls draw on while limits are enforced (off until enforce()); the caller holds a lock."""

    def __init__(self) -> None:
        self._limits: RateLimits | None = None
        self._scale = 1.0
        self._allowances: dict[tuple[str, ...], _Allowance] = {}

    def enforce(self, limits: RateLimits, scale: float) -> None:
        self._limits, self._scale = limits, scale
        self._allowances.clear()

    def lift(self) -> None:
        self._limits = None
        self._allowances.clear()

    def _allowance(self, key: tuple[str, ...], per_second: float, burst: float) -> _Allowance:
        found = self._allowances.get(key)
        if found is None:
            found = self._allowances[key] = _Allowance(per_second * self._scale, burst)
        return found

    def wait(self, name: str, args: dict[str, Any], now: float) -> float:
        """Seconds to wait if this call goes past a limit, else 0 (and the call is counted)."""
        limits = self._limits
        if limits is None:
            return 0.0
        allowances: list[_Allowance] = []
        if name == "chat.postMessage":
            channel = str(args.get("channel") or "")
            allowances.append(self._allowance((name, channel), limits.channel_per_second, limits.channel_burst))
            allowances.append(self._allowance((name,), limits.workspace_per_minute / 60, limits.workspace_burst))
        elif name in TIER3_METHODS:
            allowances.append(self._allowance((name,), limits.tier3_per_minute / 60, limits.tier3_burst))
        elif name in TIER4_METHODS:
            allowances.append(self._allowance((name,), limits.tier4_per_minute / 60, limits.tier4_burst))
        for index, allowance in enumerate(allowances):
            wait = allowance.take(now)
            if wait:
                for taken in allowances[:index]:
                    taken.tokens += 1  # a refused call counts against nothing
                return wait
        return 0.0
