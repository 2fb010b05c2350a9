"""Slack files as VOD FileIds: download with the bot token, check the bytes, upload once, remember."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import InitVar, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from slack_sdk.errors import SlackApiError

from bot import wording
from bot.errors import AigcBotError, BotError
from bot.images.opening import read_head
from bot.images.prepare import ImagePreparer, PreparedImage
from bot.images.refusals import READABLE, ImageRefused, too_large_to_fetch
from bot.observe import counts_upload
from bot.slack.conversation import slack_error_code
from bot.store.db import RequestLog
from bot.store.slack_files import cached_file_id, remember_file_id
from bot.tencent.cos import DEFAULT_ATTEMPTS, DEFAULT_BACKOFF
from bot.tencent.upload import UploadedImage, expire_time_after, upload_image_file
from bot.tencent.vod import VodClient

log = logging.getLogger(__name__)

FileInfoLookup = Callable[[str], Awaitable[dict[str, Any]]]
IMAGE_FILETYPES = frozenset({"jpg", "jpeg", "png", "webp", "heic", "heif", "avif", "gif", "bmp", "tiff", "tif"})
SLACK_HOST = "slack.com"
_HOST_CHARACTERS = re.compile(r"^[a-z0-9.:-]+$")  # letters, digits, dots, hyphens; colons only in IPv6
_DEFAULT_PORTS = {"https": 443, "http": 80}
_CHUNK_BYTES = 256 * 1024


class DownloadTooLarge(BotError, ValueError):
    """A download grew past its size limit; nothing of it was kept."""

    def __init__(self, limit: int) -> None:
        super().__init__(wording.images.DOWNLOAD_TOO_LARGE.format(limit=limit))


async def download_to_temp_file(
    http: httpx.AsyncClient,
    url: str,
    *,
    max_bytes: int,
    prefix: str,
    headers: Mapping[str, str] | None = None,
    check_response: Callable[[httpx.Response], object] = httpx.Response.raise_for_status,
) -> Path:
    """Stream a GET of `url` into a new temporary file and return its path; the caller deletes the file.

    `check_response` sees the status and headers before the body is read, and raises to refuse the answer
    (by default any status other than 2xx). Redirects are not followed, so a credential in `headers` goes
    to `url` alone. Past `max_bytes` the download stops with DownloadTooLarge. Whatever goes wrong, the
    partial file is removed before the error propagates.
    """
    handle, raw_path = tempfile.mkstemp(prefix=prefix, suffix=".img")
    path = Path(raw_path)
    try:
        with os.fdopen(handle, "wb") as sink:
            async with http.stream("GET", url, headers=headers, follow_redirects=False) as response:
                check_response(response)
                received = 0
                async for chunk in response.aiter_bytes(_CHUNK_BYTES):
                    received += len(chunk)
                    if received > max_bytes:
                        raise DownloadTooLarge(max_bytes)
                    await asyncio.to_thread(sink.write, chunk)
    except BaseException:
        with contextlib.suppress(OSError):
            path.unlink()
        raise
    return path


@dataclass(frozen=True)
class SlackUpload:
    """A Slack file in VOD: its FileId, and what was done to the image on the way (None if nothing, or reused)."""

    file_id: str
    note: str | None = None


class SlackFileError(AigcBotError, ValueError):
    """A shared file that cannot be used; the message says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__("Slack.FileUnusable", message, log_text=message)

    def user_text(self) -> str:
        return f"{self.message}\nCode: {self.code}"


class SlackDownloadFailed(AigcBotError):
    """Slack did not hand over a shared file (its servers failed, or the connection did)."""

    def __init__(self, message: str) -> None:
        super().__init__("Slack.DownloadFailed", message)


def _check_slack_answer(name: str, response: httpx.Response) -> None:
    if response.status_code >= 500 or response.status_code == 429:
        raise SlackDownloadFailed(
            wording.images.SLACK_DOWNLOAD_HTTP_ERROR.format(name=name, status_code=response.status_code)
        )
    if response.status_code != 200:
        raise SlackFileError(wording.images.SLACK_REFUSED_DOWNLOAD.format(name=name, status_code=response.status_code))


