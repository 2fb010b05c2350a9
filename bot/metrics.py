"""Prometheus metrics of one running bot, kept in a registry of its own.

The modules doing the work record through the functions at the bottom of this file. They find the metrics of
the bot they belong to through a context variable set when that bot is built, so two bots in one process (as in
the tests) never count each other's work, and code run outside a bot (the `submit` command) records nothing.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

import httpx
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.db import FOLLOWING_STATUSES, RequestLog, parse_iso, utc_now
from bot.scenes import SCENE_TYPES

P = ParamSpec("P")
T = TypeVar("T")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Waits for the 20/s window are milliseconds when calm and whole seconds under a burst.
RATE_LIMIT_BUCKETS = (0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
# From Tencent's finish to the images in the thread: one poll delay plus download and upload, up to minutes.
RESULT_LAG_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0, 900.0, 1800.0)
VOD_CALL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
# Label values outside these sets (a scene typed by a user, say) are folded into one, so no user text and no
# unbounded number of series ever reaches Prometheus.
OTHER = "other"


def _scene_label(scene: str | None) -> str:
    if not scene:
        return "none"
    return scene if scene in SCENE_TYPES else OTHER


class RequestLogCollector(Collector):
    """Counts read from the SQLite log at scrape time: always equal to the log, across restarts and processes."""

    def __init__(self, log_db: RequestLog) -> None:
        self.log_db = log_db

    def describe(self) -> Iterable[Metric]:
        # Describing without querying lets the registry check names when this collector is registered.
        yield GaugeMetricFamily("aigc_requests_total", "", labels=["source", "scene", "status"])
        yield GaugeMetricFamily("aigc_tasks_followed", "")

    def collect(self) -> Iterable[Metric]:
        by_status = GaugeMetricFamily(
            "aigc_requests_total",
            "Logged requests by where they came from, their scene and the status they are in now",
            labels=["source", "scene", "status"],
        )
        totals: dict[tuple[str, str, str], int] = {}
        for row in self.log_db.query(
            "SELECT source, scene, status, COUNT(*) AS n FROM requests GROUP BY source, scene, status"
        ):
            key = (str(row["source"]), _scene_label(row["scene"]), str(row["status"]))
            totals[key] = totals.get(key, 0) + int(row["n"])
        for labels, count in sorted(totals.items()):
            by_status.add_metric(list(labels), count)
        yield by_status
        marks = ", ".join("?" for _ in FOLLOWING_STATUSES)
        followed = self.log_db.query(
            f"SELECT COUNT(*) AS n FROM requests WHERE status IN ({marks})", list(FOLLOWING_STATUSES)
        )
        yield GaugeMetricFamily(
            "aigc_tasks_followed",
            "Tasks submitted to Tencent whose result the bot is still waiting for",
            value=int(followed[0]["n"]),
        )


class BotMetrics:
    """Every metric of one bot; `render()` is the body of its /metrics page."""

    def __init__(self, log_db: RequestLog) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(RequestLogCollector(log_db))
        ProcessCollector(registry=self.registry)
        self.vod_calls = Counter(
            "aigc_vod_calls",
            "HTTP calls to the VOD API by action and outcome (ok, error, timeout, unreachable, connection_lost, "
            "bad_response); each retry counts",
            ["action", "outcome"],
            registry=self.registry,
        )
        self.vod_call_seconds = Histogram(
            "aigc_vod_call_seconds",
            "Time from sending a VOD API call to its answer",
            ["action"],
            buckets=VOD_CALL_BUCKETS,
            registry=self.registry,
        )
        self.vod_errors = Counter(
            "aigc_vod_errors",
            "VOD calls that failed, by Tencent's error code or the bot's ClientError code",
            ["code"],
            registry=self.registry,
        )
        self.rate_limit_wait = Histogram(
            "aigc_rate_limit_wait_seconds",
            "Time a CreateSceneAigcImageTask call waited for its place under the 20/s limit",
            buckets=RATE_LIMIT_BUCKETS,
            registry=self.registry,
        )
        self.uploads_in_flight = Gauge(
            "aigc_uploads_in_flight",
            "Images moving from Slack to VOD right now",
            registry=self.registry,
        )
        self.result_lag = Histogram(
            "aigc_result_lag_seconds",
            "Time from Tencent finishing a task to its images being posted in the Slack thread",
            buckets=RESULT_LAG_BUCKETS,
            registry=self.registry,
        )
        self.slack_errors = Counter(
            "aigc_slack_errors",
            "Slack Web API calls that failed, by method and Slack's error (connection_failed when Slack was not "
            "reached)",
            ["method", "error"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def vod_call(self, action: str, outcome: str, seconds: float, code: str | None = None) -> None:
        self.vod_calls.labels(action=action, outcome=outcome).inc()
        self.vod_call_seconds.labels(action=action).observe(seconds)
        if code:
            self.vod_errors.labels(code=code).inc()


_active: ContextVar[BotMetrics | None] = ContextVar("aigc_bot_metrics", default=None)


def activate(metrics: BotMetrics) -> None:
    """Make `metrics` the sink for everything run from the current context from now on."""
    _active.set(metrics)


def active() -> BotMetrics | None:
    return _active.get()


# -- recording, called from the modules doing the work ----------------------------------------------------


def _outcome_of(error: BaseException) -> tuple[str, str]:
    """The outcome label and error code of a VOD call that raised, named as bot/vod.py names them."""
    if isinstance(error, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return "unreachable", "ClientError.Network"
    if isinstance(error, httpx.TimeoutException):
        return "timeout", "ClientError.Timeout"
    if isinstance(error, httpx.TransportError):
        return "connection_lost", "ClientError.ConnectionLost"
    return "bad_response", str(getattr(error, "code", None) or "ClientError.BadResponse")


# The histogram is about the paid call's 20/s limit; DescribeTaskDetail has a pace of its own.
SUBMIT_ACTION = "CreateSceneAigcImageTask"


def timed_vod_send(
    send: Callable[P, Awaitable[dict[str, Any]]],
) -> Callable[P, Awaitable[dict[str, Any]]]:
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
            sink.rate_limit_wait.observe(max(0.0, time.monotonic() - reserved_at))
        started = time.perf_counter()
        try:
            answer = await send(*args, **kwargs)
        except Exception as error:
            outcome, code = _outcome_of(error)
            sink.vod_call(action, outcome, time.perf_counter() - started, code)
            raise
        error_obj = answer.get("Error")
        if isinstance(error_obj, dict):
            sink.vod_call(action, "error", time.perf_counter() - started, str(error_obj.get("Code") or "UnknownError"))
        else:
            sink.vod_call(action, "ok", time.perf_counter() - started)
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


def result_in_thread(tencent_finish_time: str | None, now: datetime | None = None) -> None:
    """A task's images were just posted in its thread; `tencent_finish_time` is VOD's FinishTime."""
    sink = _active.get()
    if sink is None or not tencent_finish_time:
        return
    try:
        finished = parse_iso(tencent_finish_time)
    except ValueError:
        return
    if finished.tzinfo is None:
        return
    sink.result_lag.observe(max(0.0, ((now or utc_now()) - finished).total_seconds()))


def slack_error(method: str, error: str) -> None:
    sink = _active.get()
    if sink is not None:
        sink.slack_errors.labels(method=method, error=error).inc()
