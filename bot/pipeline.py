"""One request from Slack to Tencent and back: log, announce, upload, submit, reply.

A request is written to the log before Slack is answered (`Pipeline.record`), and everything after that
(`Pipeline.carry_on`) reads what it needs from its row (bot/flow.py). So a request cut off by a crash or a
restart is carried on from the same row, by the same code, when the bot starts again (`Pipeline.resume_pending`).
The parts: bot/request.py (the row), bot/flow.py (its steps), bot/submission.py (Tencent), bot/outbox.py (answers).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.flow import Flow, Guard
from bot.logsafe import about_request
from bot.outbox import KeptAnswers, Outbox
from bot.request import Origin, request_columns
from bot.resolve import LocalFiles
from bot.slack.command_text import Generate
from bot.slack.files import SlackFileUploader
from bot.store.claims import REPEAT, ClaimBatch
from bot.store.db import RequestLog, iso, utc_now
from bot.store.unfinished import unfinished
from bot.submission import AfterSubmit, Submission
from bot.tencent.vod import VodClient

log = logging.getLogger(__name__)

DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


@dataclass(frozen=True)
class Recorded:
    """What `Pipeline.record` made of a request: a new row to carry on, or a copy that must not run."""

    row_id: int | None
    repeat: bool = False  # the same command moments ago: the person is told, nothing runs

    @property
    def duplicate(self) -> bool:
        """A redelivery of a request already logged (a Slack retry or a double click): nothing to do."""
        return self.row_id is None and not self.repeat


class Pipeline:
    """Records requests and carries them on, from Slack or, built with `slack=None` and `local_files`, from the
    command line: without Slack every answer is kept in `kept` for the caller to show, and nothing is posted.
    """

    def __init__(
        self,
        *,
        vod: VodClient,
        log_db: RequestLog,
        slack: AsyncWebClient | None,
        uploader: SlackFileUploader | None,
        guard: Guard | None = None,
        after_submit: AfterSubmit | None = None,
        local_files: LocalFiles | None = None,
    ) -> None:
        self.log_db = log_db
        self.slack = slack
        self.guard = guard
        outbox = Outbox(log_db, slack)
        self.kept: KeptAnswers = outbox.kept
        submission = Submission(
            vod=vod,
            log_db=log_db,
            outbox=outbox,
            uploader=uploader,
            local_files=local_files,
            after_submit=after_submit,
        )
        self.flow = Flow(log_db=log_db, outbox=outbox, submission=submission, guard=guard)
        # Rows logged from now on are carried on by the listener that logged them, never by a resume.
        self.started_at = iso(utc_now())
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._carrying: set[int] = set()
        self._claims = ClaimBatch(log_db, repeat_within=DOUBLE_SUBMIT_WINDOW)

    async def drain(self, timeout: float) -> None:
        """On shutdown, let requests in progress finish; what does not finish in time is resumed at start."""
        pending = {t for t in self._in_flight if not t.done()}
        if pending:
            log.info("waiting for %d request(s) in progress", len(pending))
            _, pending = await asyncio.wait(pending, timeout=timeout)
        # Stopped now, a request keeps its logged state and resumes at the next start; left running against
        # clients about to close, it would be recorded as failed.
        for task in pending:
            task.cancel()
        if pending:
            log.warning(
                "%d request(s) still running at the deadline were stopped; they resume at next start", len(pending)
            )
            await asyncio.wait(pending, timeout=1.0)

    # -- before the ack: one local insert -------------------------------------------------------------

    async def record(self, origin: Origin, command: Generate) -> Recorded:
        """Log a request with everything needed to carry it on; await it before Slack is answered.

        :param origin: who asked and where; its `dedupe_key` makes a redelivered request a duplicate.
        :return: the new row once committed, or why there is none (a duplicate, or a repeat within seconds).
        """
        row_id = await self._claims.claim(
            request_columns(origin, command),
            # The same command from the same person in the same channel moments ago, logged or about to be.
            check_repeat=bool(origin.repeat_key),
        )
        if row_id is REPEAT:
            return Recorded(None, repeat=True)
        if row_id is None:
            log.info("duplicate Slack delivery ignored: %s", origin.dedupe_key)
        return Recorded(row_id)

    # -- after the ack: everything else, read from the row ------------------------------------------------

    async def carry_on(self, row_id: int) -> None:
        """Take a logged request from wherever its row says it stands to its end."""
        if row_id in self._carrying:
            return
        about_request(row_id)
        self._carrying.add(row_id)
        current = asyncio.current_task()
        if current is not None:
            self._in_flight.add(current)
        try:
            await self.flow.carry_on(row_id)
        finally:
            self._carrying.discard(row_id)
            if current is not None:
                self._in_flight.discard(current)

    async def resume_pending(self, max_age: timedelta = timedelta(days=2)) -> int:
        """After a restart, carry on every request cut off by the last process, side by side.

        Tencent's SessionId dedupe (3 days) makes resending a logged body safe: a request that did reach
        Tencent is answered "already submitted" instead of being billed twice.
        """
        row_ids = unfinished(self.log_db, created_after=iso(utc_now() - max_age), created_before=self.started_at)
        if self.slack is not None:
            # The terminal that asked is gone, and the bot may not read the files it named.
            row_ids = [row_id for row_id in row_ids if (self.log_db.get(row_id) or {}).get("source") != "cli"]
        for row_id in row_ids:
            log.info("resuming request %s", row_id)
        await asyncio.gather(*(self._resume_one(row_id) for row_id in row_ids))
        return len(row_ids)

    async def _resume_one(self, row_id: int) -> None:
        try:
            await self.carry_on(row_id)
        except Exception:
            log.exception("could not resume request %s", row_id)
