"""What the fake VOD keeps: its scene tasks and how each moves on, the calls it saw, and its refusal."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from bot.errors import BotError


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_now() -> str:
    return iso(datetime.now(UTC))


def vod_file_id() -> str:
    """VOD FileIds are decimal digits only."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


class TencentError(BotError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass
class VodRequest:
    action: str
    body: dict[str, Any]
    headers: dict[str, str]
    time: float
    signature_valid: bool
    raw: bytes = b""
    request_id: str = ""
    error: str | None = None
    accepted: bool = False
    dropped: bool = False


@dataclass(frozen=True)
class Timing:
    """A timed task's life on the wall clock: queued, then processing for `duration` seconds."""

    duration: float
    waiting: float = 0.0
    report_progress: bool = True


@dataclass
class FakeTask:
    task_id: str
    request: dict[str, Any]
    script: list[dict[str, Any]]
    created: str = field(default_factory=iso_now)
    step: int = 0
    finished_at: str = ""
    output_file_ids: list[str] = field(default_factory=list)
    timing: Timing | None = None
    started_mono: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    event_queued: bool = False

    @property
    def state(self) -> dict[str, Any]:
        if self.timing is not None:
            return self.timed_state(time.monotonic())
        return self.script[min(self.step, len(self.script) - 1)]

    def timed_state(self, now: float) -> dict[str, Any]:
        timing = self.timing
        assert timing is not None
        running = now - self.started_mono - timing.waiting
        if running < 0:
            return {"Status": "WAITING", "Progress": 0}
        if running < timing.duration:
            progress = min(99, int(100 * running / timing.duration)) if timing.report_progress else 0
            return {"Status": "PROCESSING", "Progress": progress}
        return {"Status": "FINISH"}

    @property
    def finishes_at(self) -> float | None:
        """time.monotonic() at which a timed task finishes (system-wide on Linux, so other processes can compare)."""
        if self.timing is None:
            return None
        return self.started_mono + self.timing.waiting + self.timing.duration

    def wall_time(self, offset: float) -> str:
        return iso(datetime.fromtimestamp(self.started_wall + offset, UTC))

    def begin_time(self) -> str:
        return self.wall_time(self.timing.waiting) if self.timing is not None else self.created

    def finish_time(self) -> str:
        if self.timing is not None:
            return self.wall_time(self.timing.waiting + self.timing.duration)
        return iso_now()

    def follow_script(self, steps: list[dict[str, Any]]) -> None:
        """Start walking `steps` from the first, one per DescribeTaskDetail call."""
        self.script = [dict(s) for s in steps]
        self.step = 0
        self.finished_at = ""
        self.timing = None

    def run_timed(self, timing: Timing) -> None:
        """Start over on the wall clock from now."""
        self.timing = timing
        self.started_mono, self.started_wall = time.monotonic(), time.time()
        self.finished_at = ""

    @property
    def output_count(self) -> int:
        config = (self.request.get("SceneInfo") or {}).get("ProductImageConfig") or {}
        return int(config.get("OutputImageCount") or 1)

    @property
    def storage_mode(self) -> str:
        return str((self.request.get("OutputConfig") or {}).get("StorageMode") or "Temporary")
