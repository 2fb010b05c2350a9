"""Pixels as Tencent takes them: 8-bit sRGB, with an alpha channel only where something is see-through."""

from __future__ import annotations

import io
import logging

from PIL import Image, ImageCms

from bot import wording

log = logging.getLogger(__name__)

SIXTEEN_BIT_MODES = frozenset({"I;16", "I;16B", "I;16L", "I;16N", "I"})
_SRGB = ImageCms.createProfile("sRGB")


def has_transparency(image: Image.Image) -> bool:
    """Whether any pixel is at all see-through; an alpha channel that is opaque everywhere does not count."""
    if not image.has_transparency_data:
        return False
    alpha = image.convert("RGBA").getchannel("A") if image.mode != "RGBA" else image.getchannel("A")
    low = alpha.getextrema()[0]
    return isinstance(low, int) and low < 255


def _eight_bit(image: Image.Image) -> Image.Image:
    """A 16-bit grey image scaled to 8 bits: converting directly would clip everything above 255 to white."""
    return image.convert("I").point(lambda value: value / 256).convert("L")


def _in_srgb(image: Image.Image, mode: str) -> Image.Image:
    """Colours moved from the image's own ICC profile to sRGB (print CMYK, a phone's Display P3), or converted
    plainly when the profile cannot be used: Tencent, like browsers, reads pixels without a profile as sRGB."""
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
        converted = ImageCms.profileToProfile(image, profile, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as failure:
        log.info("ignoring an unusable colour profile: %s", failure)
        return image.convert(mode)
    assert converted is not None, "profileToProfile returns a new image unless told to work in place"
    return converted


def sendable(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """The image in RGB, or RGBA when it has transparency, and what was changed in words."""
    changes: list[str] = []
    if image.mode in SIXTEEN_BIT_MODES:
        image = _eight_bit(image)
        changes.append(wording.images.CHANGED_16_TO_8_BITS)
    elif image.mode == "CMYK":
        changes.append(wording.images.CHANGED_CMYK_TO_RGB)
    mode = "RGBA" if has_transparency(image) else "RGB"
    if image.info.get("icc_profile") and image.mode in ("RGB", "RGBA", "CMYK"):
        return _in_srgb(image, mode), changes
    return (image if image.mode == mode else image.convert(mode)), changes
