"""Wiring: the Bolt app with every listener, served over HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.signature import SignatureVerifier

from bot.config import ConfigError, load_settings, require, secret_values
from bot.logsafe import configure_logging
from bot.services import Services, build_services
from bot.slack_surface import SlackSurface
from handlers import actions, commands, events, shortcuts, views
from handlers.registry import Registry

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# On shutdown, listener work still running after its ack gets this long; requests cut off are resumed at start.
LISTENER_DRAIN_SECONDS = 20.0


def create_bolt_app(services: Services) -> tuple[AsyncApp, Registry]:
    settings = services.settings
    assert settings.slack_signing_secret is not None and settings.slack_bot_token is not None
    app = AsyncApp(
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        client=services.slack,
        # Bolt waits for each listener to return; the registry returns as soon as ack() is called and lets
        # the rest of the work run on (see handlers/registry.py).
        process_before_response=True,
    )
    registry = Registry(app)
    surface = SlackSurface(services)
    for module in (commands, shortcuts, events, views, actions):
        module.register(registry, surface)
    return app, registry


def _signed_by_slack(verifier: SignatureVerifier, raw: bytes, headers: Mapping[str, str]) -> bool:
    try:
        return verifier.is_valid(
            raw.decode("utf-8"), headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature")
        )
    except ValueError:  # a timestamp that is not a number, or a body that is not UTF-8: not from Slack
        return False


def create_web_app(services: Services) -> web.Application:
    settings = services.settings
    assert settings.slack_signing_secret is not None
    bolt, registry = create_bolt_app(services)
    ready = {"value": False}

    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())

    async def slack_events(request: web.Request) -> web.Response:
        # Bolt parses the body before it checks the signature, so a garbled body would end as a 500 with a
        # traceback: check the signature first, and answer a signed but unreadable body with a plain 400.
        raw = await request.read()
        if not _signed_by_slack(verifier, raw, request.headers):
            return web.Response(status=401, text="invalid request signature")
        try:
            bolt_request = await to_bolt_request(request)
        except ValueError:
            log.warning("a signed Slack request had an unreadable body (%d bytes)", len(raw))
            return web.Response(status=400, text="the request body is not valid Slack JSON or form data")
        return await to_aiohttp_response(await bolt.async_dispatch(bolt_request))

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": ready["value"]}, status=200 if ready["value"] else 503)

    async def on_startup(_: web.Application) -> None:
        await services.start()
        ready["value"] = True

    async def on_cleanup(_: web.Application) -> None:
        ready["value"] = False
        await registry.drain(timeout=LISTENER_DRAIN_SECONDS)
        await services.aclose()

    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app.router.add_post(EVENTS_PATH, slack_events)
    web_app.router.add_get("/healthz", healthz)
    web_app.on_startup.append(on_startup)
    web_app.on_cleanup.append(on_cleanup)
    return web_app


def _services_or_exit(required: tuple[str, ...]) -> Services | None:
    """Everything the bot needs, or None after naming each missing setting on stderr."""
    try:
        settings = load_settings()
        require(settings, required)
        configure_logging(extra_secrets=secret_values(settings))
        return build_services(settings)
    except ConfigError as problems:
        print(f"Cannot start; fix these settings (see `aigc-bot check`):\n{problems}", file=sys.stderr)
        return None


def run_http(host: str, port: int) -> int:
    services = _services_or_exit(("SLACK_SIGNING_SECRET",))
    if services is None:
        return 2
    web.run_app(create_web_app(services), host=host, port=port, print=lambda line: log.info("%s", line))
    return 0


async def _socket_mode(services: Services) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    assert services.settings.slack_app_token is not None
    bolt, registry = create_bolt_app(services)
    handler = AsyncSocketModeHandler(bolt, services.settings.slack_app_token.get_secret_value())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await services.start()
    try:
        await handler.connect_async()  # type: ignore[no-untyped-call]
        log.info("connected to Slack in Socket Mode")
        await stop.wait()
    finally:
        await handler.close_async()  # type: ignore[no-untyped-call]
        await registry.drain(timeout=LISTENER_DRAIN_SECONDS)
        await services.aclose()


def run_socket_mode() -> int:
    services = _services_or_exit(("SLACK_APP_TOKEN",))
    if services is None:
        return 2
    asyncio.run(_socket_mode(services))
    return 0
