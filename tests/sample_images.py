"""Image files as people have them, made with Pillow and pillow-heif at run time (nothing large is committed)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pillow_heif
from PIL import Image

ORIENTATION = 0x0112
GPS_IFD = 0x8825
MARK = (220, 20, 20)  # the top-left corner as a person should see it
OTHER = (20, 20, 220)  # the top-right corner
GROUND = (235, 235, 235)


def marked(width: int = 96, height: int = 64) -> Image.Image:
    """A landscape picture as it should look: a red block at the top left, a blue one at the top right."""
    image = Image.new("RGB", (width, height), GROUND)
    block = height // 3
    image.paste(MARK, (0, 0, block, block))
    image.paste(OTHER, (width - block, 0, width, block))
    return image


def camera_exif(orientation: int = 1, *, gps: bool = True) -> bytes:
    """EXIF as a phone writes it: make and model, an orientation, and where the photo was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"
    exif[0x0110] = "Phone 15"
    exif[ORIENTATION] = orientation
    if gps:
        location = exif.get_ifd(GPS_IFD)
        location[1] = "N"
        location[2] = (48.0, 51.0, 29.0)
        location[3] = "E"
        location[4] = (2.0, 17.0, 40.0)
    return exif.tobytes()


def encoded(image: Image.Image, format_name: str, **options: Any) -> bytes:
    sink = io.BytesIO()
    image.save(sink, format_name, **options)
    return sink.getvalue()


def heic(image: Image.Image, **options: Any) -> bytes:
    sink = io.BytesIO()
    pillow_heif.from_pillow(image).save(sink, quality=80, **options)
    return sink.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def pixel_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A tiny PNG whose header claims `width` x `height` pixels: decoding it would need gigabytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(b"\x00" * 1024))
        + _chunk(b"IEND", b"")
    )


def photo_like(width: int, height: int, seed_sigma: float = 24.0) -> Image.Image:
    """A picture with a camera photo's mix of smooth light and fine grain, so JPEG sizes are realistic."""
    light = Image.linear_gradient("L").resize((width, height))
    grain = Image.effect_noise((width, height), seed_sigma)
    return Image.merge("RGB", (light, grain, Image.blend(light, grain, 0.5)))
