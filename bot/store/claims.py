"""Logging new requests before Slack is answered, with one commit for all that arrive together.

Every request is written to SQLite before its ack. Under a burst, the requests the event loop reads in one
pass are inserted in one transaction: the commit, the costliest part of the write, is paid once per pass
instead of once per request, and no ack leaves before its row is committed. The check for a command sent
twice in a row is made there too, with one statement for the whole pass.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from bot.store.db import Repeat, RequestLog


class ClaimBatch:
    """New rows waiting for the next commit, which runs as soon as the event loop has a moment."""

    def __init__(self, log_db: RequestLog, repeat_within: timedelta | None = None) -> None:
        self.log_db = log_db
        self.repeat_within = repeat_within
        self._waiting: list[tuple[dict[str, Any], bool, asyncio.Future[int | Repeat | None]]] = []

    async def claim(self, row: dict[str, Any], *, check_repeat: bool = False) -> int | Repeat | None:
        """The row's id once committed, or None when its dedupe_key was already claimed.

        With `check_repeat`, REPEAT instead when the same command (team, user, channel and inputs) was logged
        within `repeat_within`, or waits for this commit ahead of it; the row is then not written.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int | Repeat | None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._commit)
        self._waiting.append((row, check_repeat, done))
        return await done

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            ids = self.log_db.claim_many(
                [row for row, _, _ in waiting],
                repeat_checked=[check for _, check, _ in waiting],
                repeat_within=self.repeat_within,
            )
        except Exception as error:
            for _, _, done in waiting:
                if not done.done():
                    done.set_exception(error)
            return
        # Two copies of one Slack request in the same batch: the unique dedupe_key refuses the second.
        for (_, _, done), row_id in zip(waiting, ids, strict=True):
            if not done.done():
                done.set_result(row_id)
