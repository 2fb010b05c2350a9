"""The bot's Slack Web API client, counting every failed call and noticing a token refused mid-run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot import observe

CONNECTION_FAILED = "connection_failed"
# Answers that mean the bot token itself no longer works, as opposed to a scope or a channel problem.
TOKEN_GONE = frozenset({"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"})


class WatchedSlackClient(AsyncWebClient):
    """Every Web API method goes through api_call, so one override sees every failure, whatever the caller."""

    def __init__(self, *args: Any, on_token_refused: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_token_refused = on_token_refused

    async def api_call(self, api_method: str, **kwargs: Any) -> AsyncSlackResponse:
        try:
            return await super().api_call(api_method, **kwargs)
        except SlackApiError as error:
            answer = error.response.get("error") if isinstance(error.response.data, dict) else None
            code = str(answer or f"http_{error.response.status_code}")
            observe.slack_error(api_method, code)
            if code in TOKEN_GONE and self.on_token_refused is not None:
                self.on_token_refused(code)
            raise
        except (aiohttp.ClientError, OSError, TimeoutError):
            observe.slack_error(api_method, CONNECTION_FAILED)
            raise
