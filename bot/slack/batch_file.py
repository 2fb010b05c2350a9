"""Fetching a shared CSV file from Slack with the bot token, which never goes anywhere but Slack."""

from __future__ import annotations

import contextlib
from typing import Any

import httpx

from bot import wording
from bot.slack.batch_text import BatchFileError
from bot.slack.files import DownloadTooLarge, download_to_temp_file, token_may_go_to

# A catalogue of the largest batch allowed is a few hundred KB; anything far larger is not one.
MAX_CSV_BYTES = 5 * 1_048_576


async def download_csv(
    http: httpx.AsyncClient, meta: dict[str, Any], *, bot_token: str, api_url: str, max_bytes: int = MAX_CSV_BYTES
) -> bytes:
    """The file's bytes; raises BatchFileError with a sentence for the person when they cannot be had."""
    name = str(meta.get("name") or meta.get("id") or "the file")
    url = str(meta.get("url_private_download") or meta.get("url_private") or "")
    if not url:
        raise BatchFileError(wording.images.NO_DOWNLOAD_LINK.format(name=name))
    if not token_may_go_to(url, api_url):
        raise BatchFileError(wording.images.LINK_NOT_SLACK.format(name=name))

    def refused(response: httpx.Response) -> None:
        if response.status_code != 200:
            raise BatchFileError(
                wording.batches.SLACK_REFUSED_DOWNLOAD.format(name=name, status_code=response.status_code)
            )

    try:
        path = await download_to_temp_file(
            http,
            url,
            max_bytes=max_bytes,
            prefix="aigc-batch-",
            headers={"Authorization": f"Bearer {bot_token}"},
            check_response=refused,
        )
    except DownloadTooLarge:
        raise BatchFileError(
            wording.batches.FILE_TOO_LARGE.format(name=name, max_megabytes=max_bytes // 1048576)
        ) from None
    except httpx.TransportError as error:
        raise BatchFileError(
            wording.batches.DOWNLOAD_FAILED.format(name=name, error_kind=type(error).__name__)
        ) from None
    try:
        body = path.read_bytes()
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    if body[:64].lstrip().lower().startswith((b"<!doctype html", b"<html")):
        raise BatchFileError(wording.batches.SLACK_SENT_SIGN_IN_PAGE.format(name=name))
    return body
