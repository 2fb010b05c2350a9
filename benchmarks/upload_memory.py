"""Benchmark 4: memory while many large images go from Slack to VOD.

10 mentions of the bot arrive at once, each sharing 10 images of 7 MiB (700 MiB in flight). Each image is
downloaded from the fake Slack with the bot token, checked, and PUT to the fake COS, side by side. The peak
resident memory of the `aigc-bot serve` process (VmHWM, reset after a warm-up request) must grow by less
than 64 MiB: the bytes stream through small buffers and temporary files, never whole images in memory.
"""

from __future__ import annotations

import time

from benchmarks.bot_process import BotProcess, memory_kib, reset_peak_memory, status_counts, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome
from benchmarks.slack_load import burst
from tests.fakes.slack_signing import app_mention_event, event_callback_body

MIB = 1_048_576
IMAGE_BYTES = 7 * MIB
TARGET_GROWTH_MIB = 64
JSON = "application/json"


def _mention(files: list[dict[str, object]], user: str) -> tuple[bytes, str]:
    event = app_mention_event("product white background, soft shadow", user=user, files=files)
    return event_callback_body(event), JSON


def run(host: FakeHost, requests: int = 10, images: int = 10) -> Outcome:
    host.set("cos", "keep_bodies", False)
    puts_before = len(host.call("cos", "accepted_puts"))
    try:
        with BotProcess(host.urls, AIGC_BOT_FOLLOW_MODE="off") as bot:
            # A warm-up request loads every module on the upload path before the baseline is read.
            warm = host.add_images("FWARM", 1, 64 * 1024)
            burst(bot.port, [_mention(warm, "UWARM")])
            wait_for_rows(bot.db, {"submitted"}, 1, timeout=30)
            files = [host.add_images(f"F{n:02d}X", images, IMAGE_BYTES) for n in range(requests)]
            exact_peak = reset_peak_memory(bot.pid)
            baseline = memory_kib(bot.pid, "VmRSS" if exact_peak else "VmHWM")
            began = time.monotonic()
            replies = burst(bot.port, [_mention(f, f"U{n:03d}") for n, f in enumerate(files)])
            wait_for_rows(bot.db, {"submitted", "failed", "invalid"}, requests + 1, timeout=120 + requests * images)
            took = time.monotonic() - began
            peak = memory_kib(bot.pid, "VmHWM")
            counts = status_counts(bot.db)
    finally:
        host.set("cos", "keep_bodies", True)
    puts = host.call("cos", "accepted_puts")[puts_before:]
    full_size = sum(1 for put in puts if put.size == IMAGE_BYTES)
    growth_mib = (peak - baseline) / 1024
    submitted = counts.get("submitted", 0) - 1
    in_flight_mib = requests * images * IMAGE_BYTES / MIB
    figures = [
        ("acked", f"{sum(1 for r in replies if r.status == 200)}/{requests}"),
        ("images uploaded whole to COS", f"{full_size}/{requests * images} ({in_flight_mib:.0f} MiB) in {took:.1f} s"),
        ("requests submitted", f"{submitted}/{requests}"),
        ("resident memory before", f"{baseline / 1024:.1f} MiB"),
        ("peak resident memory during", f"{peak / 1024:.1f} MiB"),
        ("growth", f"{growth_mib:.1f} MiB"),
    ]
    notes = [] if exact_peak else ["could not reset the peak (clear_refs); growth is measured from the earlier peak"]
    return Outcome(
        name=f"Memory: {requests} concurrent requests of {images} images of {IMAGE_BYTES // MIB} MiB from Slack",
        target=f"peak resident memory grows by less than {TARGET_GROWTH_MIB} MiB, every image uploaded and submitted",
        passed=growth_mib < TARGET_GROWTH_MIB and full_size == requests * images and submitted == requests,
        figures=figures,
        notes=notes,
    )
