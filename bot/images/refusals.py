"""Every sentence that refuses a file, written once; each names the file and says what to do instead."""

from __future__ import annotations

from bot import wording
from bot.errors import BotError
from bot.images.limits import megabytes
from bot.tencent.imagetype import IMAGE_LOOKS, looks_like

READABLE = "HEIC/HEIF, AVIF, JPEG, PNG, WebP, GIF, BMP and TIFF"


class ImageRefused(BotError, ValueError):
    """A file that cannot be used as an image; its message is a whole sentence for the person who shared it."""


def too_large_to_fetch(name: str, limit: int, size: int | None = None) -> ImageRefused:
    """A file over the download limit, refused before (or, when its size was unknown, while) fetching it."""
    stated = f"{name} is {megabytes(size)}" if size is not None else f"{name} is over {megabytes(limit)}"
    return ImageRefused(wording.images.TOO_LARGE_TO_FETCH.format(stated=stated, megabytes_limit=megabytes(limit)))


def too_many_pixels(name: str, width: int, height: int, max_pixels: int) -> ImageRefused:
    return ImageRefused(
        wording.images.TOO_MANY_PIXELS.format(
            name=name,
            width=width,
            height=height,
            megapixels=width * height / 1000000.0,
            max_megapixels=max_pixels / 1000000.0,
        )
    )


def damaged(name: str, what: str) -> ImageRefused:
    """`what`: what the file starts like, e.g. "a JPEG image"."""
    return ImageRefused(wording.images.TRUNCATED.format(name=name, what=what))


def unreadable(name: str, head: bytes) -> ImageRefused:
    """A file no image reader would open: damaged if it starts like an image, otherwise named for what it is."""
    what = looks_like(head)
    if what in IMAGE_LOOKS:
        return damaged(name, what)
    return ImageRefused(wording.images.UNREADABLE_KIND.format(name=name, what=what, readable=READABLE))


def cannot_fit(name: str, max_bytes: int) -> ImageRefused:
    return ImageRefused(wording.images.CANNOT_SHRINK.format(name=name, limit=megabytes(max_bytes)))
