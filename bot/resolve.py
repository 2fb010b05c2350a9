"""Turn image references into FileInfos: the one place that knows how each kind of reference reaches VOD."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from bot.config import Settings
from bot.slack.refs import BadRef, FileIdRef, Ref, SlackFileRef, UrlRef
from bot.tencent.imagetype import ImageKind
from bot.tencent.models import FileInfo
from bot.tencent.upload import check_image_file, expire_time_after, upload_image_file
from bot.tencent.vod import VodClient

LocalFiles = Callable[[Path], Awaitable[FileInfo]]
SlackFiles = Callable[[SlackFileRef], Awaitable[FileInfo]]


async def file_info_for(ref: Ref, *, local: LocalFiles | None = None, slack: SlackFiles | None = None) -> FileInfo:
    """The FileInfo for `ref`: FileIds and URLs pass through; local and Slack files go to whoever may read them.

    Without `local`, a path is refused: a request from Slack must never make the bot read a file on its disk.
    """
    if isinstance(ref, FileIdRef):
        return FileInfo.of_file(ref.file_id)
    if isinstance(ref, UrlRef):
        return FileInfo.of_url(ref.url)
    if isinstance(ref, SlackFileRef):
        if slack is None:
            raise BadRef("a file shared in Slack can only be used from Slack")
        return await slack(ref)
    if local is None:
        raise BadRef("local files cannot be used from Slack")
    return await local(ref.path)


def max_image_bytes(settings: Settings) -> int:
    return int(settings.aigc_bot_max_image_mb * 1_048_576)


def check_local_image(settings: Settings, path: Path) -> ImageKind:
    """The real type of a local image, from its bytes; NotAnImage or ImageTooLarge say what is wrong."""
    kind, _ = check_image_file(path, max_image_bytes(settings))
    return kind


def local_uploader(vod: VodClient, settings: Settings) -> LocalFiles:
    """Upload a local image to VOD (ApplyUpload, COS PUT, CommitUpload) and give its FileInfo."""

    async def upload(path: Path) -> FileInfo:
        uploaded = await upload_image_file(
            vod,
            path,
            cos_endpoint=settings.tencentcloud_cos_endpoint,
            max_bytes=max_image_bytes(settings),
            expire_time=expire_time_after(settings.aigc_bot_upload_expire_days),
        )
        return FileInfo.of_file(uploaded.file_id)

    return upload
