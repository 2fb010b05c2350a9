"""`aigc-bot serve` and `aigc-bot run` as real processes, as an admin starts them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bot.config import Settings
from tests.conftest import (
    SIGNING_SECRET,
    TEAM_ID,
    clean_env,
    env_for,
    free_port,
    start_bot,
    wait_until,
    wait_until_healthy,
)
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.slack_signing import signed_headers


def test_serve_answers_healthz_and_signed_commands_and_stops_cleanly(
    settings: Settings, slack: FakeSlack, vod: FakeVod, tmp_path: Path
) -> None:
    port = free_port()
    process = start_bot("serve", env_for(settings), tmp_path, port=port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url)
        body = urlencode(
            {
                "team_id": TEAM_ID,
                "channel_id": "C100",
                "user_id": "U100",
                "command": "/aigc",
                "text": "outpaint https://shop.example/banner.jpg",
                "trigger_id": "t-proc",
                "response_url": "",
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(SIGNING_SECRET, body)}
        assert httpx.post(f"{url}/slack/events", content=body, headers=headers).status_code == 200
        wait_until(lambda: vod.calls("CreateSceneAigcImageTask"), timeout=15, what="submission")
        forged = {**headers, **signed_headers("wrong-secret", body)}
        assert httpx.post(f"{url}/slack/events", content=body, headers=forged).status_code == 401
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert f"request log at {settings.aigc_bot_db}\n" in output
    assert "Traceback" not in output
    for secret in (SIGNING_SECRET, settings.tencentcloud_secret_key.get_secret_value()):  # type: ignore[union-attr]
        assert secret not in output


def test_run_without_app_token_says_what_is_missing(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in env_for(settings).items() if k != "SLACK_APP_TOKEN"}
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "handlers.cli", "run"],
        env=clean_env(env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "SLACK_APP_TOKEN" in result.stderr and "xapp-" in result.stderr
    assert time.monotonic() - started < 30


def test_run_connects_in_socket_mode_and_acks_a_command(
    settings: Settings, slack: FakeSlack, vod: FakeVod, tmp_path: Path
) -> None:
    from tests.fakes.socket_mode import FakeSocketMode

    socket_mode = FakeSocketMode().start()
    slack.app_token = "xapp-1-A1-socketmodetoken"
    slack.socket_mode_url = socket_mode.url
    # Socket Mode needs no signing secret: Slack signs nothing it sends over the socket.
    env = {**env_for(settings), "SLACK_APP_TOKEN": slack.app_token}
    del env["SLACK_SIGNING_SECRET"]
    process = start_bot("run", env, tmp_path)
    try:
        assert socket_mode.connected.wait(20), "the bot never opened a Socket Mode connection"
        envelope_id = socket_mode.send(
            "slash_commands",
            {
                "team_id": TEAM_ID,
                "channel_id": "C100",
                "user_id": "U100",
                "command": "/aigc",
                "text": "outpaint https://shop.example/banner.jpg",
                "trigger_id": "t-socket",
                "response_url": "",
            },
        )
        wait_until(
            lambda: any(a.get("envelope_id") == envelope_id for a in socket_mode.acks),
            timeout=5,
            what="ack over the socket",
        )
        wait_until(lambda: vod.calls("CreateSceneAigcImageTask"), timeout=15, what="submission")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        socket_mode.stop()
    assert process.returncode == 0, output
    assert f"request log at {settings.aigc_bot_db}\n" in output
    assert slack.app_token not in output
