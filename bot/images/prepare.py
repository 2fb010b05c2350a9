"""One file made ready for Tencent: sent as it is when it already fits, otherwise decoded and re-encoded; and
`ImagePreparer`, which does that off the event loop, a bounded number at a time, so a burst of photos never
delays an ack."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from bot.images import colour, notes
from bot.images.encoding import encode
from bot.images.limits import ImageLimits
from bot.images.opening import decode, decode_in_draft, format_name, opened, read_head
from bot.images.refusals import too_large_to_fetch
from bot.tencent.imagetype import JPEG, PNG, WEBP, ImageKind

# What Tencent takes as it is, and the pixel modes each may arrive in without being re-encoded.
SENT_AS_IS: dict[str, tuple[ImageKind, frozenset[str]]] = {
    "JPEG": (JPEG, frozenset({"RGB"})),
    "PNG": (PNG, frozenset({"RGB", "RGBA"})),
    "WEBP": (WEBP, frozenset({"RGB", "RGBA"})),
}
# As Pillow's thumbnail does: reduce by whole factors first while the image is over twice the target.
REDUCING_GAP = 2.0
PNG_BIT_DEPTH_OFFSET = 24  # in the IHDR chunk, right after the width and height
# EXIF orientation -> the transpose that makes the picture upright.
UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


@dataclass(frozen=True)
class PreparedImage:
    """A file ready to upload: the original (`path == source`) or a new temporary file that `discard` removes."""

    path: Path
    source: Path
    kind: ImageKind
    size: int
    note: str | None  # what was done, for the person; None when the file is sent byte for byte

    def discard(self) -> None:
        if self.path != self.source:
            with contextlib.suppress(OSError):
                self.path.unlink()


def _fits_as_is(image: Image.Image, head: bytes, size: int, limits: ImageLimits) -> bool:
    """Upright, 8-bit RGB(A), free of metadata, one frame, within both limits, in a format Tencent takes."""
    accepted = SENT_AS_IS.get(image.format or "")
    if accepted is None or image.mode not in accepted[1] or getattr(image, "is_animated", False):
        return False
    if image.format == "PNG" and head[PNG_BIT_DEPTH_OFFSET : PNG_BIT_DEPTH_OFFSET + 1] != b"\x08":
        return False  # Pillow shows 16-bit RGB as 8-bit, but the file itself would go as 16-bit
    return not notes.metadata_keys(image) and max(image.size) <= limits.max_side and size <= limits.max_bytes


def _target(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def scaled(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`image` resized to `size`, or `image` itself when it already is that size.

    Pillow resamples one axis, then the other, and holds the source, the half-done and the finished picture at
    once: for a 27-megapixel photo, about 220 MB at four bytes a pixel. Doing the two passes here, and closing
    `image` between them, frees the full-size pixels before the second pass (about 180 MB at most), with the
    same bicubic filter and the same result.
    """
    if image.size == size:
        return image
    across = image.resize((size[0], image.height), Image.Resampling.BICUBIC, reducing_gap=REDUCING_GAP)
    image.close()
    if across.size == size:
        return across
    done = across.resize(size, Image.Resampling.BICUBIC, reducing_gap=REDUCING_GAP)
    across.close()
    return done


def prepare_image(source: Path, name: str, limits: ImageLimits) -> PreparedImage:
    """Check, and if needed convert, the image in `source`; raises ImageRefused with a sentence for the person.

    Blocking and CPU-bound: run it through ImagePreparer, never on the event loop.
    """
    size = source.stat().st_size
    if size > limits.max_download_bytes:
        raise too_large_to_fetch(name, limits.max_download_bytes, size)
    head = read_head(source)
    with opened(source, name, limits) as image:
        if _fits_as_is(image, head, size, limits):
            # Decoded once at a small scale where the format allows, only to refuse a truncated file now.
            decode_in_draft(image, (max(1, image.width // 16), max(1, image.height // 16)))
            decode(image, name)
            return PreparedImage(source, source, SENT_AS_IS[str(image.format)][0], size, None)
        original = image.size
        source_format = format_name(image)
        turn = notes.orientation(image)
        turned = turn in UPRIGHT or notes.turned_while_read(image)
        location = notes.has_location(image)
        had_metadata = bool(notes.metadata_keys(image))
        # A phone's MPO holds a second, hidden picture, not frames a person would call an animation.
        animated = bool(getattr(image, "is_animated", False)) and image.format != "MPO"
        target = _target(original, limits.max_side)
        if target != original:
            decode_in_draft(image, target)
        decode(image, name)
        fitted = scaled(image, target)
        pixels, colour_changes = colour.sendable(fitted.transpose(UPRIGHT[turn]) if turn in UPRIGHT else fitted)
        if pixels is not fitted:
            fitted.close()  # its pixels are copied: let them go now, not after encoding
        pixels.info = {}  # only what encode writes goes out: no EXIF, GPS, XMP, comments or text
        encoded = encode(pixels, name, limits.max_bytes)
        del pixels
    changes = [
        change
        for change in (
            notes.converted(source_format, encoded.kind, encoded.kind is PNG),
            notes.scaled(original, limits.max_side) if target != original else None,
            notes.TURNED_UPRIGHT if turned else None,
            *colour_changes,
            notes.FIRST_FRAME if animated else None,
            *encoded.changes,
            notes.metadata_removed(location) if had_metadata else None,
        )
        if change
    ]
    return PreparedImage(
        _written(encoded.data, encoded.kind), source, encoded.kind, len(encoded.data), notes.note(name, changes)
    )


def _written(data: bytes, kind: ImageKind) -> Path:
    handle, raw_path = tempfile.mkstemp(prefix="aigc-prepared-", suffix=f".{kind.media_type}")
    try:
        with os.fdopen(handle, "wb") as sink:
            sink.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(raw_path)
        raise
    return Path(raw_path)


class ImagePreparer:
    """Decodes in threads of its own, at most `concurrency` (by default one per core) at once; the rest queue.

    Decoding is CPU-bound and holds a whole picture in memory, so more at once than cores only costs memory. The
    threads are its own, not the event loop's shared pool: few threads reuse the same memory picture after
    picture, where many would each keep some.
    """

    def __init__(self, limits: ImageLimits, concurrency: int | None = None) -> None:
        self.limits = limits
        self._threads = ThreadPoolExecutor(max_workers=concurrency or os.cpu_count() or 1, thread_name_prefix="images")

    async def prepare(self, path: Path, name: str) -> PreparedImage:
        """`path` checked and, if needed, converted; raises ImageRefused with a sentence naming `name`."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, prepare_image, path, name, self.limits)

    def close(self) -> None:
        """Let the threads end once the images in progress are done; nothing new may be prepared afterwards."""
        self._threads.shutdown(wait=False, cancel_futures=True)
