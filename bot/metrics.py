"""Prometheus metrics of one running bot, kept in a registry of its own.

The modules doing the work record through bot/observe.py (and `result_in_thread` below). They find the metrics
of the bot they belong to through a context variable set when that bot is built, so two bots in one process (as
in the tests) never count each other's work, and code run outside a bot (the `submit` command) records nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot import wording
from bot.observe import active
from bot.store.counts import status_counts
from bot.store.db import FOLLOWING_STATUSES, RequestLog, parse_iso, utc_now
from bot.tencent.scenes import SCENE_TYPES

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
    """Counts read from the SQLite log at scrape time: always equal to the log, across restarts and processes.

    They come from the tally the log keeps of its statuses (bot/store/tally.py): a few dozen rows, read in well
    under a millisecond whatever the size of the log, never a count over `requests`. Read on this thread's read
    connection (`RequestLog.reader`), since /metrics renders on the log's read threads.
    """

    def __init__(self, log_db: RequestLog) -> None:
        self.log_db = log_db

    def describe(self) -> Iterable[Metric]:
        # Describing without querying lets the registry check names when this collector is registered.
        yield GaugeMetricFamily("aigc_requests_total", "", labels=["source", "scene", "status"])
        yield GaugeMetricFamily("aigc_tasks_followed", "")

    def collect(self) -> Iterable[Metric]:
        by_status = GaugeMetricFamily(
            "aigc_requests_total", wording.metrics.REQUESTS_TOTAL, labels=["source", "scene", "status"]
        )
        totals: dict[tuple[str, str, str], int] = {}
        followed = 0
        for counted in status_counts(self.log_db.reader()):
            key = (counted.source, _scene_label(counted.scene), counted.status)
            totals[key] = totals.get(key, 0) + counted.total
            followed += counted.total if counted.status in FOLLOWING_STATUSES else 0
        for labels, count in sorted(totals.items()):
            by_status.add_metric(list(labels), count)
        yield by_status
        yield GaugeMetricFamily("aigc_tasks_followed", wording.metrics.TASKS_FOLLOWED, value=followed)


class BotMetrics:
    """Every metric of one bot; `render()` is the body of its /metrics page."""

    def __init__(self, log_db: RequestLog) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(RequestLogCollector(log_db))
        ProcessCollector(registry=self.registry)
        counter = functools.partial(Counter, registry=self.registry)
        gauge = functools.partial(Gauge, registry=self.registry)
        histogram = functools.partial(Histogram, registry=self.registry)
        self.vod_calls = counter("aigc_vod_calls", wording.metrics.VOD_CALLS, ["action", "outcome"])
        self.vod_call_seconds = histogram(
            "aigc_vod_call_seconds", wording.metrics.VOD_CALL_SECONDS, ["action"], buckets=VOD_CALL_BUCKETS
        )
        self.vod_errors = counter("aigc_vod_errors", wording.metrics.VOD_ERRORS, ["code"])
        self.rate_limit_wait = histogram(
            "aigc_rate_limit_wait_seconds", wording.metrics.RATE_LIMIT_WAIT_SECONDS, buckets=RATE_LIMIT_BUCKETS
        )
        self.uploads_in_flight = gauge("aigc_uploads_in_flight", wording.metrics.UPLOADS_IN_FLIGHT)
        self.result_lag = histogram(
            "aigc_result_lag_seconds", wording.metrics.RESULT_LAG_SECONDS, buckets=RESULT_LAG_BUCKETS
        )
        self.slack_errors = counter("aigc_slack_errors", wording.metrics.SLACK_ERRORS, ["method", "error"])
        self.slack_ratelimited_calls = counter("aigc_slack_ratelimited", wording.metrics.SLACK_RATELIMITED, ["method"])
        self.slack_pacer_queue = gauge("aigc_slack_pacer_queue_length", wording.metrics.SLACK_PACER_QUEUE_LENGTH)

    def render(self) -> bytes:
        return generate_latest(self.registry)

    def slack_ratelimited(self, method: str) -> None:
        self.slack_ratelimited_calls.labels(method=method).inc()

    def rate_limit_waited(self, seconds: float) -> None:
        self.rate_limit_wait.observe(seconds)

    def slack_error(self, method: str, error: str) -> None:
        self.slack_errors.labels(method=method, error=error).inc()

    def vod_call(self, action: str, outcome: str, seconds: float, code: str | None = None) -> None:
        self.vod_calls.labels(action=action, outcome=outcome).inc()
        self.vod_call_seconds.labels(action=action).observe(seconds)
        if code:
            self.vod_errors.labels(code=code).inc()


def result_in_thread(tencent_finish_time: str | None) -> None:
    """A task's images were just posted in its thread; `tencent_finish_time` is VOD's FinishTime."""
    sink = active()
    if not isinstance(sink, BotMetrics) or not tencent_finish_time:
        return
    try:
        finished = parse_iso(tencent_finish_time)
    except ValueError:
        return
    if finished.tzinfo is None:
        return
    sink.result_lag.observe(max(0.0, (utc_now() - finished).total_seconds()))
