"""Answers left waiting in the log are posted while the bot runs, not only at the next start.

An answer is written to the row (`reply_pending`) before it is posted; when Slack does not take it (an
outage past AIGC_BOT_SLACK_OUTAGE_SECONDS, say), it stays there. Every SWEEP_SECONDS this sweep hands the
rows still pending since the previous sweep back to the pipeline, which posts them the way a restart would.
A row Slack keeps refusing is tried again less and less often, so a lasting refusal costs little.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.store.db import RequestLog, iso, utc_now
from bot.store.unfinished import pending_replies

log = logging.getLogger(__name__)

SWEEP_SECONDS = 30.0
# Rows handed back per sweep; any more wait for the next one.
SWEEP_LIMIT = 100
# Answers older than this are left for `aigc-bot` admins to find in the log.
SWEEP_MAX_AGE = timedelta(days=2)
# The longest a row Slack keeps refusing waits between two tries.
MAX_SKIPPED_SWEEPS = 64


@dataclass
class _Tries:
    count: int = 0
    skip: int = 0


@dataclass
class ReplySweep:
    log_db: RequestLog
    carry_on: Callable[[int], Awaitable[None]]
    interval: float = SWEEP_SECONDS
    _seen: set[int] = field(default_factory=set)
    _tries: dict[int, _Tries] = field(default_factory=dict)

    async def sweep(self) -> list[int]:
        """Hand back the rows pending since the last sweep (a fresh one is still being posted by its listener);
        returns their ids."""
        pending = pending_replies(self.log_db, created_after=iso(utc_now() - SWEEP_MAX_AGE), limit=SWEEP_LIMIT)
        due = []
        for row_id in pending:
            if row_id not in self._seen:
                continue
            tries = self._tries.setdefault(row_id, _Tries())
            if tries.skip > 0:
                tries.skip -= 1
                continue
            tries.count += 1
            tries.skip = min(2 ** (tries.count - 1) - 1, MAX_SKIPPED_SWEEPS)
            due.append(row_id)
        self._seen = set(pending)
        self._tries = {row_id: tries for row_id, tries in self._tries.items() if row_id in self._seen}
        await asyncio.gather(*(self._carry_on(row_id) for row_id in due))
        return due

    async def _carry_on(self, row_id: int) -> None:
        log.info("request %s: posting its answer again", row_id)
        try:
            await self.carry_on(row_id)
        except Exception:
            log.exception("request %s: posting its pending answer failed", row_id)

    async def run(self) -> None:
        """Sweep every `interval` seconds until cancelled."""
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.sweep()
            except Exception:  # one bad round must not end the sweeps for good
                log.exception("sweeping pending answers failed; trying again")
