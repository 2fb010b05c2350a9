"""One request from Slack to Tencent and back: log, announce, upload, submit, reply."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import db as statuses
from bot.commands import Generate, refs_from_summary, refs_summary
from bot.config import Settings
from bot.conversation import Conversation, SlackUnavailable
from bot.db import RequestLog, dumps, iso, utc_now
from bot.errors import AigcBotError
from bot.messages import error_text, escape, parent_text, submitted_text
from bot.models import CreateSceneAigcImageTaskRequest, FileInfo, RequestInvalid, build_request
from bot.refs import FileIdRef, Ref, SlackFileRef, UrlRef
from bot.scenes import TaskOptions, TaskSpec, build_task_request
from bot.slack_files import SlackFileError, SlackFileUploader
from bot.vod import AlreadySubmitted, VodClient, VodError

log = logging.getLogger(__name__)

DOUBLE_SUBMIT_WINDOW = timedelta(seconds=10)


@dataclass
class Origin:
    """Who asked, where, and which Slack ids make the request unique."""

    source: str  # slash_command, modal, shortcut, file_share, rerun
    team_id: str
    channel_id: str
    user_id: str
    dedupe_key: str
    thread_ts: str | None = None
    response_url: str | None = None
    repeat_key: str | None = None  # identical command text, to catch a quick double submit
    slack_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    rerun_of: int | None = None


def session_id_for(dedupe_key: str) -> str:
    """At most 50 characters, the same for every retry of one Slack request, so Tencent dedupes too."""
    return "aigc-" + hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]


Guard = Callable[[Origin, Generate], Awaitable[str | None]]
AfterSubmit = Callable[[int], Awaitable[None]]


class Pipeline:
    def __init__(
        self,
        *,
        settings: Settings,
        vod: VodClient,
        log_db: RequestLog,
        slack: AsyncWebClient,
        uploader: SlackFileUploader,
        guard: Guard | None = None,
        after_submit: AfterSubmit | None = None,
    ) -> None:
        self.settings = settings
        self.vod = vod
        self.log_db = log_db
        self.slack = slack
        self.uploader = uploader
        self.guard = guard
        self.after_submit = after_submit
        self._in_flight: set[asyncio.Task[Any]] = set()

    async def drain(self, timeout: float) -> None:
        """On shutdown, let requests in progress finish; what does not finish in time is resumed at start."""
        pending = {t for t in self._in_flight if not t.done()}
        if pending:
            log.info("waiting for %d request(s) in progress", len(pending))
            await asyncio.wait(pending, timeout=timeout)

    def conversation(self, origin: Origin) -> Conversation:
        return Conversation(self.slack, origin.channel_id, thread_ts=origin.thread_ts, response_url=origin.response_url)

    async def _resolve(self, ref: Ref, origin: Origin) -> FileInfo:
        if isinstance(ref, FileIdRef):
            return FileInfo.of_file(ref.file_id)
        if isinstance(ref, UrlRef):
            return FileInfo.of_url(ref.url)
        if isinstance(ref, SlackFileRef):
            known = origin.slack_files.get(ref.slack_file_id)
            return FileInfo.of_file(await self.uploader.file_id_for(ref.slack_file_id, known))
        raise SlackFileError("local files cannot be used from Slack")

    async def generate(self, origin: Origin, command: Generate) -> int | None:
        """Run one request end to end. Returns the log row id, or None for a duplicate Slack delivery."""
        spec = command.spec
        inputs = {"images": refs_summary(command.images), "clothes": refs_summary(command.clothes)}
        if origin.repeat_key:
            inputs["text"] = [origin.repeat_key]
        if origin.repeat_key and self.log_db.recent_same_command(
            team_id=origin.team_id,
            user_id=origin.user_id,
            channel_id=origin.channel_id,
            text_key=dumps(inputs),
            within=DOUBLE_SUBMIT_WINDOW,
        ):
            await self.tell_user(
                origin,
                "You sent the same request a few seconds ago, so I ignored this copy to avoid paying twice. "
                "Send it again in 10 seconds if you really want a second run.",
            )
            return None
        row_id = self.log_db.claim(
            {
                "source": origin.source,
                "team_id": origin.team_id,
                "channel_id": origin.channel_id,
                "user_id": origin.user_id,
                "thread_ts": origin.thread_ts,
                "scene": spec.scene,
                "prompt": spec.prompt,
                "image_count": command.image_count,
                "options_json": dumps(spec.options.to_dict()),
                "inputs_json": dumps(inputs),
                "dedupe_key": origin.dedupe_key,
                "session_id": session_id_for(origin.dedupe_key),
                "rerun_of": origin.rerun_of,
            }
        )
        if row_id is None:
            log.info("duplicate Slack delivery ignored: %s", origin.dedupe_key)
            return None
        conversation = self.conversation(origin)
        current = asyncio.current_task()
        if current is not None:
            self._in_flight.add(current)
        try:
            await self._run(row_id, origin, command, conversation)
        except SlackUnavailable as slack_down:
            log.warning("request %s: Slack did not take a message (%s)", row_id, slack_down)
            row = self.log_db.get(row_id) or {}
            if row.get("status") in (statuses.RECEIVED, statuses.UPLOADING):
                # Without a place to answer, spending money would leave the person in the dark: stop here.
                self.log_db.update(
                    row_id,
                    status=statuses.FAILED,
                    error_code="SlackUnavailable",
                    error_message=f"Slack refused our messages ({slack_down}); nothing was submitted",
                )
                if origin.response_url:
                    await self.tell_user(
                        origin,
                        ":warning: Slack would not take my messages just now, so I stopped before submitting "
                        "anything; nothing was billed. Please try again in a minute.",
                    )
        except Exception:
            # Never leave a row "working": record the failure, then tell the person in plain words.
            log.exception("request %s failed unexpectedly", row_id)
            row = self.log_db.get(row_id) or {}
            if row.get("status") in statuses.ACTIVE_STATUSES:
                sent = row.get("status") == statuses.SUBMITTING
                self.log_db.update(
                    row_id,
                    status=statuses.FAILED,
                    error_code="BotError",
                    error_message="unexpected internal error",
                )
                headline = (
                    "Something went wrong on my side while submitting; the request may have reached Tencent."
                    if sent
                    else "Something went wrong on my side before anything was submitted; nothing was billed."
                )
                await self._safe_reply(
                    conversation,
                    error_text(headline, "Please check `/aigc history`. If it keeps happening, tell the admin."),
                )
                await self._safe_status(conversation, origin, command, "failed")
        finally:
            if current is not None:
                self._in_flight.discard(current)
        return row_id

    async def resume_pending(self, max_age: timedelta = timedelta(days=2)) -> int:
        """After a restart, finish requests that were cut off. Tencent's SessionId dedupe (3 days) makes
        resending a logged body safe: a request that did reach Tencent is answered "already submitted"."""
        since = iso(utc_now() - max_age)
        rows = self.log_db.query(
            "SELECT * FROM requests WHERE status IN (?, ?, ?) AND created_at >= ? ORDER BY id",
            [*statuses.ACTIVE_STATUSES, since],
        )
        for row in rows:
            origin = Origin(
                source=row["source"],
                team_id=row["team_id"] or "",
                channel_id=row["channel_id"] or "",
                user_id=row["user_id"] or "",
                dedupe_key=row["dedupe_key"] or f"resume:{row['id']}",
                thread_ts=row.get("thread_ts"),
            )
            command = command_from_row(row)
            conversation = Conversation(
                self.slack, origin.channel_id, thread_ts=row.get("thread_ts"), status_ts=row.get("parent_ts")
            )
            log.info("resuming request %s (%s)", row["id"], row["status"])
            try:
                if row["status"] == statuses.SUBMITTING and row.get("request_json"):
                    request = build_request(json.loads(row["request_json"]))
                    await self._submit(int(row["id"]), request, conversation, origin, command)
                else:
                    await self._run(int(row["id"]), origin, command, conversation, announced=bool(row.get("parent_ts")))
            except Exception:
                log.exception("could not resume request %s", row["id"])
        return len(rows)

    async def tell_user(self, origin: Origin, text: str) -> None:
        """A note only the asking person needs: ephemeral where possible, never a new channel message."""
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

    async def _safe_reply(self, conversation: Conversation, text: str) -> None:
        try:
            await conversation.reply(text)
        except SlackUnavailable:
            log.warning("could not tell the user about a failure")

    async def _safe_status(self, conversation: Conversation, origin: Origin, command: Generate, status: str) -> None:
        await conversation.set_status(parent_text(origin.user_id, command.spec, command.image_count, status))

    async def _run(
        self, row_id: int, origin: Origin, command: Generate, conversation: Conversation, *, announced: bool = False
    ) -> None:
        spec = command.spec
        if self.guard is not None and not announced:
            refusal = await self.guard(origin, command)
            if refusal is not None:
                self.log_db.update(row_id, status=statuses.REFUSED, error_code="Refused", error_message=refusal)
                await self.tell_user(origin, f":no_entry: {refusal} Nothing was submitted or billed.")
                return
        if not announced:
            await conversation.open(parent_text(origin.user_id, spec, command.image_count))
        self.log_db.update(
            row_id,
            status=statuses.UPLOADING,
            thread_ts=conversation.thread_ts,
            parent_ts=conversation.status_ts,
        )
        try:
            # Uploads run side by side; each streams from disk, so ten at once stay small in memory.
            resolved = await asyncio.gather(*(self._resolve(ref, origin) for ref in command.images + command.clothes))
            images, clothes = list(resolved[: len(command.images)]), list(resolved[len(command.images) :])
            spec.session_id = session_id_for(origin.dedupe_key)
            spec.session_context = f"aigc-bot request {row_id}"
            request = build_task_request(spec, sub_app_id=self.vod.sub_app_id, images=images, clothes=clothes)
        except (SlackFileError, RequestInvalid) as bad:
            self.log_db.update(row_id, status=statuses.INVALID, error_code="InvalidInput", error_message=str(bad))
            await conversation.reply(
                error_text("I could not use this request; nothing was submitted or billed.", escape(str(bad)))
            )
            await self._safe_status(conversation, origin, command, "failed")
            return
        except AigcBotError as upload_error:
            # Nothing reached CreateSceneAigcImageTask, so say plainly that nothing was billed.
            headline = "Your images could not be uploaded, so nothing was submitted or billed."
            await self._refused(row_id, upload_error, conversation, origin, command, headline=headline)
            return
        self.log_db.update(row_id, status=statuses.SUBMITTING, request_json=dumps(request.to_wire()))
        await self._submit(row_id, request, conversation, origin, command)

    async def _submit(
        self,
        row_id: int,
        request: CreateSceneAigcImageTaskRequest,
        conversation: Conversation,
        origin: Origin,
        command: Generate,
    ) -> None:
        spec = command.spec
        try:
            result = await self.vod.create_scene_aigc_image_task(request)
        except AlreadySubmitted as already:
            self.log_db.update(
                row_id,
                status=statuses.SUBMITTED,
                error_code=already.code,
                request_id=already.request_id,
                error_message="Tencent already holds a task for this request; nothing new was billed",
            )
            await conversation.reply(
                "This request had already reached Tencent, so it was not submitted (or billed) a second time. "
                f"RequestId: `{already.request_id}`"
            )
            await self._safe_status(conversation, origin, command, "already")
            return
        except VodError as refusal:
            await self._refused(row_id, refusal, conversation, origin, command, during="submitting")
            return
        self.log_db.update(
            row_id,
            status=statuses.SUBMITTED,
            task_id=result.task_id,
            request_id=result.request_id,
            submitted_at=iso(utc_now()),
        )
        log.info("request %s submitted as %s", row_id, result.task_id)
        await conversation.reply(submitted_text(result.task_id, result.request_id, spec, command.image_count))
        if self.after_submit is not None:
            await self.after_submit(row_id)

    async def _refused(
        self,
        row_id: int,
        error: AigcBotError,
        conversation: Conversation,
        origin: Origin,
        command: Generate,
        *,
        during: str = "",
        headline: str = "",
    ) -> None:
        self.log_db.update(
            row_id,
            status=statuses.FAILED,
            error_code=error.code,
            error_message=error.message,
            request_id=error.request_id,
        )
        headline = headline or f"Tencent Cloud refused while {during}."
        await conversation.reply(error_text(headline, escape(error.user_text())))
        await self._safe_status(conversation, origin, command, "failed")


def command_from_row(row: dict[str, Any]) -> Generate:
    """The request a log row describes, to run it again or to resume it after a restart."""
    inputs = json.loads(row.get("inputs_json") or "{}")
    options = TaskOptions(**json.loads(row.get("options_json") or "{}"))
    return Generate(
        spec=TaskSpec(scene=row["scene"], prompt=row.get("prompt"), options=options),
        images=refs_from_summary(inputs.get("images", [])),
        clothes=refs_from_summary(inputs.get("clothes", [])),
    )
