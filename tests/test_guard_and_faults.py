"""Money and workspace guards, Slack and VOD failures, restarts, and secrets in logs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.logsafe import RedactingFilter
from tests.conftest import (
    BOT_TOKEN,
    SECRET_KEY,
    RunningBot,
    log_cut_off_submission,
    make_settings,
    rows,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod

CREATE = "CreateSceneAigcImageTask"


@pytest.fixture
def guarded(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack):  # type: ignore[no-untyped-def]
    settings = make_settings(
        tmp_path,
        vod,
        cos,
        slack,
        aigc_bot_allowed_channels="C100,C200",
        aigc_bot_allowed_users="U100",
        aigc_bot_allowed_usergroups="S900",
        aigc_bot_admins="UADMIN",
        aigc_bot_user_daily_cap=2,
        aigc_bot_workspace_daily_cap=4,
    )
    slack.usergroups["S900"] = ["U900", "U901"]
    running = RunningBot(settings).start()
    yield running, settings
    running.stop()


def answers(slack: FakeSlack, name: str) -> list[str]:
    return [r["body"].get("text", "") for r in slack.responses if r["name"] == name]


def test_access_rules_refuse_politely_log_refused_and_cost_nothing(guarded, slack: FakeSlack, vod: FakeVod) -> None:  # type: ignore[no-untyped-def]
    bot, settings = guarded
    bot.command("outpaint https://a.example/x.png", channel_id="C999", response_url=slack.response_url("chan"))
    bot.command("outpaint https://a.example/x.png", user_id="U555", response_url=slack.response_url("user"))
    chan = wait_until(lambda: answers(slack, "chan"), what="channel refusal")[0]
    assert "I only generate images in <#C100>, <#C200>" in chan and "<@UADMIN>" in chan
    assert "Nothing was submitted or billed" in chan
    user = wait_until(lambda: answers(slack, "user"), what="user refusal")[0]
    assert "limited to approved people" in user
    assert [r["status"] for r in rows(settings)] == ["refused", "refused"]
    assert vod.calls(CREATE) == []
    assert slack.calls_to("chat.postMessage") == []  # refusals are private, never in the channel

    bot.command("outpaint https://a.example/group.png", user_id="U900")  # allowed through user group S900
    bot.command("outpaint https://a.example/admin.png", user_id="UADMIN", channel_id="C999")  # admins pass
    wait_until(lambda: len(vod.calls(CREATE)) == 2, what="two allowed submissions")


def test_daily_caps(guarded, slack: FakeSlack, vod: FakeVod) -> None:  # type: ignore[no-untyped-def]
    bot, settings = guarded
    for index in range(3):
        bot.command(f"outpaint https://a.example/{index}.png", response_url=slack.response_url(f"cap{index}"))
        # One after the other, as a person sends them: each request is let through or refused before the next.
        wait_until(
            lambda i=index: (
                len(rows(settings)) == i + 1 and rows(settings)[i]["status"] in ("submitted", "done", "refused")
            ),
            what=f"request {index} let through or refused",
        )
    wait_until(lambda: answers(slack, "cap2"), what="cap refusal")
    assert "reached today's limit of 2 requests" in answers(slack, "cap2")[0]
    wait_until(lambda: len(vod.calls(CREATE)) == 2, what="the two requests within the cap submitted")
    for index in range(2):
        bot.command(f"outpaint https://a.example/g{index}.png", user_id="U900")
    wait_until(lambda: len(vod.calls(CREATE)) == 4, what="four submissions in the workspace")
    bot.command("outpaint https://a.example/h.png", user_id="U901", response_url=slack.response_url("ws"))
    wait_until(lambda: answers(slack, "ws"), what="workspace cap")
    assert "The workspace has reached today's limit of 4 requests" in answers(slack, "ws")[0]
    assert len(vod.calls(CREATE)) == 4


def test_slack_rate_limits_and_5xx_are_retried(bot: RunningBot, slack: FakeSlack, settings) -> None:  # type: ignore[no-untyped-def]
    slack.rate_limit_next("chat.postMessage", retry_after=1)
    slack.server_error_next("chat.postMessage")
    bot.command("outpaint https://a.example/x.png")
    row = wait_status(settings, "submitted")[0]
    assert row["parent_ts"]
    assert len(slack.calls_to("chat.postMessage")) >= 3


def test_when_slack_keeps_failing_nothing_is_submitted_and_the_user_is_told(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    # An outage outlasting AIGC_BOT_SLACK_OUTAGE_SECONDS (5 minutes in use) ends the request cleanly.
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_slack_outage_seconds=1.0)
    slack.server_error_next("chat.postMessage", times=10)
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://a.example/x.png", response_url=slack.response_url("down"))
        row = wait_status(settings, "failed")[0]
        assert row["error_code"] == "SlackUnavailable"
        assert "nothing was billed" in wait_until(lambda: answers(slack, "down"), what="notice")[0]
        assert vod.calls(CREATE) == []
    finally:
        running.stop()


def test_vod_timeout_tells_the_user_it_may_have_been_submitted(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_vod_timeout=0.25)
    vod.delay_seconds = 1.0
    running = RunningBot(settings).start()
    try:
        running.command("outpaint https://a.example/x.png")
        row = wait_until(
            lambda: [r for r in rows(settings) if r["status"] not in ("received", "uploading", "submitting")],
            timeout=20,
        )[0]
        reply = wait_until(lambda: [c for c in slack.calls_to("chat.postMessage") if c.get("thread_ts")], what="reply")[
            -1
        ]["text"]
        # The same SessionId was resent and Tencent deduplicated it: one task at most, never two.
        assert len(vod.calls(CREATE)) == 1
        assert row["status"] in ("submitted", "failed")
        assert "may" in reply or "already reached Tencent" in reply
    finally:
        running.stop()


def test_restart_resumes_cut_off_requests_without_paying_twice(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    for key, reached in (("slash:T0001:reached", True), ("slash:T0001:notsent", False)):
        _, body = log_cut_off_submission(settings, key)
        if reached:
            vod.sessions.add(body["SessionId"])  # the crash happened after Tencent had accepted it

    running = RunningBot(settings).start()
    try:
        wait_until(lambda: all(r["status"] not in ("submitting",) for r in rows(settings)), what="resume")
        by_key = {r["dedupe_key"]: r for r in rows(settings)}
        assert by_key["slash:T0001:notsent"]["task_id"]
        assert by_key["slash:T0001:reached"]["task_id"] is None
        assert by_key["slash:T0001:reached"]["error_code"] == "InvalidParameterValue.SessionId"
        assert len(vod.calls(CREATE)) == 1
        # The outcome is logged first and posted right after: wait for the post rather than race it.
        wait_until(
            lambda: any("already reached Tencent" in c["text"] for c in slack.calls_to("chat.postMessage")),
            what="the already-submitted reply",
        )
        wait_until(
            lambda: any("already submitted earlier" in u["text"] for u in slack.calls_to("chat.update")),
            what="the parent marked already submitted",
        )
        wait_status(settings, "done")
    finally:
        running.stop()


def test_log_lines_never_show_secrets() -> None:
    redactor = RedactingFilter([SECRET_KEY, BOT_TOKEN])
    record = logging.LogRecord(
        "x",
        logging.WARNING,
        __file__,
        1,
        "key=%s token=%s other=%s",
        (SECRET_KEY, BOT_TOKEN, "xoxp-9-9-userTokenValue"),
        None,
    )
    redactor.filter(record)
    text = record.getMessage()
    assert SECRET_KEY not in text and BOT_TOKEN not in text and "userTokenValue" not in text
    assert text.count("[redacted]") == 3
    header = "Authorization: TC3-HMAC-SHA256 Credential=AKID/2026-11-24/vod/tc3_request, Signature=" + "ab" * 32
    assert "ab" * 32 not in redactor.redact(header)
