"""/healthz, /readyz and /metrics: beside /slack/events over HTTP, or on AIGC_BOT_HEALTH_PORT in Socket Mode."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.metrics import CONTENT_TYPE
from bot.services import Services

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"


def add_ops_routes(app: web.Application, services: Services) -> None:
    async def healthz(_: web.Request) -> web.Response:
        # Liveness only: answering at all is the proof. Readiness says whether the bot can work.
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        ready, body = services.readiness.report()
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(_: web.Request) -> web.Response:
        # Its counts come from the log: read on the log's read threads, so a scrape never holds up an ack.
        body = await services.log_db.read(lambda _reader: services.metrics.render())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})

    app.router.add_get(HEALTH_PATH, healthz)
    app.router.add_get(READY_PATH, readyz)
    app.router.add_get(METRICS_PATH, metrics)


async def start_ops_server(services: Services, host: str, port: int) -> web.AppRunner:
    """Serve the three pages on their own port, for Socket Mode, where there is no HTTP server otherwise."""
    app = web.Application()
    add_ops_routes(app, services)
    runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("health and metrics at http://%s:%d%s, %s and %s", host, port, HEALTH_PATH, READY_PATH, METRICS_PATH)
    return runner
