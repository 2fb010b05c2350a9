"""Turn image references into FileInfos, uploading whatever is not yet in VOD."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Settings
from bot.slack.refs import FileIdRef, PathRef, Ref, SlackFileRef, UrlRef
from bot.tencent.models import FileInfo
from bot.tencent.upload import expire_time_after, upload_image_file
from bot.tencent.vod import VodClient

Resolver = Callable[[Ref], Awaitable[FileInfo]]


async def upload_path(vod: VodClient, settings: Settings, path: Path) -> FileInfo:
    uploaded = await upload_image_file(
        vod,
        path,
        cos_endpoint=settings.tencentcloud_cos_endpoint,
        max_bytes=int(settings.aigc_bot_max_image_mb * 1_048_576),
        expire_time=expire_time_after(settings.aigc_bot_upload_expire_days),
    )
    return FileInfo.of_file(uploaded.file_id)


def local_resolver(vod: VodClient, settings: Settings) -> Resolver:
    """For the command line: FileIds and URLs pass through, local paths are uploaded."""

    async def resolve(ref: Ref) -> FileInfo:
        if isinstance(ref, FileIdRef):
            return FileInfo.of_file(ref.file_id)
        if isinstance(ref, UrlRef):
            return FileInfo.of_url(ref.url)
        if isinstance(ref, PathRef):
            return await upload_path(vod, settings, ref.path)
        assert isinstance(ref, SlackFileRef)
        raise ValueError("Slack files can only be used from Slack")

    return resolve


async def resolve_all(refs: list[Ref], resolver: Resolver) -> list[FileInfo]:
    return list(await asyncio.gather(*(resolver(ref) for ref in refs)))
