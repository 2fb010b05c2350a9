"""The bot as an admin runs it, `aigc-bot serve`, in its own process, plus signed requests into it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

import httpx

from benchmarks.fakes_host import (
    BOT_TOKEN,
    SECRET_ID,
    SECRET_KEY,
    SIGNING_SECRET,
    SUB_APP_ID,
)
from tests.fakes.slack_signing import signed_headers

EVENTS_PATH = "/slack/events"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def bot_environment(urls: dict[str, str], db: Path, **extra: str) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_"))}
    return {
        **inherited,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": f"{urls['slack']}/api/",
        "TENCENTCLOUD_SECRET_ID": SECRET_ID,
        "TENCENTCLOUD_SECRET_KEY": SECRET_KEY,
        "TENCENTCLOUD_VOD_SUB_APP_ID": str(SUB_APP_ID),
        "TENCENTCLOUD_VOD_ENDPOINT": urls["vod"],
        "TENCENTCLOUD_COS_ENDPOINT": urls["cos"],
        "AIGC_BOT_DB": str(db),
        # Only `slack_limits` has the fake Slack enforce Slack's limits, and it paces the bot at Slack's own rates;
        # the other benchmarks measure Tencent calls, acks and memory, so their bot's Slack calls are not held back.
        "AIGC_BOT_SLACK_RATE_SCALE": "1000",
        **extra,
    }


def memory_kib(pid: int, field: str) -> int:
    """A /proc/<pid>/status figure such as VmRSS or VmHWM (peak resident set), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_ms(pid: int) -> float | None:
    """CPU time a process has used so far, all its threads together, in milliseconds; None where Linux's
    /proc/<pid>/task/*/schedstat (nanosecond figures) cannot be read."""
    try:
        tasks = Path(f"/proc/{pid}/task")
        return sum(int((task / "schedstat").read_text().split()[0]) for task in tasks.iterdir()) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def reset_peak_memory(pid: int) -> bool:
    """Start VmHWM afresh from the current RSS (Linux clear_refs "5"); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class BotProcess:
    """`python -m bot.cli serve` on a free loopback port, its log in a temporary directory."""

    def __init__(self, urls: dict[str, str], **settings: str) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="aigc-bench-")
        workdir = Path(self._dir.name)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = workdir / "aigc-bot.db"
        self._env = bot_environment(urls, self.db, **settings)
        self._workdir = workdir
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> BotProcess:
        self._log = (self._workdir / "bot.log").open("wb")
        self._process = subprocess.Popen(
            [sys.executable, "-m", "handlers.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self._env,
            cwd=self._workdir,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        # One client for the whole wait: each new one builds a certificate store, CPU the starting bot needs.
        with httpx.Client(timeout=1) as client:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise RuntimeError(f"the bot exited at start:\n{self.log_text()}")
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return self
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        raise RuntimeError(f"the bot never became healthy:\n{self.log_text()}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            _end(self._process)
        if self._log is not None:
            self._log.close()
        self._dir.cleanup()

    def log_text(self) -> str:
        path = self._workdir / "bot.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    @staticmethod
    def signed(body: bytes, content_type: str) -> dict[str, str]:
        return {"Content-Type": content_type, **signed_headers(SIGNING_SECRET, body)}


class PeerProcess:
    """Another Slack app to compare with, `python -m <module> <port> <slack api url> <database>`, on a free
    loopback port, its SQLite file in a temporary directory."""

    def __init__(self, module: str, urls: dict[str, str]) -> None:
        self.module = module
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._api_url = f"{urls['slack']}/api/"
        self._dir = tempfile.TemporaryDirectory(prefix="aigc-peer-")
        self.db = Path(self._dir.name) / "peer.db"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._process is not None
        return self._process.pid

    def __enter__(self) -> PeerProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", self.module, str(self.port), self._api_url, str(self.db)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"{self.module} exited at start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.module} never listened")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            _end(self._process)
        self._dir.cleanup()


def _end(process: subprocess.Popen[bytes]) -> None:
    """Ask the process to stop, as an admin would; kill it if it is still there after 30 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def status_counts(db: Path) -> dict[str, int]:
    """How many rows of the bot's `requests` log are in each status (read-only, beside the running bot)."""
    import sqlite3

    if not db.exists():
        return {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
        rows = connection.execute("SELECT status, COUNT(*) FROM requests GROUP BY status").fetchall()
    return {str(status): int(count) for status, count in rows}


def wait_for_rows(db: Path, statuses: set[str], count: int, timeout: float) -> dict[str, int]:
    """Poll the log until `count` rows are in any of `statuses`; returns the last counts seen."""
    deadline = time.monotonic() + timeout
    counts = status_counts(db)
    while sum(counts.get(s, 0) for s in statuses) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        counts = status_counts(db)
    return counts
