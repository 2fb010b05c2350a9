"""Tell an image's real type from its first bytes, whatever its name or declared type says."""

from __future__ import annotations

from dataclasses import dataclass

from bot import wording
from bot.errors import BotError

SNIFF_BYTES = 32


@dataclass(frozen=True)
class ImageKind:
    media_type: str  # what VOD's ApplyUpload calls it
    mime: str


JPEG = ImageKind("jpg", "image/jpeg")
PNG = ImageKind("png", "image/png")
WEBP = ImageKind("webp", "image/webp")


class NotAnImage(BotError, ValueError):
    """The bytes are not a JPEG, PNG or WebP image; the message says what they look like instead."""


# What `looks_like` calls the image formats it knows.
IMAGE_LOOKS = frozenset(
    {
        "an AVIF image",
        "a HEIC/HEIF photo",
        "a JPEG image",
        "a PNG image",
        "a WebP image",
        "a GIF",
        "a BMP bitmap",
        "a TIFF image",
    }
)


def looks_like(head: bytes) -> str:
    """What a file starting with `head` appears to be, in words: "a PDF document", "a HEIC/HEIF photo"."""
    if head.startswith(b"%PDF"):
        return "a PDF document"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "an AVIF image"
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"hevc", b"heim", b"heis"):
        return "a HEIC/HEIF photo"
    if head.startswith(b"\xff\xd8\xff"):
        return "a JPEG image"
    if head.startswith(b"\x89PNG"):
        return "a PNG image"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "a WebP image"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "a GIF"
    if head.startswith(b"BM"):
        return "a BMP bitmap"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "a TIFF image"
    if head.startswith(b"PK\x03\x04"):
        return wording.images.KIND_ZIP_OR_OFFICE
    if head[4:8] == b"ftyp":
        return "a video"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return wording.images.KIND_SVG_OR_XML
    if not head:
        return "an empty file"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return wording.images.KIND_UNKNOWN_BINARY
    return "text"


def sniff(head: bytes) -> ImageKind:
    """The image kind of a file starting with `head`; raises NotAnImage for anything else."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    raise NotAnImage(wording.images.NOT_JPEG_PNG_WEBP.format(looks_like=looks_like(head[:SNIFF_BYTES])))
