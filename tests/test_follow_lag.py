"""Results reach the thread soon after Tencent finishes, within the DescribeTaskDetail budget, with progress.

Tasks here are the fake VOD's timed tasks: WAITING, then PROCESSING with Progress rising on the wall clock,
then FINISH. Lag is measured from the moment the fake finished a task to the moment the fake Slack received
its images.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import re
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.report import percentile
from benchmarks.submit_rate import busiest_second
from bot.follow.follower import Follower
from bot.follow.schedule import PollPolicy
from bot.store.db import RequestLog, Status, iso, utc_now
from bot.store.export import created_between
from bot.tencent.ratelimit import describe_limiter
from bot.tencent.vod import VodClient
from tests.conftest import (
    BOT_TOKEN,
    SECRET_ID,
    SECRET_KEY,
    SUB_APP_ID,
    RunningBot,
    make_settings,
    rows,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod

DESCRIBE = "DescribeTaskDetail"
# Everything that sets the pace, a fifth of its real size, so a minute of tasks takes twelve seconds.
SCALE = 0.2
SCALED_POLICY = PollPolicy(
    first_delay=3.0 * SCALE,
    max_delay=30.0 * SCALE,
    dense_delay=2.0 * SCALE,
    blind_delay=2.4 * SCALE,
    expected_earliest=5.0 * SCALE,
    expected_latest=120.0 * SCALE,
    describe_rate=10.0 / SCALE,
)


def upload_times(slack: FakeSlack) -> dict[str, float]:
    """When the images of each TaskId reached Slack (the TaskId is named in the upload's comment)."""
    with slack.lock:
        calls = [c for c in slack.calls if c.method == "files.completeUploadExternal"]
    found: dict[str, float] = {}
    for call in calls:
        match = re.search(r"TaskId `([^`]+)`", str(call.args.get("initial_comment", "")))
        if match:
            found.setdefault(match.group(1), call.time)
    return found


def describe_arrivals(vod: FakeVod) -> dict[str, list[float]]:
    with vod.lock:
        calls = [r for r in vod.requests if r.action == DESCRIBE and r.accepted]
    arrivals: dict[str, list[float]] = {}
    for call in calls:
        arrivals.setdefault(str(call.body.get("TaskId")), []).append(call.time)
    return arrivals


def add_submitted_row(log_db: RequestLog, task_id: str, parent_ts: str | None, index: int) -> int:
    """A row as the pipeline leaves it once Tencent has answered with a TaskId."""
    row_id = log_db.claim(
        {"source": "slash_command", "team_id": "T0001", "user_id": "U100", "dedupe_key": f"lag-{index}"}
    )
    assert row_id is not None
    log_db.update(
        row_id,
        status=Status.SUBMITTED,
        channel_id="C100",
        scene="outpaint",
        image_count=1,
        options_json="{}",
        task_id=task_id,
        thread_ts=parent_ts,
        parent_ts=parent_ts,
        submitted_at=iso(utc_now()),
    )
    return row_id


def test_mixed_durations_reach_the_thread_within_the_lag_target_on_a_scaled_clock(
    tmp_path: Path, vod: FakeVod, slack: FakeSlack
) -> None:
    draw = random.Random(11)
    # 5 s to 30 s, spread evenly on a log scale, then scaled.
    durations = [SCALE * math.exp(draw.uniform(math.log(5), math.log(30))) for _ in range(12)]
    log_db = RequestLog(tmp_path / "log.db")

    async def scenario() -> None:
        async with httpx.AsyncClient() as http:
            client = VodClient(
                secret_id=SECRET_ID,
                secret_key=SecretStr(SECRET_KEY),
                sub_app_id=SUB_APP_ID,
                endpoint=vod.url,
                http=http,
                describe_limiter=describe_limiter(SCALED_POLICY.describe_rate),
            )
            web = AsyncWebClient(token=BOT_TOKEN, base_url=f"{slack.url}/api/")
            follower = Follower(vod=client, log_db=log_db, slack=web, http=http, policy=SCALED_POLICY)
            running = asyncio.create_task(follower.run())
            for index, seconds in enumerate(durations):
                parent = await web.chat_postMessage(channel="C100", text="working")
                row_id = add_submitted_row(log_db, vod.add_task(duration=seconds), str(parent["ts"]), index)
                await follower.track(row_id)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(upload_times(slack)) < len(durations):
                await asyncio.sleep(0.1)
            await follower.stop(timeout=5)
            running.cancel()

    try:
        asyncio.run(scenario())
        statuses = [r["status"] for r in created_between(log_db)]
    finally:
        log_db.close()  # a failed run must not leave the log open for a later test to trip over
    finished, arrived = vod.finish_times(), upload_times(slack)
    assert set(arrived) == set(finished), "every task's images reached the thread"
    lags = [arrived[task] - finished[task] for task in finished]
    assert min(lags) > 0
    # 3 s at full scale; the time to post the images does not shrink with the clock, so it is allowed apart.
    assert percentile(lags, 0.95) <= 3.0 * SCALE + 0.15, sorted(round(lag, 2) for lag in lags)
    assert all(status == Status.DONE for status in statuses)


def test_four_rounds_of_the_budget_in_followed_tasks_share_it_without_a_limit_error(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    # Four times as many tasks as the budget checks in a second. Kept small enough that the bot and the fake,
    # sharing one process, keep to it while other tests use the CPU too.
    rate = 25
    vod.describe_rate_limit_per_second = rate
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_describe_rate=float(rate))
    log_db = RequestLog(settings.aigc_bot_db)
    tasks = [vod.add_task(duration=120.0) for _ in range(4 * rate)]
    for index, task_id in enumerate(tasks):
        row_id = add_submitted_row(log_db, task_id, None, index)
        log_db.update(row_id, follow_next_at=iso(utc_now()))
    log_db.close()
    began = time.monotonic()
    bot = RunningBot(settings).start()
    try:

        def checked_twice_each() -> bool:
            # One pass over the fake's log per poll: a pass per task would hold the fake's lock (and the CPU)
            # the bot and the fake need to keep to the budget.
            arrivals = describe_arrivals(vod)
            return all(len(arrivals.get(t, [])) >= 2 for t in tasks)

        wait_until(checked_twice_each, timeout=20, what="2 checks each")
    finally:
        bot.stop()
    arrivals = describe_arrivals(vod)
    every_call = sorted(moment for moments in arrivals.values() for moment in moments)
    assert busiest_second(every_call) <= rate
    assert vod.describe_rate_limited == 0
    # Each task waits at most its turn in a full round of the budget, plus its own delay, between two checks.
    round_seconds = len(tasks) / rate
    gaps = [later - earlier for m in arrivals.values() for earlier, later in itertools.pairwise(m)]
    assert max(gaps) <= round_seconds + settings.aigc_bot_follow_max_delay + 1.0
    assert max(arrivals[t][0] for t in tasks) - began <= round_seconds + 5.0
    shown = [str(c.args) for c in slack.calls if c.method in ("chat.postMessage", "chat.update")]
    assert not [text for text in shown if "Limit" in text or "limit" in text]


def parent_updates(slack: FakeSlack, parent_ts: str) -> list[tuple[float, str]]:
    with slack.lock:
        calls = [c for c in slack.calls if c.method == "chat.update" and c.args.get("ts") == parent_ts]
    return [(c.time, str(c.args.get("text", ""))) for c in calls]


def test_the_parent_shows_a_queue_hint_then_a_progress_bar_no_more_than_every_five_seconds(
    bot: RunningBot, vod: FakeVod, slack: FakeSlack, settings: Any
) -> None:
    vod.set_task_durations([8.0])
    bot.command("outpaint https://shop.example/a.jpg", user_id="U1")
    long_task = wait_status(settings, Status.SUBMITTED)[0]
    vod.set_task_durations([2.0], waiting_seconds=6.0)
    bot.command("outpaint https://shop.example/b.jpg", user_id="U2")
    queued = wait_until(lambda: [r for r in rows(settings) if r["user_id"] == "U2" and r["task_id"]], what="2nd")[0]
    wait_until(lambda: len([r for r in rows(settings) if r["delivered_at"]]) == 2, timeout=20, what="both results")
    finished = vod.finish_times()

    updates = parent_updates(slack, long_task["parent_ts"])
    bars = [(moment, text) for moment, text in updates if "▓" in text or "░" in text]
    assert bars, updates
    for (earlier, _), (later, text) in itertools.pairwise(updates):
        assert later - earlier >= 4.9 or ":white_check_mark: done" in text, updates
    shares = [int(re.search(r"(\d+)% ", text).group(1)) for _, text in bars]  # type: ignore[union-attr]
    assert 0 < shares[0] < 100
    assert re.search(r":hourglass: \d+% [▓░]{10} 0:\d\d", bars[0][1])
    done_at, done_text = updates[-1]
    assert ":white_check_mark: done" in done_text and "%" not in done_text
    assert done_at - finished[long_task["task_id"]] <= 3.0

    hints = [text for _, text in parent_updates(slack, queued["parent_ts"])]
    assert any("queued" in text for text in hints), hints
    assert ":white_check_mark: done" in hints[-1]


def test_a_restart_keeps_each_task_s_planned_check_and_learns_from_the_logged_durations(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_follow_max_delay=30.0)
    log_db = RequestLog(settings.aigc_bot_db)
    for index, seconds in enumerate((6.0, 6.5, 7.0)):  # outpainting took 6 to 7 s lately
        row_id = log_db.claim({"source": "slash_command", "dedupe_key": f"old-{index}", "scene": "outpaint"})
        assert row_id is not None
        log_db.update(row_id, status=Status.DONE, duration_seconds=seconds, options_json="{}")
    log_db.close()
    vod.set_task_durations([5.0], report_progress=False)
    first = RunningBot(settings).start()
    first.command("outpaint https://shop.example/banner.jpg")
    row = wait_status(settings, Status.SUBMITTED)[0]
    planned = wait_until(lambda: rows(settings)[-1]["follow_next_at"], what="first check planned")
    first.stop()
    second = RunningBot(settings).start()
    try:
        wait_until(lambda: rows(settings)[-1]["delivered_at"], timeout=15, what="result after restart")
    finally:
        second.stop()
    task_id = rows(settings)[-1]["task_id"]
    checks = describe_arrivals(vod)[task_id]
    # Sparse early: similar tasks took 6 s or more, so the first check waited for well past the usual 0.2 s.
    lead = (datetime_of(planned) - datetime_of(row["submitted_at"])).total_seconds()
    assert lead >= 2.0
    first_check_wall = time.time() - (time.monotonic() - checks[0])
    assert first_check_wall >= datetime_of(planned).timestamp() - 0.05
    assert len(checks) <= 4, "dense only around the expected finish"
    assert upload_times(slack)[task_id] - vod.finish_times()[task_id] <= 3.0


def datetime_of(text: str) -> Any:
    from bot.store.db import parse_iso

    return parse_iso(text)
