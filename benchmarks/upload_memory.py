"""Benchmark 4: memory while many large images go from Slack to VOD.

Two bursts into one `aigc-bot serve` process, each measured from its own baseline (VmHWM, the peak resident
memory, reset just before it):

1. 10 mentions of the bot arrive at once, each sharing 10 clean JPEGs of about 7 MiB (700 MiB in flight). They
   are upright, RGB and free of metadata, so each is checked and then streamed to the fake COS byte for byte:
   peak resident memory must grow by less than 64 MiB.
2. 20 mentions arrive at once, each sharing one 27-megapixel camera JPEG (stored sideways, with EXIF and GPS).
   Each is decoded, turned upright, scaled to 4096 px and re-encoded, a bounded number at a time: peak resident
   memory must grow by less than 400 MiB, and every request must be submitted.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.bot_process import BotProcess, memory_kib, reset_peak_memory, status_counts, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome
from benchmarks.slack_load import burst
from tests.fakes.slack_signing import app_mention_event, event_callback_body

MIB = 1_048_576
TARGET_GROWTH_MIB = 64
TARGET_CAMERA_GROWTH_MIB = 400
JSON = "application/json"


def _mention(files: list[dict[str, Any]], user: str) -> tuple[bytes, str]:
    event = app_mention_event("product white background, soft shadow", user=user, files=files)
    return event_callback_body(event), JSON


class _Burst:
    """One burst of mentions at once, measured from a fresh peak."""

    def __init__(self, bot: BotProcess, requests: list[list[dict[str, Any]]]) -> None:
        self.bot = bot
        self.requests = requests

    def run(self, tag: str, settled_before: int) -> None:
        self.exact_peak = reset_peak_memory(self.bot.pid)
        self.baseline = memory_kib(self.bot.pid, "VmRSS" if self.exact_peak else "VmHWM")
        began = time.monotonic()
        replies = burst(self.bot.port, [_mention(f, f"U{tag}{n:03d}") for n, f in enumerate(self.requests)])
        images = sum(len(files) for files in self.requests)
        settled = settled_before + len(self.requests)
        wait_for_rows(self.bot.db, {"submitted", "failed", "invalid"}, settled, timeout=120 + images * 5)
        self.took = time.monotonic() - began
        self.peak = memory_kib(self.bot.pid, "VmHWM")
        self.acked = sum(1 for r in replies if r.status == 200)
        self.submitted = status_counts(self.bot.db).get("submitted", 0) - (settled_before)

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.baseline) / 1024


def run(host: FakeHost, requests: int = 10, images: int = 10, camera_photos: int = 20) -> Outcome:
    host.set("cos", "keep_bodies", False)
    puts_before = len(host.call("cos", "accepted_puts"))
    try:
        with BotProcess(host.urls, AIGC_BOT_FOLLOW_MODE="off") as bot:
            # A warm-up request loads every module on the upload path before the baseline is read.
            burst(bot.port, [_mention(host.add_images("FWARM", 1, "small"), "UWARM")])
            wait_for_rows(bot.db, {"submitted"}, 1, timeout=30)
            clean = _Burst(bot, [host.add_images(f"F{n:02d}X", images, "clean") for n in range(requests)])
            clean.run("C", settled_before=1)
            puts = host.call("cos", "accepted_puts")[puts_before:]
            camera = _Burst(bot, [host.add_images(f"FCAM{n:02d}X", 1, "camera") for n in range(camera_photos)])
            camera.run("K", settled_before=1 + requests)
    finally:
        host.set("cos", "keep_bodies", True)
    clean_size = clean.requests[0][0]["size"]
    whole = sum(1 for put in puts if put.size == clean_size)
    in_flight_mib = requests * images * clean_size / MIB
    camera_mib = camera_photos * camera.requests[0][0]["size"] / MIB
    figures = [
        ("acked", f"{clean.acked}/{requests}"),
        (
            "images uploaded whole to COS",
            f"{whole}/{requests * images} ({in_flight_mib:.0f} MiB) in {clean.took:.1f} s",
        ),
        ("requests submitted", f"{clean.submitted}/{requests}"),
        ("resident memory before", f"{clean.baseline / 1024:.1f} MiB"),
        ("peak resident memory during", f"{clean.peak / 1024:.1f} MiB"),
        ("growth", f"{clean.growth_mib:.1f} MiB"),
        ("camera photos acked", f"{camera.acked}/{camera_photos}"),
        (
            "camera photos submitted",
            f"{camera.submitted}/{camera_photos} ({camera_mib:.0f} MiB of 27 MP JPEGs) in {camera.took:.1f} s",
        ),
        ("camera: resident memory before", f"{camera.baseline / 1024:.1f} MiB"),
        ("camera: peak resident memory during", f"{camera.peak / 1024:.1f} MiB"),
        ("camera: growth", f"{camera.growth_mib:.1f} MiB"),
    ]
    notes = []
    if not (clean.exact_peak and camera.exact_peak):
        notes.append("could not reset the peak (clear_refs); growth is measured from the earlier peak")
    return Outcome(
        name=(
            f"Memory: {requests} concurrent requests of {images} clean images of {clean_size / MIB:.0f} MiB, "
            f"then {camera_photos} camera photos of 27 MP at once"
        ),
        target=(
            f"peak resident memory grows by less than {TARGET_GROWTH_MIB} MiB (clean, sent byte for byte) and "
            f"{TARGET_CAMERA_GROWTH_MIB} MiB (camera photos, re-encoded); every request submitted"
        ),
        passed=(
            clean.growth_mib < TARGET_GROWTH_MIB
            and whole == requests * images
            and clean.submitted == requests
            and camera.growth_mib < TARGET_CAMERA_GROWTH_MIB
            and camera.submitted == camera_photos
        ),
        figures=figures,
        notes=notes,
    )
