"""Catalogue batches: a CSV file of requests, checked whole, confirmed once, then run and reported as one.

Nothing is billed before every row is checked the way a typed request is (the same parsing, presets and
channel defaults, and Tencent's request rules). The Submit click writes every row to the log as an ordinary
request in one transaction before Slack hears back; from then on each row is carried on by the pipeline like
any recorded request, so a restart resumes a batch through `Pipeline.resume_pending` and its SessionIds.
`FileChecker` takes a shared file in; `Batches` answers what people then ask of it (Submit, Discard, status,
cancel); running a submitted batch to its results file is `bot/batch_runner.py`'s job.
"""

from __future__ import annotations

import contextlib
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.access import AccessPolicy, left_today
from bot.batch_runner import BatchRunner
from bot.config import Settings
from bot.pipeline import Pipeline
from bot.presets import apply_workflow
from bot.request import Origin, command_columns, session_id_for
from bot.slack import batch_text as text
from bot.slack.command_text import CommandError, Generate
from bot.slack.conversation import slack_error_code
from bot.store.batches import AWAITING, BATCH_SOURCE, FINISHED, RUNNING, BatchStore
from bot.store.db import RequestLog, iso, utc_now
from bot.store.presets import PresetStore

log = logging.getLogger(__name__)


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

    def origin(self, key: str) -> Origin:
        return Origin(
            source=BATCH_SOURCE, team_id=self.team_id, channel_id=self.channel_id, user_id=self.user_id, dedupe_key=key
        )


def _over_caps(policy: AccessPolicy, log_db: RequestLog, place: Place, count: int) -> str | None:
    """Why `count` more requests would pass today's caps for the person or the workspace; None when they fit."""
    user_left, workspace_left = left_today(policy, log_db, place.team_id, place.user_id)
    for left, whose in ((user_left, "your"), (workspace_left, "the workspace's")):
        if left is not None and count > left:
            return wording.batches.OVER_DAILY_CAP.format(
                requests=text.counted(count, "request"), whose=whose, left=left, who_to_ask=policy.who_to_ask()
            )
    return None


@dataclass(kw_only=True, eq=False)
class FileChecker:
    """Checks a shared CSV file whole, keeps an acceptable one as a batch awaiting its Submit click, and says so."""

    settings: Settings
    log_db: RequestLog
    slack: AsyncWebClient
    http: httpx.AsyncClient
    store: BatchStore
    policy: AccessPolicy
    _seen_messages: set[str] = field(default_factory=set, init=False)

    def __post_init__(self) -> None:
        self.presets = PresetStore(self.log_db)
        self.max_rows = self.settings.aigc_bot_batch_max_rows

    async def check(self, place: Place, meta: dict[str, Any]) -> BatchCheck:
        """Download, read and check a CSV file; an acceptable one is kept as a batch awaiting its Submit click."""
        name = str(meta.get("name") or meta.get("title") or "batch.csv")
        refusal = await self.policy.may_use(self.slack, place.origin("batch-check"))
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
        over = _over_caps(self.policy, self.log_db, place, len(records))
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
        left = left_today(self.policy, self.log_db, place.team_id, place.user_id)
        message, blocks = text.confirmation_blocks(batch, text.allowance_text(*left))
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


@dataclass(kw_only=True, eq=False)
class Batches:
    """What people do with a batch: share a file to check, submit or discard it, ask how it stands, cancel it."""

    settings: Settings
    log_db: RequestLog
    slack: AsyncWebClient
    http: httpx.AsyncClient
    pipeline: Pipeline

    def __post_init__(self) -> None:
        self.store = BatchStore(self.log_db)
        self.policy = AccessPolicy.from_settings(self.settings)
        self.files = FileChecker(
            settings=self.settings,
            log_db=self.log_db,
            slack=self.slack,
            http=self.http,
            store=self.store,
            policy=self.policy,
        )
        self.runner = BatchRunner(
            store=self.store,
            log_db=self.log_db,
            slack=self.slack,
            pipeline=self.pipeline,
            results_followed=self.settings.aigc_bot_follow_mode != "off",
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
        refusal = await self.policy.may_use(self.slack, place.origin(f"batch:{batch.id}"))
        refusal = refusal or _over_caps(self.policy, self.log_db, place, batch.row_count)
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

    # -- status and cancel ------------------------------------------------------------------------------

    def status_text(self, *, team_id: str, user_id: str, batch_id: int | None) -> str:
        batch = self.store.latest(team_id, user_id) if batch_id is None else self.store.get(batch_id)
        if batch is None or batch.team_id != team_id:
            if batch_id is None:
                return wording.batches.NO_BATCHES_YET
            return wording.batches.NO_SUCH_BATCH.format(batch_id=batch_id)
        counts = self.runner.counts(batch.id) if batch.status in (RUNNING, FINISHED) else None
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
        cancelled = self.store.cancel(batch_id, keep=self.runner.in_flight(batch_id))
        log.info("batch %s: %d requests cancelled by %s", batch_id, cancelled, user_id)
        counts, followed = self.runner.counts(batch_id), self.runner.results_followed
        return text.cancelled_text(batch, cancelled, counts, results_followed=followed)


_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def asks_for_batch(event: dict[str, Any]) -> bool:
    """A message whose text, without the mention, starts with `batch`."""
    words = _MENTION.sub(" ", str(event.get("text", ""))).split()
    return bool(words) and words[0].lower() == "batch" and not event.get("bot_id")


async def answer_message(batches: Batches, event: dict[str, Any], body: dict[str, Any]) -> None:
    """A CSV file shared with `@aigc batch` or in a DM with `batch`: check it, answer in its thread."""
    channel_id, ts = str(event.get("channel", "")), str(event.get("ts", ""))
    files = batches.files
    if not files.first_sight(f"{channel_id}:{ts}"):
        return
    place = Place(
        team_id=str(body.get("team_id") or event.get("team", "")),
        channel_id=channel_id,
        user_id=str(event.get("user", "")),
        thread_ts=str(event.get("thread_ts") or ts),
    )
    shared = text.csv_files(event.get("files"))
    if not shared:
        await files.slack.chat_postMessage(channel=channel_id, thread_ts=place.thread_ts, text=wording.batches.NO_FILE)
        return
    await files.answer(place, await files.check(place, shared[0]))


async def answer_form(batches: Batches, body: dict[str, Any], view: dict[str, Any]) -> None:
    """The batch form, submitted with its file: check the file and answer where the form was opened."""
    place = Place(
        team_id=str((body.get("team") or {}).get("id") or view.get("team_id", "")),
        channel_id=text.form_channel(view),
        user_id=str((body.get("user") or {}).get("id", "")),
    )
    await batches.files.answer(place, await batches.files.check(place, text.form_files(view)[0]))
