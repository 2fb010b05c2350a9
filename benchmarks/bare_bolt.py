"""The peer for the ack benchmark: a bare slack-bolt AsyncApp, built the standard way, that only acks `/aigc`.

`python -m benchmarks.bare_bolt <port> <slack api url>` serves it with Bolt's own aiohttp server on
127.0.0.1:<port>/slack/events, with the same signing secret and bot token as the bot, until terminated.
"""

from __future__ import annotations

import sys
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.fakes_host import BOT_TOKEN, SIGNING_SECRET


def build_app(api_url: str) -> AsyncApp:
    app = AsyncApp(signing_secret=SIGNING_SECRET, client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url))

    @app.command("/aigc")
    async def aigc(ack: Any) -> None:
        await ack("Working on it")

    return app


def main(argv: list[str]) -> None:
    port, api_url = int(argv[0]), argv[1]
    build_app(api_url).start(port=port, host="127.0.0.1")


if __name__ == "__main__":
    main(sys.argv[1:])
