"""Benchmark 5: how soon after Tencent finishes a task its images reach the thread, within the describe budget.

40 signed /aigc commands reach `aigc-bot serve` at once. The fake VOD gives their tasks durations drawn from
5 s to 120 s (fixed seed), reporting Progress as they run. Lag runs from the moment a task finished at the fake
to the moment its images reached the fake Slack. Every DescribeTaskDetail is stamped as it arrives, for the
calls per task and the busiest second. Targets: p95 lag at most 3 s, busiest second within
AIGC_BOT_DESCRIBE_RATE.

Beside it, the figures of the old fixed schedule (3 s, then x1.6 up to 30 s) on the same durations: its lag
is when that schedule would have seen each task finished, plus the time this run took to post that task.
"""

from __future__ import annotations

import random
import re
import time
from typing import Any

from benchmarks.bot_process import BotProcess, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome, percentile
from benchmarks.slack_load import burst
from benchmarks.submit_rate import busiest_second
from bot.follow.schedule import PollPolicy
from tests.fakes.slack_signing import slash_command_body

TARGET_P95_SECONDS = 3.0
DESCRIBE_RATE = 10
SEED = 20251125
DESCRIBE = "DescribeTaskDetail"
FORM = "application/x-www-form-urlencoded"


def draw_durations(count: int, shortest: float, longest: float) -> list[float]:
    draw = random.Random(SEED)
    return [round(draw.uniform(shortest, longest), 2) for _ in range(count)]


OLD_SCHEDULE = PollPolicy()


def fixed_schedule(duration: float) -> tuple[float, int]:
    """(seconds from finish to the check that sees it, checks made) under the old 3 s x1.6 schedule."""
    policy = OLD_SCHEDULE
    moment, checks = 0.0, 0
    while True:
        moment += policy.delay(checks)
        checks += 1
        if moment >= duration:
            return moment - duration, checks


def _upload_times(calls: list[Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for call in calls:
        if call.method != "files.completeUploadExternal":
            continue
        match = re.search(r"TaskId `([^`]+)`", str(call.args.get("initial_comment", "")))
        if match:
            found.setdefault(match.group(1), call.time)
    return found


def _figures(label: str, lags: list[float]) -> tuple[str, str]:
    p50, p95 = percentile(lags, 0.50), percentile(lags, 0.95)
    return label, f"p50 {p50:.2f} s, p95 {p95:.2f} s, max {max(lags):.2f} s"


def run(host: FakeHost, tasks: int = 40, shortest: float = 5.0, longest: float = 120.0) -> Outcome:
    durations = draw_durations(tasks, shortest, longest)
    seen_before = len(host.get("vod", "requests"))
    host.call("vod", "set_task_durations", durations)
    try:
        with BotProcess(host.urls, AIGC_BOT_DESCRIBE_RATE=str(DESCRIBE_RATE)) as bot:
            bodies = [
                (slash_command_body(f"outpaint https://shop.example/lag-{n}.jpg", user_id=f"UL{n:03d}"), FORM)
                for n in range(tasks)
            ]
            began = time.monotonic()
            burst(bot.port, bodies)
            wait_for_rows(bot.db, {"done", "failed"}, tasks, timeout=longest + 60)
            took = time.monotonic() - began
    finally:
        host.call("vod", "set_task_durations", [])
    finished: dict[str, float] = host.call("vod", "finish_times")
    arrived = _upload_times(host.get("slack", "calls"))
    describes = [r for r in host.get("vod", "requests")[seen_before:] if r.action == DESCRIBE and r.accepted]
    by_task: dict[str, list[float]] = {}
    for call in describes:
        by_task.setdefault(str(call.body.get("TaskId")), []).append(call.time)
    ours = [task for task in arrived if task in finished]
    lags = [arrived[task] - finished[task] for task in ours]
    # Posting time per task: from the check that saw it finished to its images in Slack.
    posting = {t: arrived[t] - min(m for m in by_task[t] if m >= finished[t]) for t in ours}
    lengths: dict[str, float] = host.call("vod", "timed_lengths")
    old = {t: fixed_schedule(lengths[t]) for t in ours}
    old_lags = [old[t][0] + posting[t] for t in ours]
    checks = [len(by_task[t]) for t in ours]
    busiest = busiest_second(sorted(m for t in ours for m in by_task[t]))
    p95 = percentile(lags, 0.95) if lags else float("inf")
    old_p95 = percentile(old_lags, 0.95) if old_lags else float("inf")
    return Outcome(
        name=f"Result lag: {tasks} tasks of {shortest:.0f}-{longest:.0f} s submitted at once, "
        f"AIGC_BOT_DESCRIBE_RATE={DESCRIBE_RATE}",
        target=f"p95 from Tencent's finish to the images in the thread at most {TARGET_P95_SECONDS:.0f} s; "
        f"busiest second of DescribeTaskDetail at most {DESCRIBE_RATE}",
        passed=len(ours) == tasks and p95 <= TARGET_P95_SECONDS and busiest <= DESCRIBE_RATE,
        figures=[
            ("results in the thread", f"{len(ours)}/{tasks} in {took:.1f} s"),
            _figures("lag, this schedule", lags),
            _figures("lag, old fixed schedule", old_lags),
            ("p95 lag old/new", f"{old_p95 / p95:.1f}x" if p95 > 0 else "n/a"),
            ("DescribeTaskDetail per task, this schedule", _spread(checks)),
            ("DescribeTaskDetail per task, old schedule", _spread([old[t][1] for t in ours])),
            ("busiest second of DescribeTaskDetail", f"{busiest} calls"),
        ],
    )


def _spread(counts: list[int]) -> str:
    if not counts:
        return "n/a"
    return f"mean {sum(counts) / len(counts):.1f}, max {max(counts)}"
