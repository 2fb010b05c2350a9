"""Catalogue batches end to end: a CSV file shared with the bot, checked, confirmed, submitted and reported."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot import batch_runner
from bot.batch_runner import BatchRunner
from bot.config import Settings
from bot.slack.batch_text import SUBMIT_ACTION
from tests.conftest import TEAM_ID, RunningBot, make_settings, rows, slack_argument, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_slack_flows import CREATE, form_submission

HEADER = "scene,image,clothes,prompt,preset,ratio,count,resolution,model,negative"
GOOD_ROWS = [
    "product,https://shop.example/mug.png,,on marble,,4:5,2,,,",
    "product,https://shop.example/cup.png|https://shop.example/cup-side.png,,studio light,,,,,,",
    "tryon,https://shop.example/model.png,https://shop.example/jacket.png,,,,,2K,pro,",
    "outpaint,https://shop.example/banner.png,,,,16:9,,,,",
    "product,https://shop.example/bag.png,,,,,3,,,people",
]


@pytest.fixture(autouse=True)
def quick_progress(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parent message changes at most every 5 s in use; a test need not wait that long between changes.
    monkeypatch.setattr(BatchRunner, "UPDATE_SECONDS", 0.3)
    monkeypatch.setattr(BatchRunner, "LOOK_SECONDS", 0.05)


def csv_file(lines: list[str]) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def share(bot: RunningBot, slack: FakeSlack, data: bytes, *, ts: str, file_id: str = "FCSV1") -> None:
    """@aigc batch with the CSV file attached, in a channel."""
    shared = slack.add_file(file_id, data, "catalogue.csv", "text/csv", "csv")
    event = {
        "type": "app_mention",
        "user": "U100",
        "channel": "C100",
        "ts": ts,
        "text": "<@UBOT> batch",
        "files": [shared],
    }
    assert bot.event(event, event_id=f"Ev{ts}").status_code == 200


def thread_posts(slack: FakeSlack, thread_ts: str) -> list[dict[str, Any]]:
    return [m for m in list(slack.messages) if m.get("thread_ts") == thread_ts]


def has_submit_button(message: dict[str, Any]) -> bool:
    return any(
        element.get("action_id") == SUBMIT_ACTION
        for block in message.get("blocks") or []
        for element in block.get("elements") or []
    )


def confirmation(slack: FakeSlack, thread_ts: str) -> dict[str, Any]:
    found = wait_until(
        lambda: [m for m in thread_posts(slack, thread_ts) if has_submit_button(m)], what="the Submit batch button"
    )
    return dict(found[0])


def batch_id_of(message: dict[str, Any]) -> int:
    button = next(e for b in message["blocks"] for e in b.get("elements") or [] if e["action_id"] == SUBMIT_ACTION)
    return int(button["value"])


def click_submit(bot: RunningBot, slack: FakeSlack, message: dict[str, Any], user_id: str = "U100") -> None:
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": user_id},
        "api_app_id": "A0001",
        "trigger_id": f"trig-{time.time_ns()}",
        "channel": {"id": "C100"},
        "container": {"type": "message", "channel_id": "C100", "message_ts": message["ts"]},
        "message": {"ts": message["ts"], "text": message["text"]},
        "response_url": slack.response_url(f"click-{message['ts']}-{user_id}"),
        "actions": [
            {
                "action_id": SUBMIT_ACTION,
                "block_id": f"batch-{batch_id_of(message)}",
                "type": "button",
                "value": str(batch_id_of(message)),
                "action_ts": str(time.time()),
            }
        ],
    }
    assert bot.interactive(payload).status_code == 200


def batch_rows(settings: Settings) -> list[dict[str, Any]]:
    return [r for r in rows(settings) if r["source"] == "batch"]


def parent_updates(slack: FakeSlack, ts: str) -> list[str]:
    return [str(c.get("text")) for c in slack.calls_to("chat.update") if c.get("ts") == ts]


def results_upload(slack: FakeSlack, batch_id: int) -> tuple[dict[str, Any], list[list[str]]]:
    name = f"batch-{batch_id}-results.csv"

    def found() -> list[dict[str, Any]]:
        return [u for u in slack.completed_uploads if any(f["name"] == name for f in u["files"])]

    upload = wait_until(found, timeout=20, what=name)[0]
    data = slack.file_bytes[upload["files"][0]["id"]].decode("utf-8")
    return upload, list(csv.reader(io.StringIO(data)))


def test_a_bad_row_refuses_the_whole_file_before_anything_reaches_tencent(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    lines = [GOOD_ROWS[0], "poster,https://shop.example/a.png,,,,,,,,", "", GOOD_ROWS[3].replace("16:9", "7:3")]
    share(bot, slack, csv_file(lines), ts="1700000300.000100")
    answer = wait_until(lambda: thread_posts(slack, "1700000300.000100"), what="the problems")[0]["text"]
    assert "2 rows cannot run, so nothing was submitted or billed" in answer
    assert "Row 3: `poster` in `scene` is not a scene" in answer
    assert "Row 5: `7:3` in `ratio` is not offered" in answer
    assert "Row 2" not in answer
    time.sleep(0.3)
    assert vod.requests == [] and rows(settings) == []


def test_a_good_batch_submits_each_row_once_shows_progress_and_uploads_the_results(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    share(bot, slack, csv_file(GOOD_ROWS), ts="1700000400.000100")
    message = confirmation(slack, "1700000400.000100")
    assert "*5 requests, 8 images billed.*" in message["text"] and "No daily cap applies." in message["text"]
    assert vod.requests == []  # nothing is billed before the click

    click_submit(bot, slack, message)
    click_submit(bot, slack, message)  # a double click submits nothing more
    batch_id = batch_id_of(message)
    upload, results = results_upload(slack, batch_id)

    sent = vod.calls(CREATE)
    assert len(sent) == 5 and len({body["SessionId"] for body in sent}) == 5
    logged = batch_rows(settings)
    assert [r["batch_row"] for r in logged] == [2, 3, 4, 5, 6]
    assert {r["status"] for r in logged} == {"done"} and all(r["batch_id"] == batch_id for r in logged)
    mug = next(body for body in sent if "mug.png" in json.dumps(body["FileInfos"]))
    assert mug["SceneInfo"]["ProductImageConfig"] == {"Prompt": "on marble", "OutputImageCount": 2}

    assert upload["thread_ts"] == "1700000400.000100"
    assert results[0] == ["row", "TaskId", "status", "error code", "output URLs"]
    assert [(line[0], line[1], line[2]) for line in results[1:]] == [
        (str(r["batch_row"]), r["task_id"], "done") for r in logged
    ]
    assert all(line[4].startswith("http") for line in results[1:])

    updates = parent_updates(slack, message["ts"])
    assert updates[-1].endswith("▓▓▓▓▓▓▓▓▓▓ 5/5 submitted · 5 done · 0 failed")
    assert any("░" in text for text in updates[:-1])  # the bar filled up as rows ended
    posts = thread_posts(slack, "1700000400.000100")
    assert not [p for p in posts if p["text"].startswith("Submitted")]  # no per-row "submitted" noise
    assert len([p for p in posts if p["text"].startswith("Done.")]) == 5  # one note per result
    double = slack.wait_for_response(f"click-{message['ts']}-U100")
    assert [body["text"] for body in double] == [f"Batch {batch_id} was already submitted."]


def test_only_the_person_who_shared_the_file_can_submit_it(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    share(bot, slack, csv_file(GOOD_ROWS[:1]), ts="1700000450.000100")
    message = confirmation(slack, "1700000450.000100")
    click_submit(bot, slack, message, user_id="U999")
    answer = slack.wait_for_response(f"click-{message['ts']}-U999")[0]
    assert "Only <@U100>, who shared the file, can submit batch" in answer["text"]
    assert vod.requests == [] and rows(settings) == []


@pytest.fixture
def capped_bot(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Iterator[RunningBot]:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_batch_max_rows=4, aigc_bot_user_daily_cap=3)
    running = RunningBot(settings).start()
    yield running
    running.stop()


def test_more_rows_than_the_batch_limit_or_the_daily_cap_are_refused(
    capped_bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    share(capped_bot, slack, csv_file(GOOD_ROWS), ts="1700000500.000100")
    too_long = wait_until(lambda: thread_posts(slack, "1700000500.000100"), what="refusal")[0]["text"]
    assert "it has 5 requests; a batch holds at most 4 (AIGC_BOT_BATCH_MAX_ROWS)" in too_long

    share(capped_bot, slack, csv_file(GOOD_ROWS[:4]), ts="1700000600.000100", file_id="FCSV2")
    over_cap = wait_until(lambda: thread_posts(slack, "1700000600.000100"), what="refusal")[0]["text"]
    assert "it has 4 requests but your daily cap allows only 3 more today" in over_cap

    share(capped_bot, slack, csv_file(GOOD_ROWS[:2]), ts="1700000700.000100", file_id="FCSV3")
    fits = confirmation(slack, "1700000700.000100")
    assert "Today's caps: you may send 3 requests more today" in fits["text"]
    time.sleep(0.2)
    assert vod.requests == []


def batch_form(view_id: str, metadata: str, values: dict[str, Any]) -> dict[str, Any]:
    payload = form_submission(view_id, metadata, values)
    payload["view"]["callback_id"] = "aigc_batch_form"
    return payload


def test_the_batch_form_checks_the_attached_file(bot: RunningBot, slack: FakeSlack, vod: FakeVod) -> None:
    assert bot.command("batch", trigger_id="trig-batch").status_code == 200
    opened = slack.wait_for("views.open")[0]["view"]
    modal = slack_argument(opened)
    element = modal["blocks"][0]["element"]
    assert element["type"] == "file_input" and element["filetypes"] == ["csv"]

    empty = bot.interactive(batch_form("VB0", modal["private_metadata"], {}))
    assert empty.json()["response_action"] == "errors" and "batch_file" in empty.json()["errors"]

    shared = slack.add_file("FCSV9", csv_file(GOOD_ROWS[:2]), "spring.csv", "text/csv", "csv")
    values = {"batch_file": {"file": {"type": "file_input", "files": [shared]}}}
    assert bot.interactive(batch_form("VB1", modal["private_metadata"], values)).status_code == 200
    posted = wait_until(lambda: [m for m in list(slack.messages) if has_submit_button(m)], what="confirmation")[0]
    assert (
        posted["channel"] == "C100"
        and "`spring.csv`" in posted["text"]
        and "*2 requests, 3 images billed.*" in posted["text"]
    )
    assert vod.requests == []


def test_cancel_stops_the_rows_not_yet_submitted(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_runner, "SUBMITTING_AT_ONCE", 1)
    vod.delay_seconds = 0.4
    share(bot, slack, csv_file(GOOD_ROWS), ts="1700000800.000100")
    message = confirmation(slack, "1700000800.000100")
    click_submit(bot, slack, message)
    batch_id = batch_id_of(message)
    wait_until(lambda: vod.calls(CREATE), what="the first submission")

    answer = bot.command(f"batch cancel {batch_id}").json()["text"]
    assert f"Batch {batch_id}: cancelled" in answer and "nothing is billed for them" in answer
    _, results = results_upload(slack, batch_id)
    logged = batch_rows(settings)
    cancelled = [r for r in logged if r["error_code"] == "BatchCancelled"]
    assert cancelled and all(r["status"] == "refused" and r["task_id"] is None for r in cancelled)
    assert len(vod.calls(CREATE)) == 5 - len(cancelled)
    assert {line[2] for line in results[1:]} == {"done", "refused"}
    status = bot.command(f"batch status {batch_id}").json()["text"]
    assert f"cancelled ({len(cancelled)} not submitted)" in status and "Finished" in status
    assert bot.command("batch status").json()["text"] == status  # the latest batch of the person


def test_a_restart_mid_batch_resubmits_nothing_and_finishes_the_rest(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch_runner, "SUBMITTING_AT_ONCE", 1)
    settings = make_settings(tmp_path, vod, cos, slack)
    vod.delay_seconds = 0.4
    first = RunningBot(settings).start()
    try:
        share(first, slack, csv_file(GOOD_ROWS), ts="1700000900.000100")
        message = confirmation(slack, "1700000900.000100")
        click_submit(first, slack, message)
        wait_until(lambda: vod.calls(CREATE), what="the first submission")
    finally:
        first.stop()  # the row on its way finishes; the others stay in the log, unsubmitted
    before = {r["id"]: r for r in batch_rows(settings)}
    submitted_before = {i: r["task_id"] for i, r in before.items() if r["task_id"]}
    assert 1 <= len(submitted_before) < 5 and len(vod.calls(CREATE)) == len(submitted_before)
    assert [r["status"] for r in before.values()].count("received") == 5 - len(submitted_before)

    vod.delay_seconds = 0.0
    second = RunningBot(make_settings(tmp_path, vod, cos, slack)).start()
    try:
        _, results = results_upload(slack, batch_id_of(message))
    finally:
        second.stop()
    after = {r["id"]: r for r in batch_rows(settings)}
    assert all(after[i]["task_id"] == task for i, task in submitted_before.items())
    sessions = [body["SessionId"] for body in vod.calls(CREATE)]
    assert len(sessions) == 5 and len(set(sessions)) == 5 and len(vod.tasks) == 5
    assert {r["status"] for r in after.values()} == {"done"} and len(results) == 6


def test_a_dm_with_the_text_batch_and_a_csv_file_gets_the_confirmation_in_its_thread(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod
) -> None:
    shared = slack.add_file("FCSVDM", csv_file(GOOD_ROWS[3:4]), "banners.csv", "text/csv", "csv")
    message = {"type": "message", "channel_type": "im", "user": "U100", "channel": "D100", "text": "batch"}
    bot.event({**message, "subtype": "file_share", "ts": "1700001000.000100", "files": [shared]}, event_id="EvDM1")
    posted = confirmation(slack, "1700001000.000100")
    assert posted["channel"] == "D100" and "*1 request, 1 image billed.*" in posted["text"]

    bot.event({**message, "ts": "1700001100.000100"}, event_id="EvDM2")
    note = wait_until(lambda: thread_posts(slack, "1700001100.000100"), what="the missing file note")[0]
    assert "Attach the catalogue as a CSV file" in note["text"]
    assert vod.requests == []


def test_with_follow_mode_off_a_batch_ends_once_every_task_id_is_answered(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_follow_mode="off")
    bot = RunningBot(settings).start()
    try:
        share(bot, slack, csv_file(GOOD_ROWS[:3]), ts="1700001100.000100")
        message = confirmation(slack, "1700001100.000100")
        click_submit(bot, slack, message)
        batch_id = batch_id_of(message)
        upload, results = results_upload(slack, batch_id)
        status = bot.command(f"batch status {batch_id}").json()["text"]
    finally:
        bot.stop()
    logged = batch_rows(settings)
    assert {r["status"] for r in logged} == {"submitted"} and all(r["task_id"] for r in logged)
    assert vod.calls("DescribeTaskDetail") == []  # nothing followed the tasks
    assert [(line[1], line[2]) for line in results[1:]] == [(r["task_id"], "submitted") for r in logged]
    comment = upload["initial_comment"]
    assert f"Batch {batch_id} has ended: 3 submitted, 0 failed" in comment
    assert "AIGC_BOT_FOLLOW_MODE=off" in comment and "/aigc status" in comment
    assert "Finished" in status
    assert parent_updates(slack, message["ts"])[-1].startswith(f":page_facing_up: Batch {batch_id}")
    assert ":white_check_mark: finished" in parent_updates(slack, message["ts"])[-1]
