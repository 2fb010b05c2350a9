"""Turn image references into FileInfos: the one place that knows how each kind of reference reaches VOD.

Files the bot reads itself (shared in Slack, or named on the command line) are prepared first (bot/images);
links are passed to Tencent as they are, and Tencent fetches them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bot import wording
from bot.config import Settings
from bot.images.limits import MB, ImageLimits
from bot.images.opening import opened
from bot.images.prepare import ImagePreparer
from bot.images.refusals import too_large_to_fetch
from bot.slack.refs import BadRef, FileIdRef, Ref, SlackFileRef, UrlRef
from bot.tencent.models import FileInfo
from bot.tencent.upload import expire_time_after, upload_image_file
from bot.tencent.vod import VodClient


@dataclass(frozen=True)
class Resolved:
    """Where Tencent finds an image, and what was done to it on the way (None when nothing was)."""

    info: FileInfo
    note: str | None = None


LocalFiles = Callable[[Path], Awaitable[Resolved]]
SlackFiles = Callable[[SlackFileRef], Awaitable[Resolved]]


async def file_info_for(ref: Ref, *, local: LocalFiles | None = None, slack: SlackFiles | None = None) -> Resolved:
    """The FileInfo for `ref`: FileIds and URLs pass through; local and Slack files go to whoever may read them.

    Without `local`, a path is refused: a request from Slack must never make the bot read a file on its disk.
    """
    if isinstance(ref, FileIdRef):
        return Resolved(FileInfo.of_file(ref.file_id))
    if isinstance(ref, UrlRef):
        return Resolved(FileInfo.of_url(ref.url))
    if isinstance(ref, SlackFileRef):
        if slack is None:
            raise BadRef(wording.connections.SLACK_FILE_OUTSIDE_SLACK)
        return await slack(ref)
    if local is None:
        raise BadRef(wording.connections.LOCAL_FILE_IN_SLACK)
    return await local(ref.path)


def image_limits(settings: Settings) -> ImageLimits:
    return ImageLimits(
        max_side=settings.aigc_bot_max_image_side,
        max_bytes=int(settings.aigc_bot_max_image_mb * MB),
        max_pixels=int(settings.aigc_bot_max_megapixels * 1_000_000),
        max_download_bytes=int(settings.aigc_bot_max_download_mb * MB),
    )


def check_local_image(settings: Settings, path: Path) -> None:
    """Refuse (ImageRefused) a local file that is too large, not an image, or has too many pixels: what its size
    and header tell, without decoding it."""
    limits = image_limits(settings)
    size = path.stat().st_size
    if size > limits.max_download_bytes:
        raise too_large_to_fetch(path.name, limits.max_download_bytes, size)
    with opened(path, path.name, limits):
        pass


def local_uploader(vod: VodClient, settings: Settings) -> LocalFiles:
    """Prepare a local image, upload it to VOD (ApplyUpload, COS PUT, CommitUpload) and give its FileInfo."""
    preparer = ImagePreparer(image_limits(settings))

    async def upload(path: Path) -> Resolved:
        prepared = await preparer.prepare(path, path.name)
        try:
            uploaded = await upload_image_file(
                vod,
                prepared.path,
                cos_endpoint=settings.tencentcloud_cos_endpoint,
                max_bytes=preparer.limits.max_bytes,
                expire_time=expire_time_after(settings.aigc_bot_upload_expire_days),
            )
        finally:
            prepared.discard()
        return Resolved(FileInfo.of_file(uploaded.file_id), prepared.note)

    return upload
