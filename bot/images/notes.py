"""What was done to an image, in the words a person sees under their request."""

from __future__ import annotations

from PIL import Image

from bot import wording
from bot.tencent.imagetype import ImageKind

GPS_IFD = 0x8825
ORIENTATION = 0x0112
# What Image.info may hold that only says how to show the pixels; anything else is metadata to drop.
RENDERING_INFO = frozenset(
    {
        "jfif",
        "jfif_version",
        "jfif_unit",
        "jfif_density",
        "dpi",
        "adobe",
        "adobe_transform",
        "progressive",
        "progression",
        "icc_profile",
        "gamma",
        "srgb",
        "chromaticity",
        "transparency",
        "aspect",
        "loop",
        "background",
        "duration",
        "compression",
        "resolution",
        "version",
        "extension",
        # how pillow-heif describes a HEIF file's structure
        "primary",
        "bit_depth",
        "chroma",
        "nclx_profile",
        "original_orientation",
        "depth_images",
        "thumbnails",
        "aux",
    }
)


def metadata_keys(image: Image.Image) -> set[str]:
    """The metadata the file carries (EXIF, XMP, comments, text chunks...), by Pillow's names for them."""
    return {str(key) for key, value in image.info.items() if value and key not in RENDERING_INFO}


def has_location(image: Image.Image) -> bool:
    try:
        return bool(image.getexif().get_ifd(GPS_IFD))
    except Exception:  # a broken EXIF block is dropped with the rest; it only decides the wording
        return False


def orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(ORIENTATION, 1)
    except Exception:  # unreadable EXIF: treat as upright, as viewers do
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def turned_while_read(image: Image.Image) -> bool:
    """Whether the reader itself turned the picture upright: libheif applies a HEIC's rotation as it decodes."""
    return image.info.get("original_orientation") not in (None, 1)


def converted(source_format: str, kind: ImageKind, transparent: bool) -> str | None:
    target = "PNG" if kind.media_type == "png" else "JPEG"
    if source_format == target:
        return None
    return f"converted to {target}" + (" (it has transparency)" if transparent else "")


def scaled(original: tuple[int, int], max_side: int) -> str:
    return wording.images.CHANGED_LONG_SIDE.format(width=original[0], height=original[1], max_side=max_side)


TURNED_UPRIGHT = "turned upright"
FIRST_FRAME = "first frame only"


def metadata_removed(location: bool) -> str:
    return "removed its metadata" + (" (including the GPS location)" if location else "")


def note(name: str, changes: list[str]) -> str | None:
    """`IMG_4821.HEIC: converted to JPEG, 4032x3024 -> 4096 px long side`, or None when nothing was changed."""
    return f"{name}: {', '.join(changes)}" if changes else None
