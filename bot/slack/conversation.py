"""Where the bot answers one request: a thread in the channel, or the command's response_url."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot import wording
from bot.errors import BotError
from bot.slack.pacing import Superseded

log = logging.getLogger(__name__)

# Errors that mean "the bot cannot write in this conversation", as opposed to a passing failure.
CANNOT_POST = frozenset(
    {"not_in_channel", "channel_not_found", "is_archived", "restricted_action", "cant_post", "access_denied"}
)


def slack_error_code(error: SlackApiError) -> str:
    """Slack's error code, also when the answer was not JSON (a 5xx page from a proxy, say)."""
    data = getattr(error.response, "data", None)
    if isinstance(data, dict):
        return str(data.get("error", "unknown_error"))
    return f"http_{getattr(error.response, 'status_code', 'error')}"


class SlackUnavailable(BotError):
    """Slack would not take a message even after retries; the work itself may have succeeded."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code

    @property
    def lasting(self) -> bool:
        """Whether trying again cannot help: the bot may not write in this conversation at all."""
        return self.code in CANNOT_POST


def _unavailable(method: str, error: SlackClientError | aiohttp.ClientError | TimeoutError) -> SlackUnavailable:
    """What a failed call becomes, once the client's own retries (429, 5xx, connection) are spent."""
    code = slack_error_code(error) if isinstance(error, SlackApiError) else type(error).__name__
    log.warning("%s failed: %s", method, code)
    return SlackUnavailable(code)


@dataclass
class Conversation:
    client: AsyncWebClient
    channel_id: str
    thread_ts: str | None = None
    status_ts: str | None = None
    response_url: str | None = None
    via_response_url: bool = False

    async def _post(self, text: str, blocks: list[dict[str, Any]] | None, thread_ts: str | None) -> str | None:
        try:
            answer = await self.client.chat_postMessage(
                channel=self.channel_id,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as error:
            if slack_error_code(error) in CANNOT_POST and self.response_url:
                self.via_response_url = True
                await self._respond(f"{wording.slack.NOT_A_MEMBER.format(channel_id=self.channel_id)}\n\n{text}", None)
                return None
            raise _unavailable("chat.postMessage", error) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise _unavailable("chat.postMessage", error) from None
        ts = answer.get("ts")
        return str(ts) if ts else None

    async def _respond(self, text: str, blocks: list[dict[str, Any]] | None) -> None:
        assert self.response_url
        webhook = AsyncWebhookClient(self.response_url)
        response = await webhook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
        if response.status_code != 200:
            log.warning("response_url answered HTTP %s", response.status_code)

    async def open(self, text: str) -> None:
        """Post the visible parent (or first thread reply) whose status the bot keeps up to date."""
        ts = await self.reply(text)
        if ts is not None:
            self.status_ts = ts
            if self.thread_ts is None:
                self.thread_ts = ts

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        if self.via_response_url:
            await self._respond(text, blocks)
            return None
        return await self._post(text, blocks, self.thread_ts)

    async def upload(self, files: list[dict[str, str]], comment: str) -> None:
        """Upload files into the thread with a comment, under the same failure rules as `reply`.

        :param files: one dict per file with `file` (a local path), `filename` and `title`.
        :param comment: the message the files are posted with.
        :raises SlackUnavailable: when Slack would not take them.
        """
        try:
            await self.client.files_upload_v2(
                channel=self.channel_id, thread_ts=self.thread_ts, file_uploads=files, initial_comment=comment
            )
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise _unavailable("files.uploadV2", error) from None

    async def set_status(self, text: str) -> None:
        """Rewrite the parent's status line; a failure is logged, since the status line is never the only news."""
        if self.via_response_url or not self.status_ts:
            return
        try:
            await self.client.chat_update(channel=self.channel_id, ts=self.status_ts, text=text)
        except Superseded:
            return  # a newer status for this message took its place while it waited
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            _unavailable("chat.update", error)

    @property
    def status_key(self) -> tuple[str, str, str | None]:
        """What status edits of this conversation's parent share, so a newer one replaces one still waiting."""
        return ("status", self.channel_id, self.status_ts)
