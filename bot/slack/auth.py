"""Telling a wrong Slack token (stop, and say which one) from Slack being out of reach (wait and try again)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.errors import BotError
from bot.lifecycle import Backoff, Stopping
from bot.slack.watch import TOKEN_GONE, retry_after

log = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_TOKEN_REJECTED = 3
# Seconds one call to Slack may take while starting or reconnecting before it counts as a failed attempt.
ATTEMPT_SECONDS = 15

# Answers that no amount of waiting will change: the token itself, or what it is allowed to do, is wrong.
PERMANENT_ANSWERS = TOKEN_GONE | frozenset(
    {
        "no_permission",
        "missing_scope",
        "not_allowed_token_type",
        "access_denied",
        "ekm_access_denied",
        "team_access_not_granted",
        "org_login_required",
        "two_factor_setup_required",
        "invalid_token",
    }
)


@dataclass(frozen=True)
class SlackToken:
    setting: str
    checked_by: str
    remedy: str


APP_TOKEN = SlackToken("SLACK_APP_TOKEN", "apps.connections.open", wording.terminal.APP_TOKEN_REMEDY)
BOT_TOKEN = SlackToken("SLACK_BOT_TOKEN", "auth.test", wording.terminal.BOT_TOKEN_REMEDY)


class TokenRejected(BotError):
    """Slack refused a token for good; the bot cannot work until an admin replaces it."""

    def __init__(self, token: SlackToken, answer: str) -> None:
        super().__init__(f"{token.setting} refused: {answer}")
        self.token = token
        self.answer = answer

    def sentence(self) -> str:
        token = self.token
        return wording.terminal.TOKEN_REFUSED.format(
            setting=token.setting, answer=self.answer, checked_by=token.checked_by, remedy=token.remedy
        )


class SlackUnreachable(BotError):
    """One attempt to reach Slack failed in a way that may pass; the message is one line, free of secrets."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _refusal(error: SlackApiError, token: SlackToken) -> Exception:
    response = error.response
    answer = str(response.get("error") or "") if isinstance(response.data, dict) else ""
    if answer in PERMANENT_ANSWERS:
        return TokenRejected(token, answer)
    wait = retry_after(response.headers) if response.status_code == 429 else 0.0
    return SlackUnreachable(f"Slack answered {answer or f'HTTP {response.status_code}'}", wait)


async def call_slack(call: Awaitable[Any], token: SlackToken) -> Any:
    """One Web API call; TokenRejected for a wrong token, SlackUnreachable for anything that may pass."""
    try:
        return await call
    except SlackApiError as error:
        raise _refusal(error, token) from None
    except (aiohttp.ClientError, OSError, TimeoutError) as error:
        raise SlackUnreachable(wording.terminal.SLACK_UNREACHABLE.format(error=one_line(error))) from None


async def _within(seconds: float, work: Awaitable[T]) -> T:
    try:
        async with asyncio.timeout(seconds):
            return await work
    except TimeoutError:
        raise SlackUnreachable(wording.terminal.SLACK_TIMED_OUT.format(seconds=seconds)) from None


async def keep_trying(attempt: Callable[[], Awaitable[T]], stopping: Stopping, what: str) -> T | None:
    """Repeat `attempt` after each SlackUnreachable with growing pauses, one log line per failure.

    Returns its result, or None once a stop is asked for; TokenRejected passes through.
    """
    backoff = Backoff()
    while not stopping.requested:
        try:
            finished, result = await stopping.unless_stopped(_within(ATTEMPT_SECONDS, attempt()))
        except SlackUnreachable as failure:
            delay = max(backoff.next_delay(), failure.retry_after)
            log.warning("%s failed: %s; trying again in %.1f s", what, failure, delay)
            await stopping.pause(delay)
            continue
        if finished:
            return result
    return None


async def check_bot_token(client: AsyncWebClient, stopping: Stopping) -> dict[str, Any] | None:
    """Ask Slack who the bot token belongs to, retrying while Slack is out of reach.

    The auth.test answer, or None when a stop came first; raises TokenRejected for a wrong token.
    """

    async def attempt() -> dict[str, Any]:
        answer = await call_slack(client.auth_test(), BOT_TOKEN)
        return dict(answer.data)

    identity = await keep_trying(attempt, stopping, "checking SLACK_BOT_TOKEN with auth.test")
    if identity is not None:
        log.info("SLACK_BOT_TOKEN works: bot user %s in team %s", identity.get("user_id"), identity.get("team_id"))
    return identity
