"""One request from Slack to Tencent and back: log, announce, upload, submit, reply.

A request is written to the log before Slack is answered (`Pipeline.record`), and everything after that
(`Pipeline.carry_on`) reads what it needs from its row. So a request cut off by a crash or a restart is
carried on from the same row, by the same code, when the bot starts again (`Pipeline.resume_pending`).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol

from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.errors import AigcBotError
from bot.images.refusals import ImageRefused
from bot.logsafe import about_request
from bot.resolve import LocalFiles, Resolved, file_info_for
from bot.slack.command_text import Generate, refs_from_summary, refs_summary
from bot.slack.conversation import Conversation, SlackUnavailable
from bot.slack.files import SlackFileError, SlackFileUploader
from bot.slack.messages import already_submitted_text, error_text, escape, parent_text, submitted_text
from bot.slack.refs import BadRef, Ref, SlackFileRef
from bot.slack.use_result import built_on_line
from bot.store.batches import BATCH_SOURCE
from bot.store.claims import ClaimBatch
from bot.store.db import ACTIVE_STATUSES, REPEAT, RequestLog, RequestRow, Status, dumps, iso, utc_now
from bot.store.sessions import SESSION_ID_TAKEN, holder_of_session
from bot.tencent.models import CreateSceneAigcImageTaskRequest, FileInfo, RequestInvalid, build_request
from bot.tencent.scenes import TaskOptions, TaskSpec, build_task_request
from bot.tencent.vod import AlreadySubmitted, VodClient, VodError

log = logging.getLogger(__name__)

DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)
REPEAT_NOTE = (
    "You sent the same request a few seconds ago, so I ignored this copy to avoid paying twice. "
    "Send it again in 10 seconds if you really want a second run."
)
# What a Slack file object keeps in the log: enough to download it again after a restart.
KEPT_FILE_FIELDS = ("id", "name", "title", "mimetype", "filetype", "size", "url_private", "url_private_download")


@dataclass
class Origin:
    """Who asked, where, and which Slack ids make the request unique."""

    source: str  # slash_command, modal, shortcut, file_share, rerun, cli, batch
    team_id: str
    channel_id: str
    user_id: str
    dedupe_key: str
    thread_ts: str | None = None
    response_url: str | None = None
    repeat_key: str | None = None  # identical command text, to catch a quick double submit
    slack_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    rerun_of: int | None = None
    session_id: str | None = None  # chosen by the person (the command line's --session-id); else from dedupe_key
    derived_from: int | None = None  # the request whose generated image this one takes as its input


class Answers(Protocol):
    """Where the answers to one request go: a Slack conversation, or kept for a caller without Slack."""

    thread_ts: str | None
    status_ts: str | None
    via_response_url: bool

    async def open(self, text: str) -> None: ...

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None: ...

    async def set_status(self, text: str) -> None: ...


@dataclass
class KeptAnswers:
    """The answers to a request that did not come from Slack (the command line), kept for the caller to show."""

    texts: list[str] = field(default_factory=list)
    thread_ts: str | None = None
    status_ts: str | None = None
    via_response_url: bool = False

    async def open(self, text: str) -> None:
        return None  # the "working" parent only makes sense in a Slack channel

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> str | None:
        self.texts.append(text)
        return None

    async def set_status(self, text: str) -> None:
        return None


@dataclass(frozen=True)
class Recorded:
    """What `Pipeline.record` made of a request: a new row to carry on, or a copy that must not run."""

    row_id: int | None
    repeat: bool = False  # the same command moments ago: the person is told, nothing runs

    @property
    def duplicate(self) -> bool:
        """A redelivery of a request already logged (a Slack retry or a double click): nothing to do."""
        return self.row_id is None and not self.repeat


def session_id_for(dedupe_key: str) -> str:
    """At most 50 characters, the same for every retry of one Slack request, so Tencent dedupes too."""
    return "aigc-" + hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]


Guard = Callable[[Origin, Generate], Awaitable[str | None]]
AfterSubmit = Callable[[int], Awaitable[None]]


class Pipeline:
    """Carries requests from Slack, or, built with `slack=None` and `local_files`, from the command line.

    Without Slack every answer is kept in `kept` for the caller to show, and nothing is posted anywhere.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        vod: VodClient,
        log_db: RequestLog,
        slack: AsyncWebClient | None,
        uploader: SlackFileUploader | None,
        guard: Guard | None = None,
        after_submit: AfterSubmit | None = None,
        local_files: LocalFiles | None = None,
    ) -> None:
        self.settings = settings
        self.vod = vod
        self.log_db = log_db
        self.slack = slack
        self.uploader = uploader
        self.guard = guard
        self.after_submit = after_submit
        self.local_files = local_files
        self.kept = KeptAnswers()
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

    def conversation(self, origin: Origin) -> Conversation:
        assert self.slack is not None, "a pipeline without Slack has no conversations"
        return Conversation(self.slack, origin.channel_id, thread_ts=origin.thread_ts, response_url=origin.response_url)

    def _answers_for(self, origin: Origin, row: RequestRow) -> Answers:
        if self.slack is None:
            return self.kept
        return Conversation(
            self.slack,
            origin.channel_id,
            thread_ts=row.get("thread_ts"),
            status_ts=row.get("parent_ts"),
            response_url=origin.response_url,
        )

    # -- before the ack: one local insert -------------------------------------------------------------

    async def record(self, origin: Origin, command: Generate) -> Recorded:
        """Log a request with everything needed to carry it on; await it before Slack is answered.

        :param origin: who asked and where; its `dedupe_key` makes a redelivered request a duplicate.
        :param command: the parsed request.
        :return: the new row once committed, or why there is none (a duplicate, or a repeat within seconds).
        """
        spec = command.spec
        inputs = {"images": refs_summary(command.images), "clothes": refs_summary(command.clothes)}
        if origin.repeat_key:
            inputs["text"] = [origin.repeat_key]
        row_id = await self._claims.claim(
            {
                "source": origin.source,
                "team_id": origin.team_id,
                "channel_id": origin.channel_id,
                "user_id": origin.user_id,
                "thread_ts": origin.thread_ts,
                "response_url": origin.response_url,
                "scene": spec.scene,
                "prompt": spec.prompt,
                "image_count": command.image_count,
                "options_json": dumps(spec.options.to_dict()),
                "preset": command.preset,
                "inputs_json": dumps(inputs),
                "slack_files_json": dumps(_kept_files(origin.slack_files)) if origin.slack_files else None,
                "dedupe_key": origin.dedupe_key,
                "session_id": origin.session_id or session_id_for(origin.dedupe_key),
                "rerun_of": origin.rerun_of,
                "derived_from": origin.derived_from,
            },
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
            await self._carry_on(row_id)
        finally:
            self._carrying.discard(row_id)
            if current is not None:
                self._in_flight.discard(current)

    async def resume_pending(self, max_age: timedelta = timedelta(days=2)) -> int:
        """After a restart, carry on every request cut off by the last process, side by side.

        Tencent's SessionId dedupe (3 days) makes resending a logged body safe: a request that did reach
        Tencent is answered "already submitted" instead of being billed twice.
        """
        row_ids = self.log_db.unfinished(created_after=iso(utc_now() - max_age), created_before=self.started_at)
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

    async def _carry_on(self, row_id: int) -> None:
        row = self.log_db.get(row_id)
        if row is None:
            return
        origin = origin_from_row(row)
        command = command_from_row(row)
        conversation = self._answers_for(origin, row)
        try:
            if row.get("reply_pending"):
                if _submitted_but_not_followed(row):
                    await self._follow(row_id)
                await self._post_pending(row_id, conversation, origin, command)
            elif row["status"] == Status.SUBMITTING and (request_json := row.get("request_json")):
                request = build_request(json.loads(request_json))
                await self._submit(row_id, request, conversation, origin, command)
            elif row["status"] in (Status.RECEIVED, Status.UPLOADING):
                announced = bool(row.get("announced_at") or row.get("parent_ts"))
                await self._run(row_id, origin, command, conversation, announced=announced)
            elif _submitted_but_not_followed(row):
                await self._follow(row_id)
        except SlackUnavailable as slack_down:
            await self._slack_unavailable(row_id, origin, slack_down)
        except Exception:
            await self._internal_error(row_id, conversation, origin, command)

    async def _slack_unavailable(self, row_id: int, origin: Origin, slack_down: SlackUnavailable) -> None:
        log.warning("request %s: Slack did not take a message (%s)", row_id, slack_down)
        row = self.log_db.get(row_id) or {}
        if row.get("status") not in (Status.RECEIVED, Status.UPLOADING):
            return  # an answer already decided stays pending in the row, and is posted again at the next start
        # Without a place to answer, spending money would leave the person in the dark: stop here.
        self.log_db.update(
            row_id,
            status=Status.FAILED,
            error_code="SlackUnavailable",
            error_message=f"Slack refused our messages ({slack_down}); nothing was submitted",
            reply_pending=None,
        )
        if origin.response_url:
            await self.tell_user(
                origin,
                ":warning: Slack would not take my messages just now, so I stopped before submitting "
                "anything; nothing was billed. Please try again in a minute.",
            )

    async def _internal_error(self, row_id: int, conversation: Answers, origin: Origin, command: Generate) -> None:
        # Never leave a row "working": record the failure, then tell the person in plain words.
        log.exception("request %s failed unexpectedly", row_id)
        row = self.log_db.get(row_id) or {}
        if row.get("status") not in ACTIVE_STATUSES:
            return
        headline = (
            "Something went wrong on my side while submitting; the request may have reached Tencent."
            if row.get("status") == Status.SUBMITTING
            else "Something went wrong on my side before anything was submitted; nothing was billed."
        )
        await self._answer(
            row_id,
            conversation,
            origin,
            command,
            error_text(headline, "Please check `/aigc history`. If it keeps happening, tell the admin."),
            parent="failed",
            status=Status.FAILED,
            error_code="BotError",
            error_message="unexpected internal error",
        )

    # -- answers: decided in the row first, then posted ---------------------------------------------------

    def _decide(self, row_id: int, text: str | None, *, parent: str | None, private: bool, **fields: Any) -> None:
        """Write an outcome and the answer it calls for (None: no answer) in one update; `_post_pending` posts it.

        A crash between the two leaves the answer in `reply_pending`, and the next start posts it.
        """
        pending = dumps({"text": text, "private": private, "parent": parent}) if text is not None else None
        self.log_db.update(row_id, reply_pending=pending, **fields)

    async def _answer(
        self,
        row_id: int,
        conversation: Answers,
        origin: Origin,
        command: Generate,
        text: str,
        *,
        parent: str | None = None,
        private: bool = False,
        **fields: Any,
    ) -> None:
        self._decide(row_id, text, parent=parent, private=private, **fields)
        await self._post_pending(row_id, conversation, origin, command)

    async def _post_pending(self, row_id: int, conversation: Answers, origin: Origin, command: Generate) -> None:
        reply_pending = (self.log_db.get(row_id) or {}).get("reply_pending")
        if not reply_pending:
            return
        pending = json.loads(reply_pending)
        try:
            if pending.get("private"):
                await self.tell_user(origin, str(pending["text"]))
            else:
                await conversation.reply(str(pending["text"]))
        except SlackUnavailable as slack_down:
            log.warning("request %s: the answer stays pending until Slack takes it (%s)", row_id, slack_down)
            return
        if pending.get("parent"):
            await self._set_parent(conversation, origin, command, str(pending["parent"]))
        self.log_db.update(row_id, reply_pending=None)

    async def _follow(self, row_id: int) -> None:
        if self.after_submit is not None:
            await self.after_submit(row_id)

    async def tell_user(self, origin: Origin, text: str) -> None:
        """A note only the asking person needs: ephemeral where possible, never a new channel message."""
        if self.slack is None:
            await self.kept.reply(text)
            return
        conversation = self.conversation(origin)
        try:
            if origin.response_url:
                conversation.via_response_url = True
                await conversation.reply(text)
            elif origin.thread_ts:
                await conversation.reply(text)
            else:
                await self.slack.chat_postEphemeral(channel=origin.channel_id, user=origin.user_id, text=text)
        except Exception:
            log.warning("could not send a note to %s", origin.user_id)

    async def _set_parent(self, conversation: Answers, origin: Origin, command: Generate, status: str) -> None:
        built_on = built_on_line(self.log_db, origin.derived_from)
        await conversation.set_status(
            parent_text(origin.user_id, command.spec, command.image_count, status, command.preset, built_on)
        )

    # -- the steps ----------------------------------------------------------------------------------------

    async def _run(
        self, row_id: int, origin: Origin, command: Generate, conversation: Answers, *, announced: bool = False
    ) -> None:
        spec = command.spec
        if self.guard is not None and not announced:
            refusal = await self.guard(origin, command)
            if refusal is not None:
                await self._answer(
                    row_id,
                    conversation,
                    origin,
                    command,
                    f":no_entry: {refusal} Nothing was submitted or billed.",
                    private=True,
                    status=Status.REFUSED,
                    error_code="Refused",
                    error_message=refusal,
                )
                return
        if not announced:
            await conversation.open(
                parent_text(
                    origin.user_id,
                    spec,
                    command.image_count,
                    preset=command.preset,
                    built_on=built_on_line(self.log_db, origin.derived_from),
                )
            )
            # Right after the post, with nothing awaited in between: a resumed request reuses this parent.
            self.log_db.update(
                row_id,
                status=Status.UPLOADING,
                thread_ts=conversation.thread_ts,
                parent_ts=conversation.status_ts,
                announced_at=iso(utc_now()),
            )
        try:
            # Uploads run side by side; each streams from disk, so ten at once stay small in memory.
            resolved = await asyncio.gather(*(self._resolve(ref, origin) for ref in command.images + command.clothes))
            infos = [each.info for each in resolved]
            images, clothes = infos[: len(command.images)], infos[len(command.images) :]
            notes = "\n".join(each.note for each in resolved if each.note) or None
            spec.session_id = origin.session_id or session_id_for(origin.dedupe_key)
            spec.session_context = f"aigc-bot request {row_id}"
            request = build_task_request(spec, sub_app_id=self.vod.sub_app_id, images=images, clothes=clothes)
        except (SlackFileError, ImageRefused, BadRef, RequestInvalid) as bad:
            await self._answer(
                row_id,
                conversation,
                origin,
                command,
                error_text("I could not use this request; nothing was submitted or billed.", escape(str(bad))),
                parent="failed",
                status=Status.INVALID,
                error_code="InvalidInput",
                error_message=str(bad),
            )
            return
        except AigcBotError as upload_error:
            # Nothing reached CreateSceneAigcImageTask, so say plainly that nothing was billed.
            headline = "Your images could not be uploaded, so nothing was submitted or billed."
            await self._refused(row_id, upload_error, conversation, origin, command, headline=headline)
            return
        self.log_db.update(row_id, status=Status.SUBMITTING, request_json=dumps(request.to_wire()), image_notes=notes)
        await self._submit(row_id, request, conversation, origin, command)

    async def _resolve(self, ref: Ref, origin: Origin) -> Resolved:
        async def from_slack(slack_ref: SlackFileRef) -> Resolved:
            if self.uploader is None:
                raise SlackFileError("a file shared in Slack can only be used from Slack")
            known = origin.slack_files.get(slack_ref.slack_file_id)
            uploaded = await self.uploader.file_id_for(slack_ref.slack_file_id, known)
            return Resolved(FileInfo.of_file(uploaded.file_id), uploaded.note)

        return await file_info_for(ref, local=self.local_files, slack=from_slack)

    async def _submit(
        self,
        row_id: int,
        request: CreateSceneAigcImageTaskRequest,
        conversation: Answers,
        origin: Origin,
        command: Generate,
    ) -> None:
        spec = command.spec
        try:
            result = await self.vod.create_scene_aigc_image_task(request)
        except AlreadySubmitted as already:
            holder = holder_of_session(self.log_db, already.session_id, besides=row_id)
            if holder is not None:
                # Another request holds this SessionId (chosen twice): this one never became a task of its own.
                await self._session_taken(row_id, holder, already, conversation, origin, command)
                return
            self._decide(
                row_id,
                already_submitted_text(
                    already.code, already.request_id, already.session_id, looking_up=self.after_submit is not None
                ),
                parent="already",
                private=False,
                status=Status.SUBMITTED,
                error_code=already.code,
                request_id=already.request_id,
                error_message="Tencent already holds a task for this request; nothing new was billed",
            )
            # Tencent billed a task whose TaskId never reached us: the follower finds it by SessionId.
            await self._follow(row_id)
            await self._post_pending(row_id, conversation, origin, command)
            return
        except VodError as refusal:
            await self._refused(row_id, refusal, conversation, origin, command, during="submitting")
            return
        log.info("request %s submitted as %s", row_id, result.task_id)
        # A batch's thread gets one reply per result; its parent message counts the submissions instead.
        quiet = origin.source == BATCH_SOURCE
        self._decide(
            row_id,
            None
            if quiet
            else submitted_text(
                result.task_id,
                result.request_id,
                spec,
                command.image_count,
                image_notes=(self.log_db.get(row_id) or {}).get("image_notes"),
            ),
            parent=None,
            private=False,
            status=Status.SUBMITTED,
            task_id=result.task_id,
            request_id=result.request_id,
            submitted_at=iso(utc_now()),
        )
        await self._follow(row_id)
        await self._post_pending(row_id, conversation, origin, command)

    async def _session_taken(
        self,
        row_id: int,
        holder: RequestRow,
        already: AlreadySubmitted,
        conversation: Answers,
        origin: Origin,
        command: Generate,
    ) -> None:
        held_by = _request_named(holder)
        await self._answer(
            row_id,
            conversation,
            origin,
            command,
            error_text(
                f"SessionId `{escape(already.session_id)}` already belongs to {held_by}, so Tencent refused this "
                "request; nothing new was submitted or billed.",
                f"Code: `{already.code}` · RequestId: `{already.request_id or 'none'}`. That request's result is "
                "the one for this SessionId; to run this again, give it a SessionId of its own.",
            ),
            parent="refused",
            status=Status.REFUSED,
            error_code=SESSION_ID_TAKEN,
            error_message=f"SessionId {already.session_id} belongs to {held_by.replace('`', '')}; Tencent refused "
            f"this copy ({already.code}), so nothing new was billed",
            request_id=already.request_id,
        )

    async def _refused(
        self,
        row_id: int,
        error: AigcBotError,
        conversation: Answers,
        origin: Origin,
        command: Generate,
        *,
        during: str = "",
        headline: str = "",
    ) -> None:
        await self._answer(
            row_id,
            conversation,
            origin,
            command,
            error_text(headline or f"Tencent Cloud refused while {during}.", escape(error.user_text())),
            parent="failed",
            status=Status.FAILED,
            error_code=error.code,
            error_message=error.message,
            request_id=error.request_id,
        )


def _request_named(row: RequestRow) -> str:
    """A logged request as a person can look it up: its row id, and its TaskId once known."""
    task_id = row.get("task_id")
    return f"request {row['id']} (TaskId `{task_id}`)" if task_id else f"request {row['id']} (TaskId not known yet)"


def _submitted_but_not_followed(row: RequestRow) -> bool:
    return bool(row.get("status") == Status.SUBMITTED and not row.get("follow_next_at") and not row.get("finished_at"))


def _kept_files(files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: {k: v for k, v in meta.items() if k in KEPT_FILE_FIELDS} for key, meta in files.items()}


def origin_from_row(row: RequestRow) -> Origin:
    """Who asked and where, as the log recorded it when the request arrived."""
    return Origin(
        source=row["source"],
        team_id=row.get("team_id") or "",
        channel_id=row.get("channel_id") or "",
        user_id=row.get("user_id") or "",
        dedupe_key=row.get("dedupe_key") or f"resume:{row['id']}",
        thread_ts=row.get("thread_ts"),
        response_url=row.get("response_url") or None,
        slack_files=json.loads(row.get("slack_files_json") or "{}"),
        rerun_of=row.get("rerun_of"),
        session_id=row.get("session_id"),
        derived_from=row.get("derived_from"),
    )


def spec_from_row(row: RequestRow) -> TaskSpec:
    """The scene, prompt and options a log row asked for."""
    scene = row["scene"]
    # Every request is logged from its TaskSpec (by `record`, or by a batch), scene included; only input too broken
    # to be a request (`log_invalid`) is logged without one, and such a row is never resumed, followed or given buttons.
    assert scene is not None, f"request {row['id']} was logged without a scene"
    options = TaskOptions(**json.loads(row.get("options_json") or "{}"))
    return TaskSpec(scene=scene, prompt=row.get("prompt"), options=options)


def command_from_row(row: RequestRow) -> Generate:
    """The request a log row describes, to run it again or to resume it after a restart."""
    inputs = json.loads(row.get("inputs_json") or "{}")
    return Generate(
        spec=spec_from_row(row),
        images=refs_from_summary(inputs.get("images", [])),
        clothes=refs_from_summary(inputs.get("clothes", [])),
        preset=row.get("preset"),
    )
