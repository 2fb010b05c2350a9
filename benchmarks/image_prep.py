"""Benchmark 6: preparing a shared photo, against plain Pillow doing the same work.

Two photos as people share them, made here: a 12-megapixel iPhone HEIC (4032x3024) and a 27-megapixel camera
JPEG (6364x4243), both with camera EXIF (sideways, with GPS). Each is prepared by the bot (bot/images: header
checks, decode, upright, RGB, metadata dropped, scaled to 4096 px, JPEG at quality 90, written to a file) and,
in alternating rounds, by plain Pillow doing the same open, transpose, thumbnail and save. Time per image is
the median over the rounds; the target is at most 1.1x plain Pillow's time, measured in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageOps

from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome
from bot.images.limits import MB, ImageLimits
from bot.images.prepare import prepare_image
from tests.sample_images import camera_exif, encoded, heic, photo_like

TARGET_RATIO = 1.1
LIMITS = ImageLimits(max_side=4096, max_bytes=10 * MB, max_pixels=100_000_000, max_download_bytes=50 * MB)


def _plain_pillow(source: Path, target: Path) -> None:
    with Image.open(source) as image:
        upright = ImageOps.exif_transpose(image)
        upright.thumbnail((LIMITS.max_side, LIMITS.max_side))
        upright.save(target, "JPEG", quality=90)


def _ours(source: Path, target: Path) -> None:
    prepare_image(source, source.name, LIMITS).discard()


def _seconds(work: Callable[[Path, Path], None], source: Path, target: Path) -> float:
    began = time.perf_counter()
    work(source, target)
    return time.perf_counter() - began


def _compare(source: Path, rounds: int) -> tuple[float, float]:
    """Median seconds per image: ours, plain Pillow; the order alternates so neither always runs warm."""
    ours: list[float] = []
    plain: list[float] = []
    target = source.with_suffix(".plain.jpg")
    _ours(source, target)  # warm-up: plugins loaded, first allocations made
    _plain_pillow(source, target)
    for round_number in range(rounds):
        pair = [(ours, _ours), (plain, _plain_pillow)]
        for times, work in pair if round_number % 2 == 0 else reversed(pair):
            times.append(_seconds(work, source, target))
    return statistics.median(ours), statistics.median(plain)


def run(host: FakeHost | None = None, *, rounds: int = 7, scale: float = 1.0) -> Outcome:
    del host  # everything runs in this process: no fakes involved
    heic_size = (int(4032 * scale), int(3024 * scale))
    jpeg_size = (int(6364 * scale), int(4243 * scale))
    figures: list[tuple[str, str]] = []
    ratios: list[float] = []
    with tempfile.TemporaryDirectory(prefix="aigc-bench-images-") as folder:
        photos = {
            f"{heic_size[0] * heic_size[1] / 1e6:.0f} MP HEIC": (
                Path(folder) / "IMG_4821.HEIC",
                heic(photo_like(*heic_size, 8), exif=camera_exif(6), enc_params={"preset": "ultrafast"}),
            ),
            f"{jpeg_size[0] * jpeg_size[1] / 1e6:.0f} MP JPEG": (
                Path(folder) / "DSC_0001.JPG",
                encoded(photo_like(*jpeg_size), "JPEG", quality=95, exif=camera_exif(6)),
            ),
        }
        for label, (path, data) in photos.items():
            path.write_bytes(data)
            ours, plain = _compare(path, rounds)
            ratios.append(ours / plain)
            figures += [
                (f"{label} ({len(data) / MB:.1f} MB), ours", f"{ours * 1000:.0f} ms per image"),
                (f"{label}, plain Pillow", f"{plain * 1000:.0f} ms per image"),
                (f"{label}, ratio ours/plain Pillow", f"{ours / plain:.2f}x"),
            ]
    return Outcome(
        name="Images: preparing a phone HEIC and a camera JPEG, against plain Pillow",
        target=f"at most {TARGET_RATIO}x plain Pillow's time per image (open, transpose, thumbnail, save)",
        passed=all(ratio <= TARGET_RATIO for ratio in ratios),
        figures=figures,
        notes=[f"median of {rounds} alternating rounds each"],
    )
