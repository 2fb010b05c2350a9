"""Wiring: the Bolt app with every listener, served over HTTP or Socket Mode."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Mapping

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.config import REQUIRED_FOR_BOT, ConfigError, check_report, env_file, secret_values
from bot.health import token_check_client
from bot.lifecycle import Stopping, deadline_in, seconds_until
from bot.logsafe import configure_logging
from bot.services import Services, build_services
from bot.slack.auth import EXIT_TOKEN_REJECTED, TokenRejected, check_bot_token
from bot.slack_surface import SlackSurface
from handlers import actions, commands, events, shortcuts, views
from handlers.answering import AnswersFirst
from handlers.ops import add_ops_routes, start_ops_server
from handlers.registry import Registry

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slash commands and interactive payloads come as form data; the Events API as JSON.
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
# Every HTTP request here is answered within Slack's 3 s, so a stop waits no longer than that for open requests.
HTTP_SHUTDOWN_SECONDS = 3.0
SOCKET_CLOSE_SECONDS = 2.0
# The Bolt app behind the web app, for whoever wants to add to it (a global middleware, say).
BOLT_APP = web.AppKey("bolt_app", AsyncApp)


@contextlib.contextmanager
def _environment_without(name: str) -> Iterator[None]:
    saved = os.environ.pop(name, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[name] = saved


def create_bolt_app(services: Services) -> tuple[AsyncApp, Registry]:
    """The Bolt app with every listener, and the registry's record of them (for the manifest check)."""
    settings = services.settings
    assert settings.slack_bot_token is not None
    # Socket Mode needs no signing secret: Bolt checks signatures only on requests that come over HTTP.
    secret = settings.slack_signing_secret
    # The watched client carries the bot token. Given no token, Bolt reads SLACK_BOT_TOKEN from the environment
    # by itself and then warns at every start that it will be unused: hide it while Bolt looks, so Bolt gets the
    # client alone.
    with _environment_without("SLACK_BOT_TOKEN"):
        app = AsyncApp(
            signing_secret=secret.get_secret_value() if secret is not None else "",
            request_verification_enabled=secret is not None,
            client=services.slack,
            # The app defines no workflow functions, so no request carries a function token to attach.
            attaching_function_token_enabled=False,
            # Bolt returns each answer when its listener returns. Off, Bolt answers an Events API request before
            # its listener runs, so a mention would be logged after Slack heard back; every listener here logs,
            # acks and hands the rest to `later` (handlers/answering.py).
            process_before_response=True,
        )
    registry = Registry(app, AnswersFirst(), SlackSurface(services))
    for module in (commands, shortcuts, events, views, actions):
        module.register(registry)
    return app, registry


def _signed_by_slack(verifier: SignatureVerifier, body: str, headers: Mapping[str, str]) -> bool:
    try:
        return verifier.is_valid(body, headers.get("X-Slack-Request-Timestamp"), headers.get("X-Slack-Signature"))
    except ValueError:  # a timestamp that is not a number: not from Slack
        return False


def bolt_request(body: str, request: web.Request) -> AsyncBoltRequest:
    """What Bolt's aiohttp adapter builds from a request, for a body already decoded.

    :raises ValueError: the body is neither JSON nor form data Bolt can read.
    """
    readable = body
    interactive = body.startswith("payload=") or "&payload=" in body
    if request.content_type == FORM_CONTENT_TYPE and "payload" in body and not interactive:
        # slack_bolt (1.30, request/internals.py `parse_body`) reads any form body containing the text "payload"
        # as an interactive payload, so a slash command whose text says "payload" arrives empty and unanswered.
        # No upstream issue found. Percent-encoding the "p" hides the word without changing a decoded field;
        # the signature is still checked on the text Slack sent.
        readable = body.replace("payload", "%70ayload")
    parsed = AsyncBoltRequest(body=readable, query=request.query_string, headers=request.headers)  # type: ignore[arg-type]  # a mapping of str, as Bolt's adapter passes it
    parsed.raw_body = body
    return parsed


def create_web_app(services: Services, stopping: Stopping | None = None) -> web.Application:
    settings = services.settings
    assert settings.slack_signing_secret is not None
    bolt, registry = create_bolt_app(services)
    verifier = SignatureVerifier(settings.slack_signing_secret.get_secret_value())

    async def slack_events(request: web.Request) -> web.Response:
        with registry.answers.answering():
            raw = await request.read()
            try:
                body = raw.decode("utf-8")
                incoming = bolt_request(body, request)
            except UnicodeDecodeError:  # Slack signs UTF-8 text only
                return web.Response(status=401, text="invalid request signature")
            except ValueError:
                # Bolt parses before it checks the signature and would answer a garbled body with a traceback.
                if not _signed_by_slack(verifier, body, request.headers):
                    return web.Response(status=401, text="invalid request signature")
                log.warning("a signed Slack request had an unreadable body (%d bytes)", len(raw))
                return web.Response(status=400, text="the request body is not valid Slack JSON or form data")
            return await to_aiohttp_response(await bolt.async_dispatch(incoming))

    async def on_cleanup(_: web.Application) -> None:
        asked = stopping.deadline if stopping is not None else None
        deadline = asked if asked is not None else deadline_in(settings.aigc_bot_shutdown_seconds)
        await registry.answers.stop_holding()
        await registry.answers.finish_work(seconds_until(deadline))
        await services.aclose(deadline=deadline)
        await registry.answers.cancel_rest()

    web_app = web.Application(client_max_size=2 * 1024 * 1024)
    web_app[BOLT_APP] = bolt
    web_app.router.add_post(EVENTS_PATH, slack_events)
    add_ops_routes(web_app, services)
    web_app.on_startup.append(lambda _: services.start())
    web_app.on_cleanup.append(on_cleanup)
    return web_app


