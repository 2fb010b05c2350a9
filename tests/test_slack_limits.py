"""A Slack that enforces its rate limits: a busy channel loses nothing and mostly stays under the limits.

The fake Slack and the bot's pacer both run 20x faster than Slack's published limits, so a minute of
traffic takes a few seconds; the ratios between them are Slack's.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import RunningBot, make_settings, rows, thread_replies, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_batches import batch_id_of, batch_rows, click_submit, confirmation, csv_file, results_upload, share
from tests.test_health_and_metrics import samples, value
from tests.test_slack_flows import CREATE

SCALE = 20.0
PEOPLE = 20
BATCH_ROWS = 12


@pytest.fixture
def limited(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Iterator[tuple[RunningBot, Settings]]:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_slack_rate_scale=SCALE)
    slack.enforce_limits(scale=SCALE)
    running = RunningBot(settings).start()
    yield running, settings
    running.stop()


def share_429(slack: FakeSlack) -> float:
    return len(slack.ratelimited()) / max(1, len(slack.calls))


def test_twenty_people_in_one_channel_are_all_submitted_once_with_their_task_id_in_their_thread(
    limited: tuple[RunningBot, Settings], slack: FakeSlack, vod: FakeVod
) -> None:
    bot, settings = limited
    with ThreadPoolExecutor(PEOPLE) as senders:
        acks = list(
            senders.map(
                lambda n: bot.command("product https://shop.example/mug.png count=1", user_id=f"U{200 + n}"),
                range(PEOPLE),
            )
        )
    assert [ack.status_code for ack in acks] == [200] * PEOPLE

    def answered() -> bool:
        logged = rows(settings)
        return len(logged) == PEOPLE and all(
            r["task_id"] and any(r["task_id"] in m.get("text", "") for m in thread_replies(slack, r["thread_ts"]))
            for r in logged
        )

    wait_until(answered, timeout=30, what="every TaskId reply in its thread")
    logged = rows(settings)
    assert not [r for r in logged if r["status"] == "failed"]
    assert len(vod.calls(CREATE)) == PEOPLE and len({r["session_id"] for r in logged}) == PEOPLE
    assert share_429(slack) <= 0.05, [c.method for c in slack.ratelimited()]


def test_a_batch_into_one_channel_delivers_every_image_under_the_limits(
    limited: tuple[RunningBot, Settings], slack: FakeSlack, vod: FakeVod
) -> None:
    bot, settings = limited
    lines = [f"product,https://shop.example/item-{n}.png,,,,,1,,," for n in range(BATCH_ROWS)]
    share(bot, slack, csv_file(lines), ts="1700000900.000100")
    message = confirmation(slack, "1700000900.000100")
    click_submit(bot, slack, message)
    results_upload(slack, batch_id_of(message))

    logged = batch_rows(settings)
    assert len(logged) == BATCH_ROWS and {r["status"] for r in logged} == {"done"}
    assert len(vod.calls(CREATE)) == BATCH_ROWS
    images = [u for u in slack.completed_uploads if u["thread_ts"] == "1700000900.000100"]
    assert len(images) == BATCH_ROWS + 1  # one per row, and the results file
    assert share_429(slack) <= 0.05, [c.method for c in slack.ratelimited()]


def test_an_answer_slack_did_not_take_is_posted_again_while_the_bot_runs(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_reply_sweep_seconds=0.3)
    vod.delay_seconds = 1.0
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://a.example/x.png")
        slack.wait_for("chat.postMessage")
        slack.fail_next("chat.postMessage", "fatal_error")  # the TaskId reply: Slack does not take it
        wait_until(lambda: any(c.answer and c.answer.get("error") for c in slack.calls), what="the reply refused")
        time.sleep(0.2)
        row = rows(settings)[0]
        assert row["reply_pending"] and row["task_id"]

        def task_id_reply() -> bool:
            replies = [c for c in thread_replies(slack, row["thread_ts"]) if str(c.get("text")).startswith("Submitted")]
            return len(replies) == 2 and row["task_id"] in replies[1]["text"]

        wait_until(task_id_reply, what="the TaskId reply posted by the sweep")
        wait_until(lambda: not rows(settings)[0]["reply_pending"], what="the answer marked posted")
        assert len(vod.calls(CREATE)) == 1
    finally:
        running.stop()


def test_429s_are_counted_by_method_and_the_pacer_queue_is_shown_in_metrics(
    bot: RunningBot, slack: FakeSlack, settings: Settings
) -> None:
    slack.rate_limit_next("chat.postMessage", retry_after=1)
    began = time.monotonic()
    bot.command("outpaint https://a.example/x.png")
    parent = wait_until(lambda: [c for c in slack.calls if c.method == "chat.postMessage" and c.status == 200])[0]
    assert parent.time - began >= 0.9  # Slack's Retry-After was waited out, not raced
    found = samples(bot)
    assert value(found, "aigc_slack_ratelimited_total", method="chat.postMessage") == 1
    assert ("aigc_slack_pacer_queue_length", frozenset()) in found
    wait_until(lambda: rows(settings)[0]["task_id"], what="the request submitted")
