"""Logging new requests before Slack is answered, with one commit for all that arrive together.

Every request is written to SQLite before its ack. Under a burst, the requests the event loop reads in one
pass are inserted in one transaction: the commit, the costliest part of the write, is paid once per pass
instead of once per request, and no ack leaves before its row is committed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

from bot.db import RequestLog

# Columns that say whether a waiting row repeats a command: who, where, and what (the inputs, with the text).
REPEAT_COLUMNS = ("team_id", "user_id", "channel_id", "inputs_json")


def repeat_key(row: dict[str, Any]) -> tuple[Hashable, ...]:
    return row.get("team_id"), row.get("user_id"), row.get("channel_id"), row.get("inputs_json")


class ClaimBatch:
    """New rows waiting for the next commit, which runs as soon as the event loop has a moment."""

    def __init__(self, log_db: RequestLog) -> None:
        self.log_db = log_db
        self._waiting: list[tuple[dict[str, Any], asyncio.Future[int | None]]] = []
        # The waiting rows by repeat_key, so a check for a repeated command costs the same however many wait.
        self._waiting_keys: set[tuple[Hashable, ...]] = set()

    def pending(self) -> list[dict[str, Any]]:
        """Rows not yet committed, so a check for a repeated command also sees them."""
        return [row for row, _ in self._waiting]

    def pending_repeat(self, *, team_id: str, user_id: str, channel_id: str, inputs_json: str) -> bool:
        """Whether a row not yet committed has these values in REPEAT_COLUMNS."""
        return (team_id, user_id, channel_id, inputs_json) in self._waiting_keys

    async def claim(self, row: dict[str, Any]) -> int | None:
        """The row's id once committed, or None when its dedupe_key was already claimed."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int | None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._commit)
        self._waiting.append((row, done))
        self._waiting_keys.add(repeat_key(row))
        return await done

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting, []
        self._waiting_keys = set()
        try:
            ids = self.log_db.claim_many([row for row, _ in waiting])
        except Exception as error:
            for _, done in waiting:
                if not done.done():
                    done.set_exception(error)
            return
        # Two copies of one Slack request in the same batch: the unique dedupe_key refuses the second.
        for (_, done), row_id in zip(waiting, ids, strict=True):
            if not done.done():
                done.set_result(row_id)
