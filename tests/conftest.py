"""Fixtures: the loopback fakes, settings pointing at them, and the real bot served over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from aiohttp import web

from bot.config import Settings
from bot.services import build_services
from bot.store.db import RequestLog
from handlers.app import create_web_app
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.fakes.slack_signing import signed_headers

SECRET_ID = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE"
SECRET_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLEKEY"
SUB_APP_ID = 1500000001
BOT_TOKEN = "xoxb-1111-2222-testbottoken"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM_ID = "T0001"

# A whole, decodable 1x1 RGBA PNG without metadata: shared images are decoded before upload, and this one is
# sent byte for byte.
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0d00000048101802c55ceb00000000049454e44ae426082"
)
# httpx builds a fresh certificate store for every client it makes (~30 ms of CPU); the fakes speak plain
# HTTP, so the test clients share one.
TEST_CLIENT_TLS = ssl.create_default_context()

JPEG_HEAD = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


class _WarnIfLeftOpen(sqlite3.Connection):
    """A connection that, as every one does from Python 3.13 on, warns when it is dropped without close()."""

    _closed = False
    opened_at = "?"

    def close(self) -> None:
        self._closed = True
        super().close()

    def __del__(self) -> None:
        if not self._closed:
            warnings.warn(f"unclosed database opened at {self.opened_at}", ResourceWarning, stacklevel=1)


def _connect_warning_if_left_open(*args: Any, **kwargs: Any) -> sqlite3.Connection:
    kwargs.setdefault("factory", _WarnIfLeftOpen)
    connection = _sqlite_connect(*args, **kwargs)
    if isinstance(connection, _WarnIfLeftOpen):
        # The leak shows up at garbage collection, often in a later test: name the code that opened it.
        connection.opened_at = " <- ".join(
            f"{Path(frame.filename).name}:{frame.lineno}" for frame in reversed(traceback.extract_stack(limit=10)[:-1])
        )
    return connection


if sys.version_info < (3, 13):
    # pyproject.toml turns the warning into a failure, so a leaked connection fails the suite on every Python.
    _sqlite_connect = sqlite3.connect
    sqlite3.connect = _connect_warning_if_left_open


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: two workers per core. A test spends most of its time waiting on sockets, timers and child
    processes, so one worker per core leaves the cores idle for more than half the run."""
    return 2 * len(os.sched_getaffinity(0))


@pytest.fixture
def cos() -> Iterator[FakeCos]:
    with FakeCos() as fake:
        yield fake


@pytest.fixture
def vod(cos: FakeCos) -> Iterator[FakeVod]:
    with FakeVod(SECRET_ID, SECRET_KEY, SUB_APP_ID, cos=cos) as fake:
        yield fake


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(BOT_TOKEN, team_id=TEAM_ID) as fake:
        yield fake


