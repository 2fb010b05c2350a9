"""Small PNGs drawn in code: the demo's sample product photo and the product shots the stand-in VOD returns.

Drawn rather than shipped, so the package carries no binary files; each is a few KB.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

Rgb = tuple[int, int, int]
SIZE = 96
MUG: Rgb = (29, 53, 87)
HANDLE_SHADE: Rgb = (22, 40, 66)
# One backdrop per generated shot, in turn: the stand-in's idea of "on a marble counter".
BACKDROPS: tuple[tuple[Rgb, Rgb], ...] = (
    ((236, 232, 224), (196, 186, 170)),
    ((247, 220, 196), (214, 160, 120)),
    ((214, 234, 223), (140, 180, 160)),
    ((226, 223, 242), (160, 150, 200)),
)


def encode_png(width: int, height: int, pixel: Callable[[int, int], Rgb]) -> bytes:
    """An 8-bit RGB PNG whose pixel at (x, y) is pixel(x, y)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def _mug(x: int, y: int) -> Rgb | None:
    """The product: a mug, its body a rectangle and its handle a ring on the right."""
    if 30 <= x <= 60 and 28 <= y <= 72:
        return MUG
    distance = (x - 61) ** 2 + (y - 48) ** 2
    if x > 60 and 64 <= distance <= 144:
        return HANDLE_SHADE
    return None


def sample_product_png() -> bytes:
    """The sample photo the demo sends: the mug on white."""
    return encode_png(SIZE, SIZE, lambda x, y: _mug(x, y) or (255, 255, 255))


def product_shot_png(index: int) -> bytes:
    """Generated shot number `index`: the same mug on a backdrop and counter that change with the index."""
    wall, counter = BACKDROPS[index % len(BACKDROPS)]

    return encode_png(SIZE, SIZE, lambda x, y: _mug(x, y) or (counter if y > 72 else wall))
