"""Stopping `aigc-bot run` and `aigc-bot serve` with a signal in every state, and wrong Slack tokens at start.

Real processes against the loopback fakes, as an admin (or systemd, Docker, Kubernetes) starts and stops them.
"""

from __future__ import annotations

import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.lifecycle import HARD_EXIT_MARGIN, SHUTDOWN_SECONDS, Stopping
from tests.conftest import SIGNING_SECRET, clean_env, env_for, free_port, wait_until, wait_until_healthy
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.fakes.socket_mode import FakeSocketMode

APP_TOKEN = "xapp-1-A1-socketmodetoken"
# What whoever stops the bot allows before killing it; every stop must end well inside it.
STOP_CONTRACT_SECONDS = 25.0
# With nothing in progress, a stop has nothing to wait for.
IDLE_STOP_SECONDS = 5.0
SOCKET_FAILURE = "opening the Socket Mode connection failed"
AUTH_FAILURE = "checking SLACK_BOT_TOKEN with auth.test failed"


class BotProcess:
    """`python -m bot.cli run|serve` with its output collected line by line while it runs."""

    def __init__(self, mode: str, env: dict[str, str], cwd: Path, port: int | None = None) -> None:
        args = [sys.executable, "-m", "handlers.cli", mode]
        if mode == "serve":
            args += ["--host", "127.0.0.1", "--port", str(port or free_port())]
        self.process = subprocess.Popen(
            args, env=clean_env(env), cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout as output:  # closed at the process's end, when the pipe runs dry
            for line in output:
                self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def lines_with(self, text: str) -> list[str]:
        return [line for line in list(self.lines) if text in line]

    def wait_for_lines(self, text: str, count: int = 1, timeout: float = 15.0) -> list[str]:
        wait_until(lambda: len(self.lines_with(text)) >= count, timeout=timeout, what=f"{count} line(s) with {text!r}")
        return self.lines_with(text)

    def stop(self, signum: signal.Signals) -> float:
        """Send `signum`; the seconds until the process was gone."""
        sent = time.monotonic()
        self.process.send_signal(signum)
        self.finish(timeout=STOP_CONTRACT_SECONDS + 10)
        return time.monotonic() - sent

    def finish(self, timeout: float = 20.0) -> int:
        code = self.process.wait(timeout=timeout)
        self._reader.join(5)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)


@pytest.fixture
def processes() -> Iterator[list[BotProcess]]:
    started: list[BotProcess] = []
    yield started
    for process in started:
        process.kill()


def closed_port_url(path: str) -> str:
    return f"http://127.0.0.1:{free_port()}{path}"


def retry_delays(lines: list[str]) -> list[float]:
    return [float(m.group(1)) for line in lines if (m := re.search(r"trying again in ([\d.]+) s", line))]


def assert_quiet_failures(bot: BotProcess, failure_text: str) -> None:
    failures = bot.lines_with(failure_text)
    assert "Traceback" not in bot.output
    # One line per failed attempt, and only a handful of others (start, stop).
    assert len(bot.lines) <= len(failures) + 6, bot.output
    delays = retry_delays(failures)
    assert delays == sorted(delays) and len(set(delays)) == len(delays), f"pauses do not grow: {delays}"


