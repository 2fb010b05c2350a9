"""A request Tencent billed whose answer was lost: its TaskId is found again by SessionId, or the thread is told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bot.config import Settings
from bot.request import session_id_for
from bot.slack.command_text import StatusLookup, is_session_id, parse_command
from bot.store.db import RequestLog, RequestRow, iso, utc_now
from bot.store.sessions import holder_of_session
from tests.conftest import (
    RunningBot,
    log_cut_off_submission,
    make_settings,
    rows,
    thread_replies,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_fakes import sdk, sdk_call
from tests.test_vod_describe_tasks import submit_outside

CREATE = "CreateSceneAigcImageTask"
LIST = "DescribeTasks"


def refusal_request_ids(vod: FakeVod, code: str) -> list[str]:
    with vod.lock:
        return [r.request_id for r in vod.requests if r.error == code]


def tasks_of_session(vod: FakeVod, session_id: str) -> list[str]:
    with vod.lock:
        return [t.task_id for t in vod.tasks.values() if t.request.get("SessionId") == session_id]


def parent_updates(slack: FakeSlack, badge: str) -> list[dict[str, Any]]:
    return [u for u in slack.calls_to("chat.update") if badge in u["text"]]


# -- the running bot ----------------------------------------------------------------------------------------


def test_lost_answer_is_found_again_by_session_id_and_delivered(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    submit_outside(vod, 5)  # other tasks of the same application, so the look-up has to turn pages
    vod.tasks_page_size = 2
    vod.drop_next(CREATE)  # Tencent starts (and bills) the task, but its answer never arrives
    bot.command("product https://shop.example/mug.png on marble count=2")
    row = wait_status(settings, "done")[0]
    [task_id] = tasks_of_session(vod, row["session_id"])
    assert row["task_id"] == task_id and row["error_code"] is None and row["error_message"] is None
    sent = [r for r in vod.requests if r.action == CREATE and r.body.get("SessionId") == row["session_id"]]
    assert [(r.dropped, r.error) for r in sent] == [(True, None), (False, "InvalidParameterValue.SessionId")]
    assert any(c.get("ScrollToken") for c in vod.calls(LIST))

    [refused_id] = refusal_request_ids(vod, "InvalidParameterValue.SessionId")
    texts = [c["text"] for c in thread_replies(slack, row["thread_ts"])]
    already = next(t for t in texts if "already reached Tencent" in t)
    assert "InvalidParameterValue.SessionId" in already and refused_id in already
    assert "result will follow in this thread" in already
    upload = wait_until(lambda: slack.calls_to("files.completeUploadExternal"), what="images posted")[0]
    assert upload["thread_ts"] == row["thread_ts"] and task_id in upload.get("initial_comment", "")
    done = wait_until(lambda: parent_updates(slack, ":white_check_mark: done"), what="parent done")[-1]
    assert done["ts"] == row["parent_ts"]

    bot.command(f"status {row['session_id']}", response_url=slack.response_url("by-session"))
    status = wait_until(lambda: slack.responses_to("by-session"), what="status by SessionId")[0]["text"]
    assert task_id in status and "· done" in status


def test_events_mode_matches_the_completion_event_by_session_id(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_follow_mode="events")
    vod.list_scene_tasks = False  # only the event can tell the TaskId
    vod.drop_next(CREATE)
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://shop.example/banner.jpg")
        waiting = wait_until(
            lambda: [r for r in rows(settings) if r["error_code"] == "InvalidParameterValue.SessionId"],
            what="already-submitted row",
        )[0]
        assert waiting["status"] == "submitted" and waiting["task_id"] is None
        [task_id] = vod.task_ids()
        vod.finish_task(task_id)
        row = wait_status(settings, "done")[0]
        assert row["task_id"] == task_id and row["error_code"] is None
        wait_until(lambda: slack.calls_to("files.completeUploadExternal"), what="image posted")
        wait_until(lambda: parent_updates(slack, ":white_check_mark: done"), what="parent done")
        wait_until(lambda: vod.calls("ConfirmEvents"), what="event confirmed")
        assert vod.calls("DescribeTaskDetail") == []
    finally:
        running.stop()


def test_a_task_never_found_is_reported_with_its_session_id(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_follow_timeout=1.0)
    vod.list_scene_tasks = False  # Tencent does not promise to list scene AIGC tasks
    vod.drop_next(CREATE)
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://shop.example/banner.jpg")
        row = wait_status(settings, "failed")[0]
        session = row["session_id"]
        assert row["error_code"] == "TaskIdUnknown" and row["task_id"] is None and len(vod.tasks) == 1
        assert len(vod.calls(LIST)) >= 2, "looked up again on the follow schedule before giving up"
        notice = wait_until(
            lambda: [c for c in thread_replies(slack, row["thread_ts"]) if "could not find" in c["text"]],
            what="thread notice",
        )[0]["text"]
        assert session in notice and "billed it once" in notice and "VOD console" in notice
        assert f"/aigc status {session}" in notice
        wait_until(lambda: parent_updates(slack, ":x: failed"), what="parent failed")

        running.command(f"status {session}", response_url=slack.response_url("lost"))
        status = wait_until(lambda: slack.responses_to("lost"), what="status")[0]["text"]
        assert "TaskIdUnknown" in status and "billed it once" in status and "VOD console" in status

        running.command("usage", response_url=slack.response_url("usage"))
        usage = wait_until(lambda: slack.responses_to("usage"), what="usage")[0]["text"]
        assert "*Today:* 1 task(s)" in usage, "a billed task counts even without its TaskId"
    finally:
        running.stop()


def test_a_restart_after_tencent_took_the_request_finds_the_task_and_delivers(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    _, body = log_cut_off_submission(settings, "slash:T0001:cut-off")
    session = body["SessionId"]
    # The process died after Tencent took the request and before its answer was logged.
    task_id = sdk_call(sdk(vod), CREATE, body).TaskId

    running = RunningBot(settings).start()
    try:
        row = wait_status(settings, "done")[0]
        assert row["task_id"] == task_id and row["error_code"] is None and tasks_of_session(vod, session) == [task_id]
        upload = wait_until(lambda: slack.calls_to("files.completeUploadExternal"), what="image posted")[0]
        assert upload["thread_ts"] == "1700000000.000100"
        wait_until(lambda: parent_updates(slack, ":white_check_mark: done"), what="parent done")
    finally:
        running.stop()


def test_a_lost_task_notice_cut_off_by_a_restart_is_posted_after_it(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    session = session_id_for("slash:T0001:never-found")
    log_db = RequestLog(settings.aigc_bot_db)
    row_id = log_db.claim({"source": "slash_command", "channel_id": "C100", "scene": "outpaint", "session_id": session})
    assert row_id is not None
    # As if the bot had given up the look-up and died before telling the thread.
    log_db.update(
        row_id, status="failed", error_code="TaskIdUnknown", finished_at=iso(utc_now()), thread_ts="1700000000.000200"
    )
    log_db.close()
    running = RunningBot(settings).start()
    try:
        notice = wait_until(lambda: thread_replies(slack, "1700000000.000200"), what="notice")[0]["text"]
        assert session in notice and "billed it once" in notice
        wait_until(lambda: rows(settings)[0]["delivered_at"], what="delivered mark")
    finally:
        running.stop()


def test_status_takes_a_task_id_or_a_session_id() -> None:
    session = "aigc-" + "0123456789abcdef" * 2 + "01234567"
    by_session, by_task = parse_command(f"status `{session}`"), parse_command("status 1500000001-SceneAigcImage-ab")
    assert by_session == StatusLookup(session) and is_session_id(by_session.task_id)
    assert isinstance(by_task, StatusLookup) and not is_session_id(by_task.task_id)


# -- the rule: a lost answer of its own, or a SessionId another request holds ------------------------------


def test_only_another_request_sent_under_the_session_id_holds_it(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    try:

        def logged(session_id: str, status: str, **fields: Any) -> int:
            row_id = log_db.claim({"source": "cli", "session_id": session_id})
            assert row_id is not None
            log_db.update(row_id, status=status, **fields)
            return row_id

        lost = logged("lost", "submitted", request_json="{}")
        assert holder_of_session(log_db, "lost", besides=lost) is None  # its own task: looked up by SessionId
        turned_away = [logged("chosen", status) for status in ("refused", "invalid", "uploading")]
        assert holder_of_session(log_db, "chosen", besides=turned_away[0]) is None  # none of them reached Tencent
        in_flight = logged("chosen", "submitting", request_json="{}")
        copy = logged("chosen", "submitting", request_json="{}")
        assert _id(holder_of_session(log_db, "chosen", besides=copy)) == in_flight
        with_task = logged("chosen", "done", request_json="{}", task_id="T-1")
        assert _id(holder_of_session(log_db, "chosen", besides=copy)) == with_task  # the one to look at
        assert _id(holder_of_session(log_db, "chosen", besides=with_task)) == in_flight
        assert holder_of_session(log_db, "other", besides=copy) is None
    finally:
        log_db.close()


def _id(row: RequestRow | None) -> int | None:
    return None if row is None else row["id"]
