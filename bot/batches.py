"""Catalogue batches: a CSV file of requests, checked whole, confirmed once, then run and reported as one.

Nothing is billed before every row is checked the way a typed request is (the same parsing, presets and
channel defaults, and Tencent's request rules). The Submit click writes every row to the log as an ordinary
request in one transaction before Slack hears back; from then on each row is carried on by the pipeline like
any recorded request, so a restart resumes a batch through `Pipeline.resume_pending` and its SessionIds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.access import AccessPolicy, left_today
from bot.config import Settings
from bot.pipeline import Pipeline
from bot.presets import apply_workflow
from bot.request import Origin, command_columns, session_id_for
from bot.slack import batch_text as text
from bot.slack.command_text import CommandError, Generate
from bot.slack.conversation import Conversation, SlackUnavailable, slack_error_code
from bot.slack.messages import text_block
from bot.slack.pacing import Priority, marked
from bot.store.batches import AWAITING, BATCH_SOURCE, FINISHED, RUNNING, Batch, BatchCounts, BatchStore
from bot.store.db import RequestLog, iso, utc_now
from bot.store.presets import PresetStore

log = logging.getLogger(__name__)

# Rows on their way to Tencent at once; the VOD client's own limiter keeps the calls under 20 per second.
SUBMITTING_AT_ONCE = 10


@dataclass(frozen=True)
class BatchCheck:
    """What checking a file came to: a confirmation to post (with its batch), or the problems."""

    text: str
    blocks: list[dict[str, Any]] | None = None
    batch_id: int | None = None


@dataclass(frozen=True)
class Place:
    """Where a batch was asked for, and by whom."""

    team_id: str
    channel_id: str
    user_id: str
    thread_ts: str | None = None


@dataclass
class _Running:
    """A batch this process is submitting: the rows being carried on right now."""

    in_flight: set[int] = field(default_factory=set)
    task: asyncio.Task[None] | None = None


@dataclass(kw_only=True, eq=False)
class Batches:
    """Checks, submits, follows and reports catalogue batches; one per process, beside the pipeline."""

    # The parent message changes at most this often (Slack's limit for chat.update on one message).
    UPDATE_SECONDS = 5.0
    # How often a running batch's counts are read from the log.
    LOOK_SECONDS = 1.0

    settings: Settings
    log_db: RequestLog
    slack: AsyncWebClient
    http: httpx.AsyncClient
    pipeline: Pipeline
    _running: dict[int, _Running] = field(default_factory=dict, init=False)
    _watchers: dict[int, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _stopping: bool = field(default=False, init=False)
    _seen_messages: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.store = BatchStore(self.log_db)
        self.presets = PresetStore(self.log_db)
        self.policy = AccessPolicy.from_settings(self.settings)
        self.max_rows = self.settings.aigc_bot_batch_max_rows
        # With follow mode off nothing fetches results, so a batch ends once every TaskId is answered.
        self.results_followed = self.settings.aigc_bot_follow_mode != "off"

    # -- checking a file ---------------------------------------------------------------------------------

    async def check(self, place: Place, meta: dict[str, Any]) -> BatchCheck:
        """Download, read and check a CSV file; an acceptable one is kept as a batch awaiting its Submit click."""
        name = str(meta.get("name") or meta.get("title") or "batch.csv")
        refusal = await self.policy.may_use(self.slack, self._origin(place, "batch-check"))
        if refusal is not None:
            return BatchCheck(wording.slack.REFUSED_NOTHING_BILLED.format(refusal=refusal))
        try:
            meta = await self._complete(meta)
            token = self.settings.slack_bot_token
            assert token is not None
            data = await text.download_csv(
                self.http, meta, bot_token=token.get_secret_value(), api_url=self.settings.slack_api_url
            )
            rows, problems = text.parse_batch_csv(data)
        except text.BatchFileError as bad:
            return BatchCheck(text.file_problem_text(name, str(bad)))
        if len(rows) + len(problems) > self.max_rows:
            too_many = wording.batches.TOO_MANY_ROWS.format(ready=len(rows) + len(problems), max_rows=self.max_rows)
            return BatchCheck(text.file_problem_text(name, too_many))
        records, images = [], 0
        for row in rows:
            try:
                # The row as it would run, under the rulebook and with its preset and channel defaults.
                command = apply_workflow(
                    self.presets, team_id=place.team_id, channel_id=place.channel_id, command=text.row_command(row)
                )
            except CommandError as bad:
                problems.append(text.CsvProblem(row.number, str(bad)))
                continue
            images += command.spec.options.count or 1  # Tencent bills the count asked for (product), else one
            records.append(self._record(row.number, command, place))
        if problems:
            return BatchCheck(text.problems_text(name, problems))
        over = self._over_caps(place, len(records))
        if over is not None:
            return BatchCheck(text.file_problem_text(name, over))
        batch_id = self.store.create(
            team_id=place.team_id,
            user_id=place.user_id,
            channel_id=place.channel_id,
            thread_ts=place.thread_ts,
            file_name=name,
            rows=records,
            image_count=images,
        )
        batch = self.store.get(batch_id)
        assert batch is not None
        message, blocks = text.confirmation_blocks(batch, text.allowance_text(*self._left(place)))
        return BatchCheck(message, blocks, batch_id)

    async def _complete(self, meta: dict[str, Any]) -> dict[str, Any]:
        """A file object with its download link, looked up when Slack sent only a stub."""
        if meta.get("url_private_download") or meta.get("url_private"):
            return meta
        try:
            answer = await self.slack.files_info(file=meta["id"])
        except SlackApiError as error:
            raise text.BatchFileError(
                wording.batches.SLACK_WOULD_NOT_SHARE.format(slack_error=slack_error_code(error))
            ) from None
        return dict(answer["file"])

    def _record(self, number: int, command: Generate, place: Place) -> dict[str, Any]:
        """The `requests` row a checked row becomes once submitted (ids and times are added then)."""
        return {
            "source": BATCH_SOURCE,
            "team_id": place.team_id,
            "channel_id": place.channel_id,
            "user_id": place.user_id,
            **command_columns(command),
            "batch_row": number,
        }

    def _left(self, place: Place) -> tuple[int | None, int | None]:
        return left_today(self.policy, self.log_db, place.team_id, place.user_id)

    def _over_caps(self, place: Place, count: int) -> str | None:
        user_left, workspace_left = self._left(place)
        for left, whose in ((user_left, "your"), (workspace_left, "the workspace's")):
            if left is not None and count > left:
                return wording.batches.OVER_DAILY_CAP.format(
                    requests=text.counted(count, "request"), whose=whose, left=left, who_to_ask=self.policy.who_to_ask()
                )
        return None

    def _origin(self, place: Place, key: str) -> Origin:
        return Origin(
            source=BATCH_SOURCE,
            team_id=place.team_id,
            channel_id=place.channel_id,
            user_id=place.user_id,
            dedupe_key=key,
        )

    def first_sight(self, key: str) -> bool:
        """True the first time a message is seen: a DM mention arrives as two events, and Slack retries."""
        if key in self._seen_messages:
            return False
        if len(self._seen_messages) > 10_000:
            self._seen_messages.clear()
        self._seen_messages.add(key)
        return True

    async def answer(self, place: Place, checked: BatchCheck) -> None:
        """Post a confirmation where the batch was asked for (it becomes the batch's parent message), or the
        problems: in the file's thread, or privately when the form was used."""
        try:
            if checked.batch_id is not None or place.thread_ts:
                await self.slack.chat_postMessage(
                    channel=place.channel_id,
                    thread_ts=place.thread_ts,
                    text=checked.text,
                    blocks=checked.blocks,
                    unfurl_links=False,
                )
            else:
                await self.slack.chat_postEphemeral(channel=place.channel_id, user=place.user_id, text=checked.text)
        except SlackApiError as error:
            log.warning("batch answer in %s failed: %s", place.channel_id, slack_error_code(error))
            if checked.batch_id is not None:
                self.store.drop(checked.batch_id)
            with contextlib.suppress(SlackApiError):
                await self.slack.chat_postEphemeral(
                    channel=place.channel_id,
                    user=place.user_id,
                    text=wording.batches.CANNOT_POST_BATCH.format(slack_error=slack_error_code(error)),
                )

    # -- the Submit click: every row logged before the ack ---------------------------------------------------

    async def submit(self, batch_id: int, *, user_id: str, parent_ts: str) -> str | None:
        """Log every row of an awaiting batch as a request, in one transaction; a string says why not.

        Called before the click is acknowledged, so a click Slack saw answered never loses or repeats a row.
        """
        batch = self.store.get(batch_id)
        if batch is None:
            return wording.batches.NO_SUCH_BATCH_HERE
        if user_id != batch.user_id:
            return wording.batches.ONLY_SHARER_SUBMITS.format(user_id=batch.user_id, id=batch.id)
        if batch.status != AWAITING:
            return (
                f"Batch {batch.id} was already {'submitted' if batch.status in (RUNNING, FINISHED) else 'discarded'}."
            )
        place = Place(batch.team_id, batch.channel_id, batch.user_id, batch.thread_ts)
        refusal = await self.policy.may_use(self.slack, self._origin(place, f"batch:{batch.id}"))
        refusal = refusal or self._over_caps(place, batch.row_count)
        if refusal is not None:
            return wording.batches.BATCH_REFUSED.format(id=batch.id, refusal=refusal)
        now = iso(utc_now())
        requests = []
        for record in self.store.checked_rows(batch_id):
            key = f"batch:{batch.team_id}:{batch.id}:{record['batch_row']}"
            # announced_at: the batch's parent message stands for every row, so no row posts one of its own.
            requests.append({**record, "dedupe_key": key, "session_id": session_id_for(key), "announced_at": now})
        thread_ts = batch.thread_ts or parent_ts
        if not self.store.start(batch_id, parent_ts=parent_ts, thread_ts=thread_ts, requests=requests):
            return wording.batches.ALREADY_SUBMITTED.format(id=batch.id)
        log.info("batch %s: %d requests logged", batch_id, len(requests))
        return None

    def drop(self, batch_id: int, *, user_id: str) -> tuple[bool, str]:
        """Discard a batch still awaiting its Submit click: whether it was, and the sentence that says so."""
        batch = self.store.get(batch_id)
        if batch is None:
            return False, wording.batches.NO_SUCH_BATCH_HERE
        if user_id != batch.user_id:
            return False, wording.batches.ONLY_SHARER_DISCARDS.format(user_id=batch.user_id, id=batch.id)
        if not self.store.drop(batch_id):
            return False, wording.batches.ALREADY_SUBMITTED_OR_DISCARDED.format(id=batch.id)
        return True, wording.batches.BATCH_DISCARDED.format(id=batch.id)

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

    def _counts(self, batch_id: int) -> BatchCounts:
        return self.store.counts(batch_id, results_followed=self.results_followed)

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
            counts = self._counts(batch_id)
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
        counts = self._counts(batch.id)
        name = f"batch-{batch.id}-results.csv"
        with tempfile.TemporaryDirectory(prefix="aigc-batch-", ignore_cleanup_errors=True) as folder:
            path = Path(folder, name)
            path.write_bytes(text.results_csv(rows))
            conversation = Conversation(self.slack, batch.channel_id, thread_ts=batch.thread_ts)
            comment = text.ended_text(batch, counts, name, results_followed=self.results_followed)
            await conversation.upload([{"file": str(path), "filename": name, "title": name}], comment)

    # -- status and cancel ------------------------------------------------------------------------------

    def status_text(self, *, team_id: str, user_id: str, batch_id: int | None) -> str:
        batch = self.store.latest(team_id, user_id) if batch_id is None else self.store.get(batch_id)
        if batch is None or batch.team_id != team_id:
            if batch_id is None:
                return wording.batches.NO_BATCHES_YET
            return wording.batches.NO_SUCH_BATCH.format(batch_id=batch_id)
        counts = self._counts(batch.id) if batch.status in (RUNNING, FINISHED) else None
        return text.status_text(batch, counts)

    def cancel(self, *, team_id: str, user_id: str, batch_id: int) -> str:
        batch = self.store.get(batch_id)
        if batch is None or batch.team_id != team_id:
            return wording.batches.NO_SUCH_BATCH.format(batch_id=batch_id)
        if user_id != batch.user_id and user_id not in self.policy.admins:
            return wording.batches.ONLY_STARTER_OR_ADMIN_CANCELS.format(user_id=batch.user_id, id=batch.id)
        if batch.status == AWAITING:
            return self.drop(batch_id, user_id=batch.user_id)[1]
        if batch.status != RUNNING:
            return f"Batch {batch.id} has already {'finished' if batch.status == FINISHED else 'been discarded'}."
        running = self._running.get(batch_id)
        cancelled = self.store.cancel(batch_id, keep=running.in_flight if running else ())
        log.info("batch %s: %d requests cancelled by %s", batch_id, cancelled, user_id)
        return text.cancelled_text(batch, cancelled, self._counts(batch_id), results_followed=self.results_followed)

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


_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def asks_for_batch(event: dict[str, Any]) -> bool:
    """A message whose text, without the mention, starts with `batch`."""
    words = _MENTION.sub(" ", str(event.get("text", ""))).split()
    return bool(words) and words[0].lower() == "batch" and not event.get("bot_id")


async def answer_message(batches: Batches, event: dict[str, Any], body: dict[str, Any]) -> None:
    """A CSV file shared with `@aigc batch` or in a DM with `batch`: check it, answer in its thread."""
    channel_id, ts = str(event.get("channel", "")), str(event.get("ts", ""))
    if not batches.first_sight(f"{channel_id}:{ts}"):
        return
    place = Place(
        team_id=str(body.get("team_id") or event.get("team", "")),
        channel_id=channel_id,
        user_id=str(event.get("user", "")),
        thread_ts=str(event.get("thread_ts") or ts),
    )
    files = text.csv_files(event.get("files"))
    if not files:
        await batches.slack.chat_postMessage(
            channel=channel_id, thread_ts=place.thread_ts, text=wording.batches.NO_FILE
        )
        return
    await batches.answer(place, await batches.check(place, files[0]))


async def answer_form(batches: Batches, body: dict[str, Any], view: dict[str, Any]) -> None:
    """The batch form, submitted with its file: check the file and answer where the form was opened."""
    place = Place(
        team_id=str((body.get("team") or {}).get("id") or view.get("team_id", "")),
        channel_id=text.form_channel(view),
        user_id=str((body.get("user") or {}).get("id", "")),
    )
    await batches.answer(place, await batches.check(place, text.form_files(view)[0]))
