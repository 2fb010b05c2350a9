"""Readiness: whether this bot can do its work right now, and, when not, what stands in the way."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.config import Settings
from bot.slack.auth import ATTEMPT_SECONDS, BOT_TOKEN, SlackUnreachable, TokenRejected, call_slack
from bot.store.db import RequestLog

log = logging.getLogger(__name__)

OK = "ok"


@dataclass(eq=False)
class Readiness:
    """What /readyz reports. The token check is remembered; the database is tried at every look."""

    log_db: RequestLog
    token_problem: str | None = wording.terminal.TOKEN_NOT_CHECKED
    # Set in Socket Mode only: over HTTP, Slack reaching us is the connection.
    socket_connected: Callable[[], bool] | None = None

    def token_passed(self) -> None:
        if self.token_problem is not None:
            log.info("ready: SLACK_BOT_TOKEN passed auth.test")
        self.token_problem = None

    def token_refused(self, answer: str) -> None:
        if self.token_problem is None:
            log.error("not ready: Slack refused SLACK_BOT_TOKEN (%s)", answer)
        self.token_problem = f"Slack refused SLACK_BOT_TOKEN ({answer})"

    def report(self) -> tuple[bool, dict[str, Any]]:
        """(ready, body): body names each check and what is wrong with those that fail."""
        checks = {"slack_auth": self.token_problem or OK, "database": self.log_db.write_problem() or OK}
        if self.socket_connected is not None:
            checks["socket_mode"] = OK if self.socket_connected() else wording.terminal.SOCKET_MODE_NOT_OPEN
        not_ready = {name: problem for name, problem in checks.items() if problem != OK}
        return not not_ready, {"ready": not not_ready, "checks": checks, "not_ready": sorted(not_ready)}


def token_check_client(settings: Settings) -> AsyncWebClient:
    """The client that asks Slack's auth.test about SLACK_BOT_TOKEN, at start and while running; without the
    SDK's retry handlers, since its callers choose their own pauses."""
    assert settings.slack_bot_token is not None
    token = settings.slack_bot_token.get_secret_value()
    return AsyncWebClient(token=token, base_url=settings.slack_api_url, timeout=ATTEMPT_SECONDS, retry_handlers=[])


async def check_token_once(settings: Settings, readiness: Readiness) -> None:
    """One auth.test: a refusal makes the bot not ready, an answer makes it ready again; Slack out of reach
    changes nothing, since that says nothing about the token and passes by itself."""
    client = token_check_client(settings)
    try:
        async with asyncio.timeout(ATTEMPT_SECONDS):
            await call_slack(client.auth_test(), BOT_TOKEN)
    except TokenRejected as rejected:
        readiness.token_refused(rejected.answer)
    except (SlackUnreachable, TimeoutError) as unreachable:
        log.warning("checking SLACK_BOT_TOKEN with auth.test failed: %s; readiness unchanged", unreachable)
    else:
        readiness.token_passed()
    finally:
        if client.session is not None:
            await client.session.close()


async def watch_token(settings: Settings, readiness: Readiness, interval: float) -> None:
    """Check the token every `interval` seconds, so a token revoked while the bot runs shows in /readyz.

    The first check is the one made at start (see handlers/app.py), before anything else talks to Slack.
    """
    while True:
        await asyncio.sleep(interval)
        await check_token_once(settings, readiness)
