"""The bot's Slack Web API client: paced, waiting out rate limits, counting every failed call, and noticing a
token refused mid-run."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import observe
from bot.slack.pacing import Pacer

log = logging.getLogger(__name__)

CONNECTION_FAILED = "connection_failed"
# Answers that mean the bot token itself no longer works, as opposed to a scope or a channel problem.
TOKEN_GONE = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})
# How long to wait out a 429 without a usable Retry-After.
DEFAULT_RETRY_AFTER = 1.0
# After the SDK's own retries of a 5xx or a dropped connection are spent, the next attempt waits this long,
# doubling up to the cap, until the outage bound is reached.
OUTAGE_FIRST_PAUSE = 1.0
OUTAGE_MAX_PAUSE = 30.0


def retry_after(headers: Mapping[str, Any] | None) -> float:
    """Seconds Slack asked us to wait, from the Retry-After header of a 429."""
    for name, value in (headers or {}).items():
        if str(name).lower() == "retry-after":
            raw = value[0] if isinstance(value, list) and value else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return DEFAULT_RETRY_AFTER


def _channel_of(kwargs: Mapping[str, Any]) -> str | None:
    for part in ("json", "data", "params"):
        args = kwargs.get(part)
        if isinstance(args, Mapping) and args.get("channel"):
            return str(args["channel"])
    return None


def _passing(error: SlackApiError) -> bool:
    """A 5xx (the SDK already retried it): Slack having a bad moment, not refusing this call."""
    return int(getattr(error.response, "status_code", 0) or 0) >= 500


class WatchedSlackClient(AsyncWebClient):
    """Every Web API method goes through api_call, so one override paces every call and sees every failure.

    A call waits for its turn in the shared Pacer; a 429 holds its method (or channel) for every caller for the
    Retry-After Slack gave, and the call waits again. A 5xx or a lost connection past the SDK's own retries is
    tried again after a pause. Only when a call has not gone through within `outage_seconds` does its error
    reach the caller: a lasting refusal (not_in_channel, invalid_auth...) reaches it at once.
    """

    def __init__(
        self,
        *args: Any,
        on_token_refused: Callable[[str], None] | None = None,
        pacer: Pacer | None = None,
        outage_seconds: float = 300.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.on_token_refused = on_token_refused
        self.pacer = pacer or Pacer()
        self.outage_seconds = outage_seconds

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        channel = _channel_of(kwargs)
        give_up_at = time.monotonic() + self.outage_seconds
        pause = OUTAGE_FIRST_PAUSE
        while True:
            await self.pacer.turn(api_method, channel)
            try:
                return await super().api_call(api_method, **kwargs)
            except SlackApiError as error:
                if error.response.status_code == 429:
                    wait = retry_after(error.response.headers)
                    observe.slack_ratelimited(api_method)
                    self.pacer.hold(api_method, channel, wait)
                    if time.monotonic() + wait < give_up_at:
                        log.info("%s rate limited; waiting %.1fs", api_method, wait)
                        continue
                elif _passing(error) and time.monotonic() + pause < give_up_at:
                    await self._pause(api_method, f"http_{error.response.status_code}", pause)
                    pause = min(pause * 2, OUTAGE_MAX_PAUSE)
                    continue
                answer = error.response.get("error") if isinstance(error.response.data, dict) else None
                code = str(answer or f"http_{error.response.status_code}")
                observe.slack_error(api_method, code)
                if code in TOKEN_GONE and self.on_token_refused is not None:
                    self.on_token_refused(code)
                raise
            except (aiohttp.ClientError, OSError, TimeoutError) as error:
                if time.monotonic() + pause < give_up_at:
                    await self._pause(api_method, type(error).__name__, pause)
                    pause = min(pause * 2, OUTAGE_MAX_PAUSE)
                    continue
                observe.slack_error(api_method, CONNECTION_FAILED)
                raise

    @staticmethod
    async def _pause(api_method: str, why: str, seconds: float) -> None:
        log.warning("%s failed (%s); trying again in %.0fs", api_method, why, seconds)
        await asyncio.sleep(seconds)


def drop_waiting(client: AsyncWebClient, supersede: Hashable) -> None:
    """Drop the calls `client` holds back under `supersede` (see bot.slack.pacing.marked)."""
    if isinstance(client, WatchedSlackClient):
        client.pacer.drop_waiting(supersede)
