"""Open an image file: its header first (type, pixel size), then its pixels, turning decoder failures into refusals."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PIL import Image, UnidentifiedImageError
from pillow_heif import register_heif_opener

from bot.images.limits import ImageLimits
from bot.images.refusals import damaged, too_many_pixels, unreadable
from bot.tencent.imagetype import SNIFF_BYTES

log = logging.getLogger(__name__)

register_heif_opener()
# Every file is measured against AIGC_BOT_MAX_MEGAPIXELS from its header before its pixels are decoded
# (`opened`), so Pillow's own fixed limit would only refuse what the setting allows.
Image.MAX_IMAGE_PIXELS = None

# Pillow's format names, as a person knows them. Only these plugins are tried on a file, whatever its name.
FORMAT_NAMES = {
    "HEIF": "HEIC/HEIF",
    "AVIF": "AVIF",
    "JPEG": "JPEG",
    "MPO": "JPEG",  # a JPEG with a second picture inside, as phones write them
    "PNG": "PNG",
    "WEBP": "WebP",
    "GIF": "GIF",
    "BMP": "BMP",
    "TIFF": "TIFF",
}
# Pillow's JPEG opener is the one that gives MPO files.
OPENERS = [name for name in FORMAT_NAMES if name != "MPO"]


def read_head(path: Path) -> bytes:
    with path.open("rb") as source:
        return source.read(SNIFF_BYTES)


def format_name(image: Image.Image) -> str:
    return FORMAT_NAMES.get(image.format or "", image.format or "image")


@contextmanager
def opened(path: Path, name: str, limits: ImageLimits) -> Iterator[Image.Image]:
    """The image in `path` with only its header read, refused before decoding if it has too many pixels."""
    try:
        image = Image.open(path, formats=OPENERS)
    except (UnidentifiedImageError, SyntaxError, ValueError, OSError):
        raise unreadable(name, read_head(path)) from None
    try:
        width, height = image.size
        if width * height > limits.max_pixels:
            raise too_many_pixels(name, width, height, limits.max_pixels)
        yield image
    finally:
        image.close()


def decode(image: Image.Image, name: str) -> None:
    """Decode the pixels (at the scale a draft chose); a truncated or corrupt file is refused, never raised raw."""
    try:
        image.load()
    except MemoryError:
        raise
    except Exception as failure:  # decoders report bad input in many ways; all of them mean the same to a person
        log.info("could not decode %s: %s: %s", name, type(failure).__name__, failure)
        raise damaged(name, f"a {format_name(image)} image") from None


def decode_in_draft(image: Image.Image, target: tuple[int, int]) -> None:
    """Let a JPEG decode straight to a smaller scale (1/2, 1/4 or 1/8) when `target` is at least that much smaller.

    Twice the target is asked for, as Pillow's thumbnail does, so the final resize still has pixels to average.
    """
    if image.format in ("JPEG", "MPO"):
        image.draft(None, (target[0] * 2, target[1] * 2))
