"""The limits an image must meet, read once from the settings."""

from __future__ import annotations

from dataclasses import dataclass

MB = 1_048_576


@dataclass(frozen=True)
class ImageLimits:
    max_side: int  # pixels on the long side of what is sent
    max_bytes: int  # size of what is sent
    max_pixels: int  # of what is accepted, judged from the header before decoding
    max_download_bytes: int  # of what is fetched or read at all


def megabytes(size: int) -> str:
    """A byte count as people read file sizes: `20.9 MB`, `10 MB`."""
    value = size / MB
    return f"{value:.0f} MB" if value == round(value) else f"{value:.1f} MB"
