"""Running a submitted batch: its rows carried on a few at a time, its parent message kept current, and the
results file posted in its thread once every row has ended.

A row is only ever carried on by the pipeline, like any recorded request; this module decides when, and watches
the log for where the batch stands. What a previous process left running is picked up again at start.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.pipeline import Pipeline
from bot.slack import batch_text as text
from bot.slack.conversation import Conversation, SlackUnavailable, slack_error_code
from bot.slack.messages import text_block
from bot.slack.pacing import Priority, marked
from bot.store.batches import RUNNING, Batch, BatchCounts, BatchStore
from bot.store.db import RequestLog

log = logging.getLogger(__name__)

# Rows on their way to Tencent at once; the VOD client's own limiter keeps the calls under 20 per second.
SUBMITTING_AT_ONCE = 10


@dataclass
class _Running:
    """A batch this process is submitting: the rows being carried on right now."""

    in_flight: set[int] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


@dataclass(kw_only=True, eq=False)
class BatchRunner:
    """Carries a submitted batch's rows on and keeps its parent message current until its results file is posted."""

    # The parent message changes at most this often (Slack's limit for chat.update on one message).
    UPDATE_SECONDS = 5.0
    # How often a running batch's counts are read from the log.
    LOOK_SECONDS = 1.0

    store: BatchStore
    log_db: RequestLog
    slack: AsyncWebClient
    pipeline: Pipeline
    # With follow mode off nothing fetches results, so a batch ends once every TaskId is answered.
    results_followed: bool
    _running: dict[int, _Running] = field(default_factory=dict, init=False)
    _watchers: dict[int, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _stopping: bool = field(default=False, init=False)

    def counts(self, batch_id: int) -> BatchCounts:
        return self.store.counts(batch_id, results_followed=self.results_followed)

    def in_flight(self, batch_id: int) -> set[int]:
        """The batch's rows being carried on by this process right now: they may already be at Tencent."""
        running = self._running.get(batch_id)
        return running.in_flight if running else set()

    # -- submitting the rows ---------------------------------------------------------------------------------

    def run(self, batch_id: int) -> None:
        """After the ack: submit the batch's rows and keep its parent message up to date, in the background."""
        if self._stopping or batch_id in self._running:
            return
        running = _Running()
        self._running[batch_id] = running
        running.task = asyncio.create_task(self._submit_rows(batch_id, running), name=f"batch-{batch_id}")
        self.watch(batch_id)

    async def _submit_rows(self, batch_id: int, running: _Running) -> None:
        queue = self.store.unsubmitted(batch_id)

        async def worker() -> None:
            while queue and not self._stopping:
                row_id = queue.pop(0)
                row = self.log_db.get(row_id)
                if row is None or row["status"] != "received":
                    continue  # cancelled meanwhile, or carried on by a resume
                running.in_flight.add(row_id)
                try:
                    await self.pipeline.carry_on(row_id)
                except Exception:
                    log.exception("batch %s: request %s failed", batch_id, row_id)
                finally:
                    running.in_flight.discard(row_id)

        try:
            await asyncio.gather(*(worker() for _ in range(SUBMITTING_AT_ONCE)))
        finally:
            self._running.pop(batch_id, None)

    # -- the parent message and the results file -------------------------------------------------------------

    def watch(self, batch_id: int) -> None:
        if self._stopping or batch_id in self._watchers:
            return
        task = asyncio.create_task(self._watch(batch_id), name=f"batch-{batch_id}-progress")
        self._watchers[batch_id] = task
        task.add_done_callback(lambda _: self._watchers.pop(batch_id, None))

    async def _watch(self, batch_id: int) -> None:
        shown, shown_at = "", -float("inf")
        while True:
            batch = self.store.get(batch_id)
            if batch is None or batch.status != RUNNING:
                return
            counts = self.counts(batch_id)
            line = text.parent_text(batch, counts)
            due = time.monotonic() - shown_at >= self.UPDATE_SECONDS
            if line != shown and (due or not shown):
                await self._show(batch, line)
                shown, shown_at = line, time.monotonic()
            if counts.finished and line == shown:
                break
            await asyncio.sleep(self.LOOK_SECONDS)
        try:
            await self._upload_results(batch)
        except SlackUnavailable as refused:
            log.warning("batch %s: Slack did not take the results file (%s)", batch_id, refused)
            if not refused.lasting:
                return  # the batch stays running, and the next start uploads the file again
        self.store.finish(batch_id)
        log.info("batch %s finished", batch_id)

    async def _show(self, batch: Batch, line: str) -> None:
        if not batch.parent_ts:
            return
        try:
            # Counts on the way are progress: they share the background budget with other progress lines.
            with marked(Priority.BACKGROUND, supersede=("batch", batch.id)):
                await self.slack.chat_update(
                    channel=batch.channel_id, ts=batch.parent_ts, text=line, blocks=[text_block(line)]
                )
        except (SlackClientError, OSError, TimeoutError) as error:
            code = slack_error_code(error) if isinstance(error, SlackApiError) else type(error).__name__
            log.warning("batch %s: chat.update failed: %s", batch.id, code)

    async def _upload_results(self, batch: Batch) -> None:
        rows = self.store.requests(batch.id)
        counts = self.counts(batch.id)
        name = f"batch-{batch.id}-results.csv"
        with tempfile.TemporaryDirectory(prefix="aigc-batch-", ignore_cleanup_errors=True) as folder:
            path = Path(folder, name)
            path.write_bytes(text.results_csv(rows))
            conversation = Conversation(self.slack, batch.channel_id, thread_ts=batch.thread_ts)
            comment = text.ended_text(batch, counts, name, results_followed=self.results_followed)
            await conversation.upload([{"file": str(path), "filename": name, "title": name}], comment)

    # -- start and stop ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Follow again every batch a previous process left running; its rows are resumed by the pipeline."""
        for batch in self.store.running():
            self.watch(batch.id)

    async def stop(self) -> None:
        """No new row starts; rows on their way finish under the pipeline's drain; progress stops."""
        self._stopping = True
        watchers = list(self._watchers.values())
        for task in watchers:
            task.cancel()
        await asyncio.gather(*watchers, return_exceptions=True)

    async def cut_off(self) -> None:
        """After the pipeline's drain: end submitters still waiting; their rows resume at the next start."""
        tasks = [running.task for running in self._running.values() if running.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
