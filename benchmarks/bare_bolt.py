"""The peer for the ack benchmark: a bare slack-bolt AsyncApp, built the standard way, that logs `/aigc` and acks.

Its listener writes the row the bot writes for a command (the bot's own table, SQLite with the bot's pragmas)
and commits it before it acks, through Bolt's dispatch, as any Bolt app that must not lose a request would.
It does nothing after the ack.

`python -m benchmarks.bare_bolt <port> <slack api url> <database>` serves it with Bolt's own aiohttp server on
127.0.0.1:<port>/slack/events, with the same signing secret and bot token as the bot, until terminated.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from benchmarks.fakes_host import BOT_TOKEN, SIGNING_SECRET
from bot.store.db import BUSY_MS, RequestLog

INSERT = (
    "INSERT INTO requests (created_at, updated_at, status, source, team_id, channel_id, user_id, response_url,"
    " scene, prompt, image_count, options_json, inputs_json, dedupe_key, session_id)"
    " VALUES (?, ?, 'received', 'slash_command', ?, ?, ?, ?, ?, ?, ?, '{}', ?, ?, ?)"
)


def open_log(path: str) -> sqlite3.Connection:
    """The bot's `requests` table, opened with the pragmas the bot's store uses while serving."""
    RequestLog(path).close()  # creates the table exactly as the bot does
    connection = sqlite3.connect(path)
    connection.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    # The serving bot checkpoints from a thread of its own; here no commit pays for a checkpoint either.
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    return connection


def build_app(api_url: str, database: str) -> AsyncApp:
    app = AsyncApp(signing_secret=SIGNING_SECRET, client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url))
    log = open_log(database)

    @app.command("/aigc")
    async def aigc(ack: Any, command: dict[str, Any]) -> None:
        scene, *words = str(command.get("text", "")).split() or [""]
        images = [word for word in words if word.startswith("https://")]
        prompt = " ".join(word for word in words if not word.startswith("https://"))
        now = datetime.now(UTC).isoformat(timespec="milliseconds")
        team = command.get("team_id", "")
        with log:
            log.execute(
                INSERT,
                (
                    now,
                    now,
                    team,
                    command.get("channel_id"),
                    command.get("user_id"),
                    command.get("response_url"),
                    scene,
                    prompt,
                    len(images),
                    json.dumps({"images": [f"url:{image}" for image in images], "clothes": []}),
                    f"slash:{team}:{command.get('trigger_id', '')}",
                    uuid.uuid4().hex,
                ),
            )
        await ack("Working on it")

    return app


def main(argv: list[str]) -> None:
    port, api_url, database = int(argv[0]), argv[1], argv[2]
    build_app(api_url, database).start(port=port, host="127.0.0.1")


if __name__ == "__main__":
    main(sys.argv[1:])