def test_run_stops_at_once_on_sigterm_while_socket_mode_cannot_connect(
    settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    slack.app_token = APP_TOKEN
    slack.socket_mode_url = f"ws://127.0.0.1:{free_port()}/link"  # nothing listens there
    bot = BotProcess("run", {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN}, tmp_path)
    processes.append(bot)

    bot.wait_for_lines(SOCKET_FAILURE, count=3)
    took = bot.stop(signal.SIGTERM)

    assert bot.process.returncode == 0, bot.output
    assert took < IDLE_STOP_SECONDS
    assert_quiet_failures(bot, SOCKET_FAILURE)
    assert APP_TOKEN not in bot.output


def test_run_stops_at_once_on_sigterm_during_a_connection_attempt_that_hangs(
    settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    with socket.socket() as silent:  # takes the connection, never answers the WebSocket handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(15)
        slack.app_token = APP_TOKEN
        slack.socket_mode_url = f"ws://127.0.0.1:{silent.getsockname()[1]}/link"
        bot = BotProcess("run", {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN}, tmp_path)
        processes.append(bot)
        connection, _ = silent.accept()
        with connection:
            took = bot.stop(signal.SIGTERM)

    assert bot.process.returncode == 0, bot.output
    assert took < IDLE_STOP_SECONDS
    assert "Traceback" not in bot.output


@pytest.mark.parametrize(("mode", "signum"), [("run", signal.SIGINT), ("serve", signal.SIGTERM)])
def test_stops_at_once_while_slack_is_unreachable_at_start(
    mode: str, signum: signal.Signals, settings: Settings, tmp_path: Path, processes: list[BotProcess]
) -> None:
    env = {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": closed_port_url("/api/")}
    bot = BotProcess(mode, env, tmp_path)
    processes.append(bot)

    bot.wait_for_lines(AUTH_FAILURE, count=2)
    took = bot.stop(signum)

    assert bot.process.returncode == 0, bot.output
    assert took < IDLE_STOP_SECONDS
    assert_quiet_failures(bot, AUTH_FAILURE)


def test_run_with_a_refused_app_token_exits_3_and_says_which_token(
    settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    slack.app_token = APP_TOKEN
    wrong = "xapp-1-A1-revokedtoken"
    bot = BotProcess("run", {**env_for(settings), "SLACK_APP_TOKEN": wrong}, tmp_path)
    processes.append(bot)

    assert bot.finish() == 3, bot.output
    [sentence] = bot.lines_with("Slack refused")
    assert "SLACK_APP_TOKEN" in sentence and "SLACK_BOT_TOKEN" not in sentence
    assert "App-Level Tokens" in sentence and "Basic Information" in sentence and "connections:write" in sentence
    assert wrong not in bot.output and "Traceback" not in bot.output


@pytest.mark.parametrize("mode", ["run", "serve"])
def test_a_refused_bot_token_exits_3_and_says_which_token(
    mode: str, settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    slack.app_token = APP_TOKEN
    wrong = "xoxb-1111-2222-revokedtoken"
    bot = BotProcess(mode, {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_BOT_TOKEN": wrong}, tmp_path)
    processes.append(bot)

    assert bot.finish() == 3, bot.output
    [sentence] = bot.lines_with("Slack refused")
    assert "SLACK_BOT_TOKEN" in sentence and "OAuth & Permissions" in sentence
    assert wrong not in bot.output and "Traceback" not in bot.output
    assert not slack.calls_to("apps.connections.open"), "it went on after the bot token was refused"


def test_serve_waits_out_slack_errors_at_start_and_then_serves(
    settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    slack.server_error_next("auth.test", times=2)
    port = free_port()
    bot = BotProcess("serve", env_for(settings), tmp_path, port=port)
    processes.append(bot)

    wait_until_healthy(f"http://127.0.0.1:{port}", what="healthz after two failed auth.test calls")
    assert len(bot.lines_with(AUTH_FAILURE)) == 2
    assert bot.stop(signal.SIGTERM) < IDLE_STOP_SECONDS
    assert bot.process.returncode == 0, bot.output


def test_run_reconnects_when_slack_drops_the_socket_and_stops_while_reconnecting(
    settings: Settings, slack: FakeSlack, tmp_path: Path, processes: list[BotProcess]
) -> None:
    socket_mode = FakeSocketMode().start()
    try:
        slack.app_token = APP_TOKEN
        slack.socket_mode_url = socket_mode.url
        bot = BotProcess("run", {**env_for(settings), "SLACK_APP_TOKEN": APP_TOKEN}, tmp_path)
        processes.append(bot)
        assert socket_mode.connected.wait(20), bot.output

        socket_mode.drop_connections()
        wait_until(lambda: socket_mode.connections == 2, timeout=10, what="a new connection after the drop")

        slack.server_error_next("apps.connections.open", times=1000)
        socket_mode.drop_connections()
        bot.wait_for_lines(SOCKET_FAILURE, count=2)
        took = bot.stop(signal.SIGTERM)
    finally:
        socket_mode.stop()

    assert bot.process.returncode == 0, bot.output
    assert took < IDLE_STOP_SECONDS
    assert "Traceback" not in bot.output
    assert len(bot.lines_with("connected to Slack in Socket Mode")) == 2


def _command(port: int, trigger: str) -> int:
    body = slash_command_body("outpaint https://shop.example/banner.jpg", trigger_id=trigger)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signed_headers(SIGNING_SECRET, body)}
    return httpx.post(f"http://127.0.0.1:{port}/slack/events", content=body, headers=headers, timeout=10).status_code


def _statuses(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as connection:
        return [row[0] for row in connection.execute("SELECT status FROM requests ORDER BY id")]


def test_sigterm_while_a_request_is_stuck_at_tencent_exits_in_time_and_the_request_resumes_next_start(
    settings: Settings, slack: FakeSlack, vod: FakeVod, tmp_path: Path, processes: list[BotProcess]
) -> None:
    vod.delay_seconds = 60  # longer than any shutdown may wait
    port = free_port()
    # A short budget keeps the test quick; the default (20 s, at most 20) plus the hard limit stays under 25 s.
    settings = settings.model_copy(update={"aigc_bot_shutdown_seconds": 1.5})
    bot = BotProcess("serve", env_for(settings), tmp_path, port=port)
    processes.append(bot)
    bot.wait_for_lines("serving Slack requests")
    assert _command(port, "t-drain") == 200
    wait_until(lambda: any(r.action == "CreateSceneAigcImageTask" for r in vod.requests), what="submission")

    took = bot.stop(signal.SIGTERM)

    assert bot.process.returncode == 0, bot.output
    budget = settings.aigc_bot_shutdown_seconds
    assert budget <= took < budget + HARD_EXIT_MARGIN, "the request in flight gets the budget, and no more"
    assert "Traceback" not in bot.output
    assert _statuses(settings.aigc_bot_db) == ["submitting"], "a cut-off request must stay resumable"

    vod.delay_seconds = 0
    again = BotProcess("serve", env_for(settings), tmp_path, port=free_port())
    processes.append(again)
    wait_until(lambda: vod.calls("CreateSceneAigcImageTask"), timeout=15, what="the resumed submission")
    again.stop(signal.SIGTERM)
    assert again.process.returncode == 0, again.output


def test_no_shutdown_budget_can_keep_the_process_past_25_seconds() -> None:
    assert SHUTDOWN_SECONDS + HARD_EXIT_MARGIN < STOP_CONTRACT_SECONDS
    assert Stopping(budget=SHUTDOWN_SECONDS).hard_exit_after < STOP_CONTRACT_SECONDS
    with pytest.raises(ConfigError, match="AIGC_BOT_SHUTDOWN_SECONDS"):
        load_settings(aigc_bot_shutdown_seconds=21, _env_file=None)


def test_pauses_between_attempts_double_up_to_about_a_minute() -> None:
    from bot.lifecycle import Backoff

    lowest = Backoff(jitter=lambda: 0.0)
    highest = Backoff(jitter=lambda: 1.0)
    low = [lowest.next_delay() for _ in range(10)]
    high = [highest.next_delay() for _ in range(10)]
    assert low[:4] == pytest.approx([0.8, 1.6, 3.2, 6.4])
    assert high[:3] == pytest.approx([1.2, 2.4, 4.8])
    assert max(high) == 60.0 and low[-1] == pytest.approx(48.0)


def test_a_process_stuck_while_stopping_still_leaves_with_its_exit_code(tmp_path: Path) -> None:
    # Something blocking the event loop (a stuck call in a thread, a socket that never closes) must not keep
    # the process alive past the hard limit.
    script = (
        "import asyncio, time\n"
        "from bot.lifecycle import Stopping\n"
        "async def main():\n"
        "    stopping = Stopping(budget=0.1, hard_exit_after=0.5)\n"
        "    stopping.request('test', exit_code=3)\n"
        "    time.sleep(30)\n"
        "asyncio.run(main())\n"
    )
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=20)
    assert result.returncode == 3, result.stderr
    assert "leaving now" in result.stderr
    assert time.monotonic() - started < 10
