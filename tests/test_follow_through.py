"""After the TaskId: the result in the thread, status, history, usage, buttons, restarts and events."""

from __future__ import annotations

import asyncio
import gc
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.tencent.models import build_request
from bot.tencent.vod import VodClient
from tests.conftest import (
    SECRET_ID,
    SECRET_KEY,
    SUB_APP_ID,
    RunningBot,
    make_settings,
    result_action,
    rows,
    slack_argument,
    thread_replies,
    wait_finished,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod

CREATE = "CreateSceneAigcImageTask"
DONE = ":white_check_mark: done"


def completed_uploads(slack: FakeSlack) -> list[dict[str, Any]]:
    return slack.calls_to("files.completeUploadExternal")


def test_generated_images_arrive_in_the_thread_and_the_parent_reads_done(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("product https://shop.example/mug.png on marble count=2")
    wait_until(lambda: [r for r in rows(settings) if r["delivered_at"]], what="delivery")
    row = rows(settings)[0]
    upload = wait_until(lambda: completed_uploads(slack), what="files uploaded")[0]
    assert upload["channel_id"] == "C100" and upload["thread_ts"] == row["thread_ts"]
    files = slack_argument(upload["files"])
    titles = [f.get("title", "") for f in files]
    assert titles == [f"product-{row['task_id']}-1.png", f"product-{row['task_id']}-2.png"]
    assert "on marble" in upload.get("initial_comment", "")
    assert all(data.startswith(b"\x89PNG") for data in slack.uploaded_bytes())
    update = wait_until(
        lambda: [u for u in slack.calls_to("chat.update") if ":white_check_mark: done" in u["text"]], what="parent done"
    )[-1]
    assert update["ts"] == row["parent_ts"]
    outputs = json.loads(row["output_json"])
    assert len(outputs) == 2 and all(o["url"].startswith(vod.url) for o in outputs)
    assert row["finished_at"] and row["duration_seconds"] >= 0
    buttons = [c for c in slack.calls_to("chat.postMessage") if "aigc_run_again" in json.dumps(c.get("blocks", []))]
    assert buttons, "the result carries Refresh status and Run again buttons"


def test_a_failed_task_is_explained_in_the_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.set_task_script(
        "*",
        [
            {"Status": "PROCESSING", "Progress": 10},
            {"Status": "FINISH", "ErrCode": 70000, "Message": "no person found in the image"},
        ],
    )
    bot.command("outpaint https://shop.example/banner.jpg")
    row = wait_status(settings, "failed")[0]
    assert row["error_code"] == "TaskFailed.70000"
    failure = wait_until(
        lambda: [c for c in slack.calls_to("chat.postMessage") if "task failed" in c["text"].lower()],
        what="failure message",
    )[0]
    assert failure["thread_ts"] == row["thread_ts"] and "no person found" in failure["text"]
    wait_until(lambda: [u for u in slack.calls_to("chat.update") if ":x: failed" in u["text"]], what="parent failed")
    assert completed_uploads(slack) == []


def test_restart_while_processing_still_delivers_exactly_once(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    vod.set_task_script(
        "*", [{"Status": "PROCESSING", "Progress": p} for p in (10, 20, 30, 40, 50, 60)] + [{"Status": "FINISH"}]
    )
    first = RunningBot(settings).start()
    first.command("outpaint https://shop.example/banner.jpg")
    wait_status(settings, "submitted")
    wait_until(lambda: len(vod.calls("DescribeTaskDetail")) >= 1, what="first poll")
    first.stop()
    assert completed_uploads(slack) == []
    second = RunningBot(settings).start()
    try:
        wait_finished(settings)
    finally:
        second.stop()  # lets work in flight finish: from here the counts are final
    assert len(completed_uploads(slack)) == 1
    assert len(vod.calls(CREATE)) == 1


def test_status_history_and_usage(bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings) -> None:
    bot.command("outpaint https://shop.example/a.jpg", user_id="U1")
    bot.command("product https://shop.example/b.jpg", user_id="U1")
    bot.command("product https://shop.example/c.jpg", user_id="U2")
    done = wait_status(settings, "done", 3)
    task_id = done[0]["task_id"]

    bot.command(f"status {task_id}", response_url=slack.response_url("status"))
    status = wait_until(lambda: [r for r in slack.responses if r["name"] == "status"], what="status")[0]
    assert task_id in status["body"]["text"] and "· done" in status["body"]["text"]

    async def outside_task() -> str:
        async with VodClient(
            secret_id=SECRET_ID, secret_key=SecretStr(SECRET_KEY), sub_app_id=SUB_APP_ID, endpoint=vod.url
        ) as api:
            data = {
                "SubAppId": SUB_APP_ID,
                "SceneInfo": {"Type": "outpainting"},
                "FileInfos": [{"Type": "Url", "Url": "https://x.example/y.png"}],
            }
            return (await api.create_scene_aigc_image_task(build_request(data))).task_id

    foreign = asyncio.run(outside_task())
    bot.command(f"status {foreign}", response_url=slack.response_url("foreign"))
    answer = wait_until(lambda: [r for r in slack.responses if r["name"] == "foreign"], what="foreign status")[0]
    assert foreign in answer["body"]["text"] and "PROCESSING" in answer["body"]["text"]

    bot.command("history", user_id="U1", response_url=slack.response_url("history"))
    history = wait_until(lambda: [r for r in slack.responses if r["name"] == "history"], what="history")[0]["body"][
        "text"
    ]
    mine = [r["task_id"] for r in rows(settings) if r["user_id"] == "U1"]
    assert history.count("\n• ") == 2 and all(t in history for t in mine)
    assert "https://acme.slack.com/archives/C100/p" in history

    bot.command("usage", response_url=slack.response_url("usage"))
    usage = wait_until(lambda: [r for r in slack.responses if r["name"] == "usage"], what="usage")[0]["body"]["text"]
    assert "*Today:* 3 task(s)" in usage and "*This month:* 3 task(s)" in usage
    assert "<@U1> 2" in usage and "<@U2> 1" in usage
    assert "AI product image 2" in usage and "AI outpainting 1" in usage


def test_run_again_submits_exactly_once_more_with_a_new_session_id(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("product https://shop.example/mug.png studio count=2")
    original = wait_status(settings, "done")[0]
    assert bot.interactive(result_action(original, "aigc_run_again", slack, "1700000500.1")).status_code == 200
    bot.interactive(result_action(original, "aigc_run_again", slack, "1700000500.2"))  # a double click
    wait_until(lambda: len([r for r in rows(settings) if r["rerun_of"] == original["id"]]) == 1, what="rerun row")
    # Both clicks were logged (or refused) before they were answered, and both rows have run to their end.
    assert len(rows(settings)) == 2
    wait_finished(settings, 2)
    first, second = vod.calls(CREATE)
    assert second["SessionId"] != first["SessionId"]
    assert {k: v for k, v in second.items() if k not in ("SessionId", "SessionContext")} == {
        k: v for k, v in first.items() if k not in ("SessionId", "SessionContext")
    }
    rerun = next(r for r in rows(settings) if r["rerun_of"] == original["id"])
    assert rerun["thread_ts"] == original["thread_ts"] and rerun["source"] == "rerun"
    # The double click is explained to the clicker alone, not in the thread.
    [told] = wait_until(lambda: slack.responses_to("act-1700000500.2"), what="the note to the double clicker")
    assert "same request a few seconds ago" in told["text"] and told["response_type"] == "ephemeral"
    assert not [m for m in slack.messages if "same request" in str(m.get("text"))]


def test_refresh_status_answers_the_clicker(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("outpaint https://shop.example/a.jpg")
    row = wait_status(settings, "done")[0]
    bot.interactive(result_action(row, "aigc_refresh", slack, "1700000600.1"))
    answer = wait_until(lambda: [r for r in slack.responses if r["name"] == "act-1700000600.1"], what="refresh")[0]
    assert row["task_id"] in answer["body"]["text"]
    assert answer["body"].get("response_type") == "ephemeral"


def test_event_mode_delivers_from_pull_events_and_confirms(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_follow_mode="events")
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://shop.example/banner.jpg")
        row = wait_status(settings, "submitted")[0]
        vod.finish_task(row["task_id"], success=True)
        wait_finished(settings)
        wait_until(lambda: vod.calls("ConfirmEvents"), what="events confirmed")
    finally:
        running.stop()  # lets work in flight finish: from here the counts are final
    assert len(completed_uploads(slack)) == 1
    assert vod.calls("DescribeTaskDetail") == []


def test_a_result_cut_off_mid_delivery_is_posted_after_restart(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    first = RunningBot(settings).start()
    first.command("outpaint https://shop.example/banner.jpg")
    row = wait_status(settings, "submitted")[0]
    first.stop()
    # As if the bot had recorded the result and then died before posting it.
    from bot.store.db import RequestLog, iso, utc_now

    log_db = RequestLog(settings.aigc_bot_db)
    log_db.update(row["id"], status="done", finished_at=iso(utc_now()), follow_next_at=None)
    log_db.close()
    vod.set_task_script(row["task_id"], [{"Status": "FINISH"}])
    with vod.lock:
        vod.tasks[row["task_id"]].script = [{"Status": "FINISH"}]
    second = RunningBot(settings).start()
    try:
        wait_finished(settings)  # delivered, and the lease taken for redelivery released
    finally:
        second.stop()  # lets work in flight finish: from here the counts are final
    assert len(completed_uploads(slack)) == 1


def test_a_stop_while_the_parent_waits_to_read_done_leaves_it_to_the_next_start(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos, caplog: pytest.LogCaptureFixture
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_shutdown_seconds=1.0)
    vod.set_task_durations([1.5])
    first = RunningBot(settings).start()
    first.command("outpaint https://shop.example/banner.jpg")
    submitted = wait_status(settings, "submitted")[0]
    wait_until(lambda: thread_replies(slack, submitted["thread_ts"]), what="the TaskId reply")
    # Slack says "slow down" to the next edit of a message: every edit of the parent, its last one included,
    # then waits half a minute, and the stop comes while the result is in the thread but the parent is not done.
    slack.rate_limit_next("chat.update", retry_after=30)
    wait_until(
        lambda: [c for c in slack.calls_to("chat.postMessage") if str(c.get("text", "")).startswith("Done.")],
        what="the result in the thread",
    )
    first.stop()
    del first
    gc.collect()  # a task the stop left pending would be destroyed here, mid-await, and log its failure
    second = RunningBot(settings).start()
    try:
        wait_finished(settings)
        parent = wait_until(
            lambda: [m for m in slack.messages if m["ts"] == submitted["parent_ts"] and m["text"].endswith(DONE)],
            what="the parent reading done",
        )
    finally:
        second.stop()
    assert parent and len(completed_uploads(slack)) == 1
    # The stop cut the waiting edit off cleanly: no failure logged for it, no task left to die with the loop.
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_channel_the_bot_cannot_post_in_does_not_make_delivery_retry_forever(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    slack.fail_next("chat.postMessage", error="not_in_channel", times=50)
    slack.fail_next("files.completeUploadExternal", error="not_in_channel", times=50)
    bot.command("outpaint https://shop.example/b.jpg", channel_id="CPRIV", response_url=slack.response_url("priv"))
    # Delivery is recorded although Slack refused the post, and the row is left where no worker takes it again.
    [row] = wait_finished(settings)
    assert row["status"] == "done" and json.loads(row["output_json"])[0]["url"].startswith("http")
    bot.stop()  # lets work in flight finish: from here the counts are final
    assert len(slack.calls_to("files.completeUploadExternal")) == 1
    answers = [r["body"].get("text", "") for r in slack.responses if r["name"] == "priv"]
    assert "/invite @aigc" in answers[0] and any("TaskId" in a for a in answers)


def test_when_the_note_after_the_images_fails_the_retry_posts_the_note_and_not_the_images_again(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.set_task_durations([1.5])
    bot.command("outpaint https://shop.example/c.jpg")
    submitted = wait_status(settings, "submitted")[0]
    wait_until(lambda: thread_replies(slack, submitted["thread_ts"]), what="the TaskId reply")
    slack.fail_next("chat.postMessage", error="internal_error")  # the next post is the note under the images
    row = wait_until(lambda: next((r for r in rows(settings) if r["delivered_at"]), None), what="delivery recorded")
    shared = [u for u in slack.completed_uploads if u["thread_ts"] == row["thread_ts"]]
    assert len(shared) == 1, "the images were posted once"
    notes = [c for c in slack.calls_to("chat.postMessage") if str(c.get("text", "")).startswith("Done.")]
    assert len(notes) == 2 and row["images_posted_at"], "the refused note was posted again, alone"


def test_a_passing_slack_failure_while_posting_the_result_is_tried_again_and_the_result_arrives_once(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    slack.fail_next("files.completeUploadExternal", error="internal_error")
    bot.command("outpaint https://shop.example/b.jpg")
    row = wait_until(lambda: next((r for r in rows(settings) if r["delivered_at"]), None), what="delivery recorded")
    assert len(slack.calls_to("files.completeUploadExternal")) == 2, "the refused upload was tried again"
    with slack.lock:
        refused, retried = [c.time for c in slack.calls if c.method == "files.completeUploadExternal"]
    assert retried - refused <= settings.aigc_bot_follow_max_delay + 1.5, "tried again at its planned time"
    shared = [u for u in slack.completed_uploads if u["thread_ts"] == row["thread_ts"]]
    assert len(shared) == 1
    notes = [c for c in slack.calls_to("chat.postMessage") if str(c.get("text", "")).startswith("Done.")]
    assert len(notes) == 1 and notes[0]["thread_ts"] == row["thread_ts"]
    wait_until(
        lambda: [u for u in slack.calls_to("chat.update") if ":white_check_mark: done" in u["text"]], what="parent done"
    )
