"""The Socket Mode connection to Slack, opened and reopened here rather than by the SDK.

The SDK's client retries a failed connection every few seconds for ever, logs a traceback each time and does not
notice a stop request. This one pauses longer after each failure, logs one line per failure, gives up on a
refused app token, and makes no attempt once the process is stopping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
from aiohttp import ClientWebSocketResponse
from slack_bolt.adapter.socket_mode.async_internals import run_async_bolt_app, send_async_response
from slack_bolt.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.lifecycle import Stopping
from bot.slack.auth import (
    APP_TOKEN,
    ATTEMPT_SECONDS,
    EXIT_TOKEN_REJECTED,
    SlackUnreachable,
    TokenRejected,
    call_slack,
    keep_trying,
    one_line,
)
from handlers.answering import AnswersFirst

log = logging.getLogger(__name__)

PING_SECONDS = 10.0
CLOSE_SECONDS = 3.0


class SocketModeLink(SocketModeClient):
    """Slack's aiohttp Socket Mode client with our own connect and reconnect."""

    def __init__(self, app_token: str, api_url: str, stopping: Stopping) -> None:
        # apps.connections.open goes through a client without the SDK's retry handlers: pauses are chosen here.
        web_client = AsyncWebClient(base_url=api_url, timeout=ATTEMPT_SECONDS, retry_handlers=[])
        super().__init__(app_token=app_token, web_client=web_client, logger=log, ping_interval=PING_SECONDS)
        self._stopping = stopping

    def serve(self, app: AsyncApp, answers: AnswersFirst) -> None:
        """Hand every envelope to the Bolt app and send its answer back over the socket."""

        async def handle(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
            with answers.answering():
                started = time.time()
                response = await run_async_bolt_app(app, request)
                await send_async_response(client, request, response, started)

        self.socket_mode_request_listeners.append(handle)

    async def issue_new_wss_url(self) -> str:
        answer: Any = await call_slack(self.web_client.apps_connections_open(app_token=self.app_token), APP_TOKEN)
        url = answer.get("url")
        if not isinstance(url, str) or not url:
            raise SlackUnreachable(wording.terminal.NO_SOCKET_MODE_URL)
        return url

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        # The SDK's monitor and receiver both call this when the link breaks; one reconnection at a time is enough.
        if self.connect_operation_lock.locked() and not force:
            return
        async with self.connect_operation_lock:
            if force or not await self.is_connected():
                await self.connect()

    async def connect(self) -> None:
        """Open a new link, trying again after each failure, until it opens, the app token is refused, or we stop."""
        try:
            session = await keep_trying(self._open_once, self._stopping, wording.terminal.OPENING_SOCKET_MODE)
        except TokenRejected as rejected:
            log.error("%s", rejected.sentence())
            self._stopping.request(f"{rejected.token.setting} refused", exit_code=EXIT_TOKEN_REJECTED)
            return
        if session is None or self.closed:
            if session is not None:
                await session.close()
            return
        log.info("connected to Slack in Socket Mode")
        # No await from here on: the old monitor or receiver cancelled below may be the task running this.
        self._adopt(session)

    async def _open_once(self) -> ClientWebSocketResponse:
        url = await self.issue_new_wss_url()
        await self._drop_current_session()
        try:
            socket: ClientWebSocketResponse = await self.aiohttp_client_session.ws_connect(
                url, autoping=False, heartbeat=self.ping_interval, proxy=self.proxy
            )
        except (aiohttp.ClientError, OSError) as error:
            raise SlackUnreachable(wording.terminal.SOCKET_MODE_URL_REFUSED.format(error=one_line(error))) from None
        return socket

    async def _drop_current_session(self) -> None:
        # Slack limits open connections per app, so the old one goes before a new one is made.
        self.auto_reconnect_enabled = False
        old = self.current_session
        if old is not None and not old.closed:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(CLOSE_SECONDS):
                    await old.close()
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()

    def _adopt(self, session: ClientWebSocketResponse) -> None:
        self.current_session = session
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        self.last_ping_pong_time = None
        for old in (self.current_session_monitor, self.message_receiver):
            if old is not None:
                old.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        self.message_receiver = asyncio.ensure_future(self.receive_messages())

    async def disconnect(self) -> None:
        # The SDK's version logs a line even when no connection was ever made.
        if self.current_session is not None and not self.current_session.closed:
            await self.current_session.close()

    async def close_within(self, seconds: float) -> None:
        """Close the link without letting a slow peer hold up the shutdown."""
        self.closed = True
        self.auto_reconnect_enabled = False
        try:
            async with asyncio.timeout(seconds):
                await self.close()  # type: ignore[no-untyped-call]
        except TimeoutError:
            log.warning("the Socket Mode connection did not close within %.0f s; leaving it", seconds)
