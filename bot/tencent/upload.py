"""Put a local image into VOD (ApplyUpload, COS PUT, CommitUpload) and get its FileId."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot import wording
from bot.errors import BotError
from bot.tencent import cos
from bot.tencent.imagetype import SNIFF_BYTES, ImageKind, sniff
from bot.tencent.vod import VodClient, tencent_time

CHUNK_SIZE = 256 * 1024


class ImageTooLarge(BotError, ValueError):
    pass


@dataclass(frozen=True)
class UploadedImage:
    file_id: str
    kind: ImageKind
    size: int


def expire_time_after(days: int, now: datetime | None = None) -> str | None:
    """An ISO 8601 expiry `days` from now, or None for files that should never expire."""
    if days <= 0:
        return None
    return tencent_time((now or datetime.now(UTC)) + timedelta(days=days))


def check_image_file(path: Path, max_bytes: int) -> tuple[ImageKind, int]:
    """The real image type and size of `path`, or a ValueError a person can act on."""
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageTooLarge(
            wording.images.OVER_UPLOAD_LIMIT.format(
                name=path.name, megabytes=size / 1048576, max_megabytes=max_bytes / 1048576
            )
        )
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    return sniff(head), size


async def _file_chunks(path: Path, chunk_size: int) -> AsyncIterator[bytes]:
    handle = await asyncio.to_thread(path.open, "rb")
    try:
        while chunk := await asyncio.to_thread(handle.read, chunk_size):
            yield chunk
    finally:
        handle.close()


async def upload_image_file(
    vod: VodClient,
    path: Path,
    *,
    cos_endpoint: str | None,
    max_bytes: int,
    expire_time: str | None,
    put_attempts: int = cos.DEFAULT_ATTEMPTS,
    put_backoff: float = cos.DEFAULT_BACKOFF,
) -> UploadedImage:
    """Raises VodError when VOD refuses, CosUploadError when the PUT to storage fails for good."""
    kind, size = check_image_file(path, max_bytes)
    ticket = await vod.apply_upload(kind.media_type, expire_time=expire_time)
    await cos.put_object(
        vod.http,
        base_url=cos.bucket_base_url(ticket.bucket, ticket.region, cos_endpoint),
        path=ticket.media_path,
        open_body=lambda: _file_chunks(path, CHUNK_SIZE),
        size=size,
        content_type=kind.mime,
        secret_id=ticket.temp_secret_id,
        secret_key=ticket.temp_secret_key.get_secret_value(),
        token=ticket.temp_token.get_secret_value(),
        attempts=put_attempts,
        backoff=put_backoff,
    )
    file_id = await vod.commit_upload(ticket.session_key)
    return UploadedImage(file_id=file_id, kind=kind, size=size)
