"""How the lower layers report what they do, without knowing who counts it.

The Tencent client, the Slack file transfer and the Slack client record through the functions here. The core
installs the sink of the bot they belong to (bot.metrics.BotMetrics) with `activate`; a context variable keeps
two bots in one process (as in the tests) apart, and code run outside a bot (the `submit` command without a
bot) records nothing. This module imports nothing of the project, so every layer may use it.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, ParamSpec, Protocol, TypeVar

import httpx

P = ParamSpec("P")
T = TypeVar("T")


class Counter(Protocol):
    def inc(self) -> None: ...
    def dec(self) -> None: ...


class Sink(Protocol):
    """What a bot counts; bot.metrics.BotMetrics is the one implementation."""

    @property
    def uploads_in_flight(self) -> Counter: ...

    def vod_call(self, action: str, outcome: str, seconds: float, code: str | None = None) -> None: ...

    def rate_limit_waited(self, seconds: float) -> None: ...

    def slack_error(self, method: str, error: str) -> None: ...

    def slack_ratelimited(self, method: str) -> None: ...


_active: ContextVar[Sink | None] = ContextVar("aigc_bot_metrics", default=None)


def activate(metrics: Sink) -> None:
    """Make `metrics` the sink for everything run from the current context from now on."""
    _active.set(metrics)


def active() -> Sink | None:
    return _active.get()


# -- recording, called from the modules doing the work ----------------------------------------------------


def _outcome_of(error: BaseException) -> tuple[str, str]:
    """The outcome label and error code of a VOD call that raised, named as bot/tencent/vod.py names them."""
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "unreachable", "ClientError.Network"
    if isinstance(error, httpx.TimeoutException):
        return "timeout", "ClientError.Timeout"
    if isinstance(error, httpx.TransportError):
        return "connection_lost", "ClientError.ConnectionLost"
    return "bad_response", str(getattr(error, "code", None) or "ClientError.BadResponse")


# The histogram is about the paid call's 20/s limit; DescribeTaskDetail has a pace of its own.
SUBMIT_ACTION = "CreateSceneAigcImageTask"


def timed_vod_send(send: Callable[P, Awaitable[dict[str, Any]]]) -> Callable[P, Awaitable[dict[str, Any]]]:
    """Decorates `VodClient._send_once(self, action, body, slot)`: one HTTP call to VOD, its time and outcome,
    and for a rate-limited action the time since its slot was reserved, which is its wait for the limit."""

    @functools.wraps(send)
    async def measured(*args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:
        sink = _active.get()
        if sink is None:
            return await send(*args, **kwargs)
        action = str(args[1] if len(args) > 1 else kwargs.get("action", ""))
        slot = args[3] if len(args) > 3 else kwargs.get("slot")
        reserved_at = getattr(slot, "reserved_at", None)
        if action == SUBMIT_ACTION and isinstance(reserved_at, float):
            sink.rate_limit_waited(max(0.0, time.monotonic() - reserved_at))
        started = time.perf_counter()
        try:
            answer = await send(*args, **kwargs)
        except Exception as error:
            outcome, code = _outcome_of(error)
            sink.vod_call(action, outcome, time.perf_counter() - started, code)
            raise
        error_obj = answer.get("Error")
        refused = str(error_obj.get("Code") or "UnknownError") if isinstance(error_obj, dict) else None
        sink.vod_call(action, "error" if refused else "ok", time.perf_counter() - started, refused)
        return answer

    return measured


def counts_upload(transfer: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Decorates the move of one image from Slack to VOD, so aigc_uploads_in_flight counts it while it runs."""

    @functools.wraps(transfer)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> T:
        sink = _active.get()
        if sink is None:
            return await transfer(*args, **kwargs)
        sink.uploads_in_flight.inc()
        try:
            return await transfer(*args, **kwargs)
        finally:
            sink.uploads_in_flight.dec()

    return counted


def slack_error(method: str, error: str) -> None:
    sink = _active.get()
    if sink is not None:
        sink.slack_error(method, error)


def slack_ratelimited(method: str) -> None:
    sink = _active.get()
    if sink is not None:
        sink.slack_ratelimited(method)
