"""Encode pixels for Tencent within a byte limit: JPEG at quality 90, or PNG where there is transparency."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field

from PIL import Image

from bot import wording
from bot.images.limits import megabytes
from bot.images.refusals import cannot_fit
from bot.tencent.imagetype import JPEG, PNG, ImageKind

BEST_QUALITY = 90
# Lower qualities are tried only when the image would otherwise be over the byte limit; below the last one,
# the picture is made smaller instead, which costs less than visible blocks.
FALLBACK_QUALITIES = (85, 80, 75, 70)
SMALLEST_SIDE = 64


@dataclass
class Encoded:
    data: bytes
    kind: ImageKind
    size: tuple[int, int]
    changes: list[str] = field(default_factory=list)


def _saved(image: Image.Image, kind: ImageKind, quality: int) -> bytes:
    sink = io.BytesIO()
    if kind is JPEG:
        image.save(sink, "JPEG", quality=quality)
    else:
        image.save(sink, "PNG")
    return sink.getvalue()


def encode(image: Image.Image, name: str, max_bytes: int) -> Encoded:
    """The image as JPEG (PNG when it is RGBA), stepping quality and then size down only as far as `max_bytes` needs.

    The image must carry no metadata in `info` of its own: only what is passed here is written.
    """
    kind = PNG if image.mode == "RGBA" else JPEG
    qualities = (BEST_QUALITY, *FALLBACK_QUALITIES) if kind is JPEG else (BEST_QUALITY,)
    original = image.size
    while True:
        for quality in qualities:
            data = _saved(image, kind, quality)
            if len(data) <= max_bytes:
                return Encoded(data, kind, image.size, _changes(original, image.size, quality, max_bytes))
        shrink = math.sqrt(max_bytes / len(data)) * 0.95
        smaller = (max(1, int(image.width * shrink)), max(1, int(image.height * shrink)))
        if max(smaller) < SMALLEST_SIDE:
            raise cannot_fit(name, max_bytes)
        image = image.resize(smaller, Image.Resampling.LANCZOS)


def _changes(original: tuple[int, int], final: tuple[int, int], quality: int, max_bytes: int) -> list[str]:
    changes = []
    if final != original:
        changes.append(
            wording.images.CHANGED_SIZE.format(
                width=original[0],
                height=original[1],
                new_width=final[0],
                new_height=final[1],
                limit=megabytes(max_bytes),
            )
        )
    if quality != BEST_QUALITY:
        changes.append(wording.images.CHANGED_JPEG_QUALITY.format(quality=quality, limit=megabytes(max_bytes)))
    return changes
