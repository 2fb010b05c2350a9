"""/healthz, /readyz and /metrics of the running bot, driven over the loopback fakes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEAM_ID, PNG_1x1, RunningBot, make_settings, rows, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod

CREATE = "CreateSceneAigcImageTask"


def samples(bot: RunningBot) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of /metrics, keyed by name and labels."""
    response = bot.http.get(f"{bot.url}/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def readiness(bot: RunningBot) -> tuple[int, dict[str, Any]]:
    response = bot.http.get(f"{bot.url}/readyz")
    return response.status_code, response.json()


@pytest.fixture
def quick_checks(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Iterator[RunningBot]:
    """A bot that asks auth.test again every 0.2 s, so a token refused mid-run shows at once."""
    running = RunningBot(make_settings(tmp_path, vod, cos, slack, aigc_bot_auth_check_seconds=0.2)).start()
    yield running
    running.stop()


def test_metrics_count_requests_vod_calls_and_delivery(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("outpaint https://shop.example/banner.jpg ratio=16:9", user_id="U777", trigger_id="t-1")
    bot.command("outpaint https://shop.example/poster.jpg ratio=16:9", user_id="U777", trigger_id="t-2")
    bot.command("product", trigger_id="t-3")  # no image: invalid, never sent to Tencent
    wait_until(lambda: len([r for r in rows(settings) if r["delivered_at"]]) == 2, what="two deliveries")
    wait_until(lambda: [r for r in rows(settings) if r["status"] == "invalid"], what="the invalid request")

    found = samples(bot)
    assert value(found, "aigc_requests_total", source="slash_command", scene="outpaint", status="done") == 2
    assert value(found, "aigc_requests_total", source="slash_command", scene="none", status="invalid") == 1
    assert value(found, "aigc_tasks_followed") == 0
    assert value(found, "aigc_vod_calls_total", action=CREATE, outcome="ok") == len(vod.calls(CREATE)) == 2
    polls = len(vod.calls("DescribeTaskDetail"))
    assert value(found, "aigc_vod_calls_total", action="DescribeTaskDetail", outcome="ok") == polls >= 2
    assert value(found, "aigc_vod_call_seconds_count", action=CREATE) == 2
    assert value(found, "aigc_rate_limit_wait_seconds_count") == 2
    assert value(found, "aigc_result_lag_seconds_count") == 2
    assert value(found, "aigc_uploads_in_flight") == 0
    # Labels name actions, scenes and statuses, never who asked, what they typed, or a secret.
    page = bot.http.get(f"{bot.url}/metrics").text
    for private in ("U777", "banner", "shop.example", "16:9", BOT_TOKEN, SIGNING_SECRET, TEAM_ID):
        assert private not in page


def test_metrics_count_tencent_refusals_and_slack_errors(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.fail_next(CREATE, "FailedOperation.InvalidAccount")
    slack.fail_next("chat.update", "message_not_found")
    bot.command("outpaint https://shop.example/banner.jpg", trigger_id="t-refused")
    wait_until(lambda: [r for r in rows(settings) if r["status"] == "failed"], what="the refusal")
    wait_until(lambda: slack.calls_to("chat.update"), what="the parent update")

    found = wait_until(
        lambda: (
            (s := samples(bot))
            and value(s, "aigc_slack_errors_total", method="chat.update", error="message_not_found") == 1
            and s
        ),
        what="the Slack error counted",
    )
    assert value(found, "aigc_vod_calls_total", action=CREATE, outcome="error") == 1
    assert value(found, "aigc_vod_errors_total", code="FailedOperation.InvalidAccount") == 1
    assert value(found, "aigc_requests_total", source="slash_command", scene="outpaint", status="failed") == 1


def test_uploads_in_flight_counts_an_image_on_its_way_to_vod(
    bot: RunningBot, slack: FakeSlack, cos: FakeCos, settings: Settings
) -> None:
    cos.slow_puts(1.5)
    image = slack.add_file("F900", PNG_1x1, "bag.png", "image/png", "png")
    mention = {
        "type": "app_mention",
        "user": "U400",
        "channel": "C400",
        "ts": "1700000900.000100",
        "text": "<@UBOT> product red background",
        "files": [image],
        "team": TEAM_ID,
    }
    assert bot.event(mention, event_id="Ev900").status_code == 200
    wait_until(lambda: value(samples(bot), "aigc_uploads_in_flight") == 1, what="one upload in flight")
    wait_until(lambda: [r for r in rows(settings) if r["status"] == "submitted"], timeout=15, what="submission")
    assert value(samples(bot), "aigc_uploads_in_flight") == 0


def test_each_bot_counts_only_its_own_work(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack, bot: RunningBot, settings: Settings
) -> None:
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    other = RunningBot(make_settings(other_dir, vod, cos, slack)).start()
    try:
        bot.command("outpaint https://shop.example/banner.jpg", trigger_id="t-own")
        wait_until(lambda: [r for r in rows(settings) if r["status"] in ("submitted", "done")], what="submission")
        wait_until(lambda: value(samples(bot), "aigc_vod_calls_total", action=CREATE, outcome="ok") == 1)
        assert value(samples(other), "aigc_vod_calls_total", action=CREATE, outcome="ok") == 0
    finally:
        other.stop()


def test_healthz_is_liveness_and_readyz_names_each_check(quick_checks: RunningBot) -> None:
    assert quick_checks.http.get(f"{quick_checks.url}/healthz").status_code == 200
    wait_until(lambda: readiness(quick_checks)[0] == 200, what="ready")
    _, body = readiness(quick_checks)
    assert body == {"ready": True, "checks": {"slack_auth": "ok", "database": "ok"}, "not_ready": []}


def test_readiness_flips_to_503_when_auth_test_refuses_the_token_and_back(
    quick_checks: RunningBot, slack: FakeSlack
) -> None:
    wait_until(lambda: readiness(quick_checks)[0] == 200, what="ready")
    slack.bot_token = "xoxb-9999-8888-anothertoken"  # the token the bot holds is no longer Slack's
    wait_until(lambda: readiness(quick_checks)[0] == 503, what="not ready")
    _, body = readiness(quick_checks)
    assert body["ready"] is False and body["not_ready"] == ["slack_auth"]
    assert "invalid_auth" in body["checks"]["slack_auth"] and body["checks"]["database"] == "ok"
    assert BOT_TOKEN not in str(body)
    # Liveness is another question: the process still answers.
    assert quick_checks.http.get(f"{quick_checks.url}/healthz").status_code == 200
    slack.bot_token = BOT_TOKEN
    wait_until(lambda: readiness(quick_checks)[0] == 200, what="ready again")


def test_readiness_names_a_database_that_cannot_take_writes(quick_checks: RunningBot, settings: Settings) -> None:
    wait_until(lambda: readiness(quick_checks)[0] == 200, what="ready")
    blocker = sqlite3.connect(quick_checks.settings.aigc_bot_db, isolation_level=None)
    try:
        blocker.execute("BEGIN EXCLUSIVE")
        status, body = readiness(quick_checks)
        assert status == 503 and body["not_ready"] == ["database"]
        assert "locked" in body["checks"]["database"]
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert readiness(quick_checks)[0] == 200