def make_settings(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": BOT_TOKEN,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": f"{slack.url}/api/",
        "tencentcloud_secret_id": SECRET_ID,
        "tencentcloud_secret_key": SECRET_KEY,
        "tencentcloud_vod_sub_app_id": SUB_APP_ID,
        "tencentcloud_vod_endpoint": vod.url,
        "tencentcloud_cos_endpoint": cos.url,
        "aigc_bot_db": tmp_path / "aigc-bot.db",
        "aigc_bot_follow_first_delay": 0.2,
        "aigc_bot_follow_max_delay": 0.5,
        # The fake Slack enforces no limits unless a test asks it to; the pacer then only keeps calls in order.
        "aigc_bot_slack_rate_scale": 1000.0,
        "_env_file": None,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Settings:
    return make_settings(tmp_path, vod, cos, slack)


def env_for(settings: Settings) -> dict[str, str]:
    """The settings as the environment variables a user would set."""
    env = {}
    for name, value in settings.model_dump().items():
        if value is None:
            continue
        raw = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[name.upper()] = str(raw)
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RunningBot:
    """The real aiohttp + Bolt app in its own thread and event loop, on a loopback port."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self.http = httpx.Client(timeout=30, verify=TEST_CLIENT_TLS)
        self.error: BaseException | None = None

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._main())
        except BaseException as error:  # surfaced by start()
            self.error = error
            self._ready.set()
        finally:
            loop.close()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self.services = build_services(self.settings)
        runner = web.AppRunner(create_web_app(self.services))
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    def start(self) -> RunningBot:
        self._thread.start()
        self._ready.wait(15)
        if self.error:
            raise self.error
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.http.get(f"{self.url}/healthz").status_code == 200:
                return self
            time.sleep(0.05)
        raise AssertionError("bot never became healthy")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(30)
        self.http.close()

    # -- signed Slack requests --------------------------------------------------------------------

    def post(
        self, body: bytes, content_type: str, headers: dict[str, str] | None = None, sign: bool = True
    ) -> httpx.Response:
        all_headers = {"Content-Type": content_type, **(signed_headers(SIGNING_SECRET, body) if sign else {})}
        all_headers.update(headers or {})
        return self.http.post(f"{self.url}/slack/events", content=body, headers=all_headers)

    def command(
        self,
        text: str,
        *,
        user_id: str = "U100",
        channel_id: str = "C100",
        trigger_id: str | None = None,
        response_url: str | None = None,
    ) -> httpx.Response:
        fields = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "team_domain": "acme",
            "channel_id": channel_id,
            "channel_name": "marketing",
            "user_id": user_id,
            "user_name": "mia",
            "command": "/aigc",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url or "",
            "trigger_id": trigger_id or f"{time.time_ns()}.trigger",
        }
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def interactive(self, payload: dict[str, Any]) -> httpx.Response:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded")

    def event(self, event: dict[str, Any], *, event_id: str, retry_num: int | None = None) -> httpx.Response:
        envelope = {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
        }
        headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"} if retry_num else {}
        return self.post(json.dumps(envelope).encode(), "application/json", headers)


@pytest.fixture
def bot(settings: Settings) -> Iterator[RunningBot]:
    running = RunningBot(settings).start()
    yield running
    running.stop()


def log_cut_off_submission(settings: Settings, dedupe_key: str) -> tuple[int, dict[str, Any]]:
    """Log an outpaint request as a process killed mid-submission leaves it: body logged, no answer yet.

    Returns the row id and the exact body the bot will resend under the request's SessionId.
    """
    from bot.request import session_id_for

    session = session_id_for(dedupe_key)
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        row_id = log_db.claim(
            {
                "source": "slash_command",
                "team_id": TEAM_ID,
                "channel_id": "C100",
                "user_id": "U100",
                "scene": "outpaint",
                "dedupe_key": dedupe_key,
                "session_id": session,
                "image_count": 1,
                "options_json": "{}",
                "inputs_json": json.dumps({"images": ["url:https://a.example/x.png"], "clothes": []}),
            }
        )
        assert row_id is not None
        body = {
            "SubAppId": SUB_APP_ID,
            "SceneInfo": {"Type": "outpainting"},
            "FileInfos": [{"Type": "Url", "Url": "https://a.example/x.png"}],
            "SessionId": session,
            "SessionContext": f"aigc-bot request {row_id}",
        }
        log_db.update(
            row_id,
            status="submitting",
            request_json=json.dumps(body),
            thread_ts="1700000000.000100",
            parent_ts="1700000000.000100",
            announced_at="2023-11-14T22:13:20.000Z",
        )
    finally:
        log_db.close()
    return row_id, body


def wait_until_healthy(base_url: str, timeout: float = 20.0, what: str = "healthz") -> None:
    """Wait for a bot process at `base_url` to answer /healthz with 200."""

    with httpx.Client(timeout=1, verify=TEST_CLIENT_TLS) as client:

        def healthy() -> bool:
            try:
                return client.get(f"{base_url}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(healthy, timeout=timeout, what=what)


def rows(where: Settings | Path) -> list[dict[str, Any]]:
    """Every logged request, oldest first, read straight from the bot's SQLite file."""
    db = where.aigc_bot_db if isinstance(where, Settings) else where
    with contextlib.closing(sqlite3.connect(db)) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute("SELECT * FROM requests ORDER BY id")]