def _services_or_exit(required: tuple[str, ...]) -> Services | None:
    """Everything the bot needs, or None after naming every missing or invalid setting at once on stderr."""
    needed = tuple(dict.fromkeys(REQUIRED_FOR_BOT + required))
    problems, settings = check_report(needed)
    # What stops this way of running: every missing or invalid setting, but SLACK_APP_TOKEN only where needed.
    blocking = [p for p in problems if p.kind != "optional" and (p.name != "SLACK_APP_TOKEN" or p.name in needed)]
    try:
        if blocking or settings is None:
            raise ConfigError("\n".join(p.line() for p in blocking))
        configure_logging(extra_secrets=secret_values(settings), log_format=settings.aigc_bot_log_format)
        dotenv = env_file()
        log.info(
            "settings from %s; request log at %s",
            dotenv.resolve() if dotenv else "the environment only",
            settings.aigc_bot_db,
        )
        return build_services(settings)
    except ConfigError as problems_found:
        print(f"Cannot start; fix these settings (see `aigc-bot check`):\n{problems_found}", file=sys.stderr)
        return None


async def _bot_token_works(services: Services, stopping: Stopping) -> bool:
    """auth.test once at start: False when the token is refused (the stop is then requested) or a stop came."""
    try:
        return await check_bot_token(token_check_client(services.settings), stopping) is not None
    except TokenRejected as rejected:
        log.error("%s", rejected.sentence())
        stopping.request(f"{rejected.token.setting} refused", exit_code=EXIT_TOKEN_REJECTED)
        return False


async def _serve_http(services: Services, host: str, port: int) -> int:
    stopping = Stopping(budget=services.settings.aigc_bot_shutdown_seconds)
    stopping.install_signal_handlers()
    if not await _bot_token_works(services, stopping):
        await services.aclose(deadline=deadline_in(stopping.seconds_left()))
        return stopping.exit_code
    services.readiness.token_passed()
    runner = web.AppRunner(create_web_app(services, stopping), shutdown_timeout=HTTP_SHUTDOWN_SECONDS, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("serving Slack requests at http://%s:%d%s", host, port, EVENTS_PATH)
        await stopping.wait()
    finally:
        await runner.cleanup()
    return stopping.exit_code


def run_http(host: str, port: int) -> int:
    services = _services_or_exit(("SLACK_SIGNING_SECRET",))
    return 2 if services is None else asyncio.run(_serve_http(services, host, port))


def _stop_if_failed(connecting: asyncio.Task[None], stopping: Stopping) -> None:
    # Expected failures are retried inside the task; anything else is a bug, and a bot that silently stays
    # disconnected is worse than one that stops and says why.
    if connecting.cancelled() or (error := connecting.exception()) is None:
        return
    log.error("the Socket Mode connection failed unexpectedly", exc_info=error)
    stopping.request("Socket Mode failed", exit_code=1)


async def _socket_mode(services: Services) -> int:
    from handlers.socket_mode import SocketModeLink

    assert services.settings.slack_app_token is not None
    bolt, registry = create_bolt_app(services)
    stopping = Stopping(budget=services.settings.aigc_bot_shutdown_seconds)
    stopping.install_signal_handlers()
    services.readiness.socket_connected = lambda: False
    port = services.settings.aigc_bot_health_port
    try:
        ops = None if port is None else await start_ops_server(services, services.settings.aigc_bot_health_host, port)
    except OSError as error:
        print(f"Cannot start: {error.strerror or error} (AIGC_BOT_HEALTH_PORT).", file=sys.stderr)
        await services.aclose(deadline=deadline_in(stopping.seconds_left()))
        return 2
    if await _bot_token_works(services, stopping):
        services.readiness.token_passed()
        await services.start()
        link = SocketModeLink(
            services.settings.slack_app_token.get_secret_value(), services.settings.slack_api_url, stopping
        )
        services.readiness.socket_connected = lambda: (
            link.current_session is not None and not link.current_session.closed
        )
        link.serve(bolt, registry.answers)
        connecting = asyncio.create_task(link.connect_to_new_endpoint(force=True))
        connecting.add_done_callback(lambda task: _stop_if_failed(task, stopping))
        try:
            await stopping.wait()
        finally:
            connecting.cancel()
            await link.close_within(min(SOCKET_CLOSE_SECONDS, stopping.seconds_left()))
            await registry.answers.stop_holding()
            await registry.answers.finish_work(stopping.seconds_left())
    if ops is not None:
        await ops.cleanup()
    await services.aclose(deadline=deadline_in(stopping.seconds_left()))
    await registry.answers.cancel_rest()
    return stopping.exit_code


def run_socket_mode() -> int:
    services = _services_or_exit(("SLACK_APP_TOKEN",))
    return 2 if services is None else asyncio.run(_socket_mode(services))
