"""Where the bot answers one request: a thread in the channel, or the command's response_url."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.slack.messages import not_in_channel_text

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


class SlackUnavailable(Exception):
    """Slack would not take a message even after retries; the work itself may have succeeded."""


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
            code = slack_error_code(error)
            if code in CANNOT_POST and self.response_url:
                self.via_response_url = True
                await self._respond(f"{not_in_channel_text(self.channel_id)}\n\n{text}", blocks=None)
                return None
            log.warning("chat.postMessage failed: %s", code)
            raise SlackUnavailable(code) from None
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            log.warning("chat.postMessage failed: %s", type(error).__name__)
            raise SlackUnavailable(type(error).__name__) from None
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
        if self.via_response_url:
            await self._respond(text, None)
            return
        ts = await self._post(text, None, self.thread_ts)
        if ts is None:
            return
        self.status_ts = ts
        if self.thread_ts is None:
            self.thread_ts = ts

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        if self.via_response_url:
            await self._respond(text, blocks)
            return None
        return await self._post(text, blocks, self.thread_ts)

    async def set_status(self, text: str) -> None:
        if self.via_response_url or not self.status_ts:
            return
        try:
            await self.client.chat_update(channel=self.channel_id, ts=self.status_ts, text=text)
        except SlackApiError as error:
            log.warning("chat.update failed: %s", slack_error_code(error))