def wait_status(settings: Settings, status: str, count: int = 1) -> list[dict[str, Any]]:
    """Wait for `count` rows with `status`; returns the first `count` of them."""

    def reached() -> list[dict[str, Any]] | None:
        matching = [r for r in rows(settings) if r["status"] == status]
        return matching[:count] if len(matching) >= count else None

    return wait_until(  # type: ignore[no-any-return]
        reached, what=f"{count} row(s) with status {status}; have {[r['status'] for r in rows(settings)]}"
    )


def wait_finished(settings: Settings, count: int = 1) -> list[dict[str, Any]]:
    """Wait until `count` rows are at their end: result recorded and posted, no check planned, no lease held.

    From there no worker takes the row again, so whatever was called for it so far is all there will be.
    """

    def finished(row: dict[str, Any]) -> bool:
        return bool(
            row["status"] in ("done", "failed")
            and row["delivered_at"]
            and row["follow_next_at"] is None
            and row["follow_owner"] is None
            and row["follow_lease_until"] is None
        )

    def reached() -> list[dict[str, Any]] | None:
        ended = [r for r in rows(settings) if finished(r)]
        return ended[:count] if len(ended) >= count else None

    return wait_until(  # type: ignore[no-any-return]
        reached, what=f"{count} finished row(s); have {[(r['status'], r['delivered_at']) for r in rows(settings)]}"
    )


def thread_replies(slack: FakeSlack, thread_ts: str) -> list[dict[str, Any]]:
    return [c for c in slack.calls_to("chat.postMessage") if c.get("thread_ts") == thread_ts]


def slack_argument(value: Any) -> Any:
    """A structured argument (view, blocks, files) of a fake Slack call, decoded.

    The SDK sends these as JSON text inside form-encoded calls and as objects inside JSON calls.
    """
    return json.loads(value) if isinstance(value, str) else value


def wait_until(predicate: Any, timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def result_click(
    row: dict[str, Any], action: dict[str, Any], slack: Any, name: str, action_ts: str | None = None
) -> dict[str, Any]:
    """A block_actions payload: U100 clicks `action` under the result of `row`; `name` tells clicks apart
    (its trigger_id is trig-<name>, its response_url the fake Slack's <name>), as does `action_ts`."""
    return {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "acme"},
        "user": {"id": "U100"},
        "api_app_id": "A0001",
        "trigger_id": f"trig-{name}",
        "channel": {"id": row["channel_id"]},
        "container": {"type": "message", "channel_id": row["channel_id"], "message_ts": "1"},
        "message": {"ts": "1", "text": "result"},
        "response_url": slack.response_url(name),
        "actions": [{**action, "block_id": f"result-{row['id']}", "action_ts": action_ts or f"17000009{len(name)}.1"}],
    }


def result_action(row: dict[str, Any], action_id: str, slack: Any, action_ts: str) -> dict[str, Any]:
    """A click on the button `action_id` (Run again, Refresh) under the result of `row`."""
    button = {"action_id": action_id, "type": "button", "value": str(row["id"])}
    return result_click(row, button, slack, f"act-{action_ts}", action_ts)


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """This environment without any of the bot's own settings, plus `extra`: a child bot sees only what a test gives."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_"))}
    return {**base, **extra}


def start_bot(
    mode: str, env: dict[str, str], cwd: Path, *, port: int | None = None, output: Any = subprocess.PIPE
) -> subprocess.Popen[str]:
    """`aigc-bot run`, or `aigc-bot serve` on 127.0.0.1:`port`, as its own process with only the settings in `env`;
    its stdout and stderr both go to `output`."""
    args = [sys.executable, "-m", "handlers.cli", mode]
    if port is not None:
        args += ["--host", "127.0.0.1", "--port", str(port)]
    return subprocess.Popen(args, env=clean_env(env), cwd=cwd, stdout=output, stderr=subprocess.STDOUT, text=True)
