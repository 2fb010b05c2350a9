"""`aigc-bot run` as a service: health pages on AIGC_BOT_HEALTH_PORT and JSON log lines, in a real process."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from bot.config import Settings
from tests.conftest import (
    BOT_TOKEN,
    SECRET_KEY,
    SIGNING_SECRET,
    TEAM_ID,
    TEST_CLIENT_TLS,
    clean_env,
    env_for,
    free_port,
    start_bot,
    wait_until,
)
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A1-socketmodetoken"


def get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2, verify=TEST_CLIENT_TLS)
    except httpx.TransportError:
        return None


def test_run_serves_health_and_metrics_and_logs_json_without_secrets(
    settings: Settings, slack: FakeSlack, vod: FakeVod, tmp_path: Path
) -> None:
    socket_mode = FakeSocketMode().start()
    slack.app_token = APP_TOKEN
    slack.socket_mode_url = socket_mode.url
    port = free_port()
    env = {
        **env_for(settings),
        "SLACK_APP_TOKEN": APP_TOKEN,
        "AIGC_BOT_HEALTH_PORT": str(port),
        "AIGC_BOT_HEALTH_HOST": "127.0.0.1",
        "AIGC_BOT_LOG_FORMAT": "json",
    }
    process = start_bot("run", env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        assert socket_mode.connected.wait(20), "the bot never opened a Socket Mode connection"
        ready = wait_until(
            lambda: (answer := get(f"{base}/readyz")) is not None and answer.status_code == 200 and answer,
            timeout=15,
            what="ready",
        )
        assert ready.json()["checks"] == {"slack_auth": "ok", "database": "ok", "socket_mode": "ok"}
        assert (health := get(f"{base}/healthz")) is not None and health.status_code == 200
        socket_mode.send(
            "slash_commands",
            {
                "team_id": TEAM_ID,
                "channel_id": "C100",
                "user_id": "U100",
                "command": "/aigc",
                "text": "outpaint https://shop.example/banner.jpg",
                "trigger_id": "t-ops",
                "response_url": "",
            },
        )
        wait_until(lambda: vod.calls("CreateSceneAigcImageTask"), timeout=15, what="submission")
        metrics = wait_until(
            lambda: (
                (page := get(f"{base}/metrics")) is not None
                and 'aigc_vod_calls_total{action="CreateSceneAigcImageTask",outcome="ok"} 1.0' in page.text
                and page
            ),
            what="the submission counted",
        )
        assert 'aigc_requests_total{scene="outpaint",source="slash_command"' in metrics.text
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
        socket_mode.stop()
    assert process.returncode == 0, output
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines and all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any(line.get("request_id") == 1 for line in lines), "no line names the request it is about"
    for secret in (APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SECRET_KEY):
        assert secret not in output


def test_run_says_plainly_when_the_health_port_is_taken(settings: Settings, tmp_path: Path) -> None:
    with socket_taken() as port:
        env = {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN, "AIGC_BOT_HEALTH_PORT": str(port)}
        result = subprocess.run(
            [sys.executable, "-m", "handlers.cli", "run"],
            env=clean_env(env),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result.stderr
    assert "AIGC_BOT_HEALTH_PORT" in result.stderr and "Traceback" not in result.stderr


@contextlib.contextmanager
def socket_taken() -> Iterator[int]:
    """A port on all interfaces that is already bound and listening."""
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        yield int(taken.getsockname()[1])
