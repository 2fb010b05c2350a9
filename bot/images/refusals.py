"""Every sentence that refuses a file, written once; each names the file and says what to do instead."""

from __future__ import annotations

from bot.errors import BotError
from bot.images.limits import megabytes
from bot.tencent.imagetype import IMAGE_LOOKS, looks_like

READABLE = "HEIC/HEIF, AVIF, JPEG, PNG, WebP, GIF, BMP and TIFF"


class ImageRefused(BotError, ValueError):
    """A file that cannot be used as an image; its message is a whole sentence for the person who shared it."""


def too_large_to_fetch(name: str, limit: int, size: int | None = None) -> ImageRefused:
    """A file over the download limit, refused before (or, when its size was unknown, while) fetching it."""
    stated = f"{name} is {megabytes(size)}" if size is not None else f"{name} is over {megabytes(limit)}"
    return ImageRefused(f"{stated}; I only fetch files of up to {megabytes(limit)}, so nothing was downloaded.")


def too_many_pixels(name: str, width: int, height: int, max_pixels: int) -> ImageRefused:
    return ImageRefused(
        f"{name} is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
        f"images can be at most {max_pixels / 1e6:.0f} megapixels. Scale it down and share it again."
    )


def damaged(name: str, what: str) -> ImageRefused:
    """`what`: what the file starts like, e.g. "a JPEG image"."""
    return ImageRefused(
        f"{name} starts like {what} but is truncated or damaged, so I could not read it. Share the original file again."
    )


def unreadable(name: str, head: bytes) -> ImageRefused:
    """A file no image reader would open: damaged if it starts like an image, otherwise named for what it is."""
    what = looks_like(head)
    if what in IMAGE_LOOKS:
        return damaged(name, what)
    return ImageRefused(f"{name} is not an image I can read: it looks like {what}. I read {READABLE}.")


def cannot_fit(name: str, max_bytes: int) -> ImageRefused:
    return ImageRefused(f"{name} could not be made smaller than {megabytes(max_bytes)}, the most Tencent is sent.")