def _origin(url: str) -> tuple[str, str, int] | None:
    """Scheme, host and port a request to `url` would really go to; None for anything unclear."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if scheme not in _DEFAULT_PORTS or not _HOST_CHARACTERS.match(host):
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS[scheme]


def is_partial(file: dict[str, Any]) -> bool:
    """A file object Slack sent without what is needed to judge it: Slack Connect stubs, bare ids."""
    has_type = bool(file.get("mimetype") or file.get("filetype"))
    has_link = bool(file.get("url_private_download") or file.get("url_private"))
    return bool(file.get("id")) and (not has_type or not has_link or file.get("file_access") == "check_file_info")


def is_image(file: dict[str, Any]) -> bool:
    """Whether Slack describes the file as a picture; its bytes are checked again before upload."""
    mimetype = str(file.get("mimetype") or "")
    return mimetype.startswith("image/") or str(file.get("filetype") or "").lower() in IMAGE_FILETYPES


def _kind(file: dict[str, Any]) -> str:
    described = str(file.get("pretty_type") or file.get("filetype") or "").strip()
    mimetype = str(file.get("mimetype") or "").strip()
    if described and mimetype:
        return f"a {described} file ({mimetype})"
    return f"a {described or mimetype} file"


def token_may_go_to(url: str, api_url: str) -> bool:
    """The bot token only goes to Slack itself over https on the standard port, or to exactly the scheme,
    host and port of the configured Slack API address (SLACK_API_URL)."""
    target = _origin(url)
    if target is None:
        return False
    if target == _origin(api_url):
        return True
    scheme, host, port = target
    is_slack = host == SLACK_HOST or host.endswith("." + SLACK_HOST)
    return scheme == "https" and port == _DEFAULT_PORTS["https"] and is_slack


@dataclass(kw_only=True, eq=False)
class SlackFileUploader:
    vod: VodClient
    log_db: RequestLog
    http: httpx.AsyncClient
    bot_token: str = field(repr=False)
    api_url: str
    file_info: FileInfoLookup
    preparer: ImagePreparer
    cos_endpoint: str | None
    expire_days: int
    max_concurrent: InitVar[int] = 8

    def __post_init__(self, max_concurrent: int) -> None:
        self._in_flight: dict[str, asyncio.Future[SlackUpload]] = {}
        # Each transfer holds a few buffers and a temporary file; a burst of requests queues here instead.
        self._transfers = asyncio.Semaphore(max_concurrent)

    async def file_id_for(self, slack_file_id: str, known: dict[str, Any] | None = None) -> SlackUpload:
        """The VOD FileId of a Slack file, prepared and uploaded only if no usable upload exists."""
        cached = cached_file_id(self.log_db, slack_file_id)
        if cached:
            return SlackUpload(cached)
        pending = self._in_flight.get(slack_file_id)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[SlackUpload] = asyncio.get_running_loop().create_future()
        self._in_flight[slack_file_id] = future
        try:
            upload = await self._upload(slack_file_id, known)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved here so an unawaited future logs nothing
            raise
        else:
            future.set_result(upload)
            return upload
        finally:
            self._in_flight.pop(slack_file_id, None)

    async def _metadata(self, slack_file_id: str, known: dict[str, Any] | None) -> dict[str, Any]:
        if known and not is_partial(known):
            return known
        try:
            return await self.file_info(slack_file_id)
        except SlackApiError as error:
            shown = str((known or {}).get("name") or slack_file_id)
            raise SlackFileError(
                wording.images.SLACK_WOULD_NOT_SHARE.format(shown=shown, slack_error=slack_error_code(error))
            ) from None

    async def _upload(self, slack_file_id: str, known: dict[str, Any] | None) -> SlackUpload:
        meta = await self._metadata(slack_file_id, known)
        name = str(meta.get("name") or meta.get("title") or slack_file_id)
        if (meta.get("mimetype") or meta.get("filetype")) and not is_image(meta):
            raise SlackFileError(
                wording.images.NOT_AN_IMAGE_FILE.format(name=name, kind=_kind(meta), readable=READABLE)
            )
        size = int(meta.get("size") or 0)
        limit = self.preparer.limits.max_download_bytes
        if size > limit:
            raise SlackFileError(str(too_large_to_fetch(name, limit, size)))
        async with self._transfers:
            uploaded, expire_time, note = await self._transfer(meta, name)
        remember_file_id(
            self.log_db,
            slack_file_id,
            uploaded.file_id,
            media_type=uploaded.kind.media_type,
            size=uploaded.size,
            expires_at=expire_time,
        )
        return SlackUpload(uploaded.file_id, note)

    @counts_upload
    async def _transfer(self, meta: dict[str, Any], name: str) -> tuple[UploadedImage, str | None, str | None]:
        """Download from Slack to a temporary file, prepare it (docs/images.md), then upload it to VOD."""
        path = await self._download_patiently(meta, name)
        prepared: PreparedImage | None = None
        try:
            try:
                prepared = await self.preparer.prepare(path, name)
            except ImageRefused as refused:
                raise SlackFileError(str(refused)) from None
            expire_time = expire_time_after(self.expire_days)
            uploaded = await upload_image_file(
                self.vod,
                prepared.path,
                cos_endpoint=self.cos_endpoint,
                max_bytes=self.preparer.limits.max_bytes,
                expire_time=expire_time,
            )
        finally:
            if prepared is not None:
                prepared.discard()
            with contextlib.suppress(OSError):
                path.unlink()
        return uploaded, expire_time, prepared.note

    async def _download_patiently(self, meta: dict[str, Any], name: str) -> Path:
        """Download, trying again after a passing failure: fetching a file from Slack is never billed."""
        for attempt in range(1, DEFAULT_ATTEMPTS + 1):
            try:
                return await self._download(meta, name)
            except SlackDownloadFailed as failure:
                if attempt >= DEFAULT_ATTEMPTS:
                    raise
                log.info("%s; retry %d of %d", failure.message, attempt, DEFAULT_ATTEMPTS - 1)
                await asyncio.sleep(DEFAULT_BACKOFF * 2 ** (attempt - 1))
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _download(self, meta: dict[str, Any], name: str) -> Path:
        url = str(meta.get("url_private_download") or meta.get("url_private") or "")
        if not url:
            raise SlackFileError(wording.images.NO_DOWNLOAD_LINK.format(name=name))
        if not token_may_go_to(url, self.api_url):
            raise SlackFileError(wording.images.LINK_NOT_SLACK.format(name=name))
        limit = self.preparer.limits.max_download_bytes
        try:
            path = await download_to_temp_file(
                self.http,
                url,
                max_bytes=limit,
                prefix="aigc-slack-",
                headers={"Authorization": f"Bearer {self.bot_token}"},
                check_response=partial(_check_slack_answer, name),
            )
        except DownloadTooLarge:
            raise SlackFileError(str(too_large_to_fetch(name, limit))) from None
        except httpx.TransportError as error:
            raise SlackDownloadFailed(
                wording.images.DOWNLOAD_FAILED.format(name=name, error_kind=type(error).__name__)
            ) from None
        try:
            head = await asyncio.to_thread(read_head, path)
            if head.lstrip().lower().startswith((b"<!doctype html", b"<html")):
                raise SlackFileError(wording.images.SLACK_SENT_SIGN_IN_PAGE.format(name=name))
        except BaseException:
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return path
