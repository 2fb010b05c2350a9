"""Sending one request to Tencent: its images uploaded where they must be, the body built and logged, then
CreateSceneAigcImageTask called and its answer (a TaskId, or why not) recorded with the reply it calls for."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable

from bot import wording
from bot.errors import AigcBotError
from bot.follow.recovery import session_context_for
from bot.images.refusals import ImageRefused
from bot.outbox import Carried, Outbox
from bot.resolve import LocalFiles, Resolved, file_info_for
from bot.slack.files import SlackFileError, SlackFileUploader
from bot.slack.messages import already_submitted_text, error_text, escape, submitted_text
from bot.slack.refs import BadRef, Ref, SlackFileRef
from bot.store.batches import BATCH_SOURCE
from bot.store.db import RequestLog, RequestRow, Status, dumps, iso, utc_now
from bot.store.sessions import SESSION_ID_TAKEN, holder_of_session
from bot.tencent.models import CreateSceneAigcImageTaskRequest, FileInfo, RequestInvalid
from bot.tencent.scenes import build_task_request
from bot.tencent.vod import AlreadySubmitted, VodClient, VodError

log = logging.getLogger(__name__)

AfterSubmit = Callable[[int], Awaitable[None]]


@dataclasses.dataclass(kw_only=True, eq=False)
class Submission:
    """Uploads, builds and submits requests, and records each outcome (through the outbox) in the log."""

    vod: VodClient
    log_db: RequestLog
    outbox: Outbox
    uploader: SlackFileUploader | None
    local_files: LocalFiles | None
    after_submit: AfterSubmit | None

    async def prepare(self, request: Carried) -> CreateSceneAigcImageTaskRequest | None:
        """The body to send, logged with status `submitting`; None when the inputs cannot be used or uploaded
        (the person has been told, and nothing was sent)."""
        command, origin = request.command, request.origin
        try:
            # Uploads run side by side; each streams from disk, so ten at once stay small in memory.
            resolved = await asyncio.gather(*(self._resolve(ref, request) for ref in command.images + command.clothes))
            infos = [each.info for each in resolved]
            images, clothes = infos[: len(command.images)], infos[len(command.images) :]
            notes = "\n".join(each.note for each in resolved if each.note) or None
            spec = dataclasses.replace(
                command.spec, session_id=origin.chosen_session_id, session_context=session_context_for(request.row_id)
            )
            body = build_task_request(spec, sub_app_id=self.vod.sub_app_id, images=images, clothes=clothes)
        except (SlackFileError, ImageRefused, BadRef, RequestInvalid) as bad:
            await self.outbox.answer(
                request,
                error_text(wording.slack.REQUEST_UNUSABLE, escape(str(bad))),
                parent="failed",
                status=Status.INVALID,
                error_code="InvalidInput",
                error_message=str(bad),
            )
            return None
        except AigcBotError as upload_error:
            # Nothing reached CreateSceneAigcImageTask, so say plainly that nothing was billed (once).
            said = wording.slack.NOTHING_SUBMITTED_OR_BILLED in upload_error.user_text().lower()
            headline = wording.slack.UPLOAD_FAILED_SHORT if said else wording.slack.UPLOAD_FAILED
            await self._refused(request, upload_error, headline)
            return None
        self.log_db.update(
            request.row_id, status=Status.SUBMITTING, request_json=dumps(body.to_wire()), image_notes=notes
        )
        return body

    async def _resolve(self, ref: Ref, request: Carried) -> Resolved:
        async def from_slack(slack_ref: SlackFileRef) -> Resolved:
            if self.uploader is None:
                raise SlackFileError(wording.connections.SLACK_FILE_OUTSIDE_SLACK)
            known = request.origin.slack_files.get(slack_ref.slack_file_id)
            uploaded = await self.uploader.file_id_for(slack_ref.slack_file_id, known)
            return Resolved(FileInfo.of_file(uploaded.file_id), uploaded.note)

        return await file_info_for(ref, local=self.local_files, slack=from_slack)

    async def submit(self, request: Carried, body: CreateSceneAigcImageTaskRequest) -> None:
        """Send a logged body and record the TaskId, or why there is none; resending one Tencent already has is
        safe (its SessionId)."""
        row_id, command = request.row_id, request.command
        try:
            result = await self.vod.create_scene_aigc_image_task(body)
        except AlreadySubmitted as already:
            holder = holder_of_session(self.log_db, already.session_id, besides=row_id)
            if holder is not None:
                # Another request holds this SessionId (chosen twice): this one never became a task of its own.
                await self._session_taken(request, holder, already)
                return
            # Tencent billed a task whose TaskId never reached us: the follower (below) finds it by SessionId.
            self.outbox.decide(
                row_id,
                already_submitted_text(
                    already.code, already.request_id, already.session_id, looking_up=self.after_submit is not None
                ),
                parent="already",
                status=Status.SUBMITTED,
                error_code=already.code,
                request_id=already.request_id,
                error_message=wording.slack.ALREADY_HELD_LOGGED,
            )
        except VodError as refusal:
            await self._refused(request, refusal, wording.slack.REFUSED_WHILE_SUBMITTING)
            return
        else:
            log.info("request %s submitted as %s", row_id, result.task_id)
            # A batch's thread gets one reply per result; its parent message counts the submissions instead.
            answer = None
            if request.origin.source != BATCH_SOURCE:
                notes = (self.log_db.get(row_id) or {}).get("image_notes")
                answer = submitted_text(
                    result.task_id, result.request_id, command.spec, command.image_count, image_notes=notes
                )
            self.outbox.decide(
                row_id,
                answer,
                status=Status.SUBMITTED,
                task_id=result.task_id,
                request_id=result.request_id,
                submitted_at=iso(utc_now()),
            )
        await self.follow(row_id)
        await self.outbox.post_pending(request)

    async def follow(self, row_id: int) -> None:
        """Hand a submitted request to whoever follows its task (none when results are not followed)."""
        if self.after_submit is not None:
            await self.after_submit(row_id)

    async def _session_taken(self, request: Carried, holder: RequestRow, already: AlreadySubmitted) -> None:
        held_by = _request_named(holder)
        await self.outbox.answer(
            request,
            error_text(
                wording.slack.SESSION_ID_TAKEN.format(session_id=escape(already.session_id), held_by=held_by),
                wording.slack.SESSION_ID_TAKEN_DETAIL.format(
                    code=already.code, request_id=already.request_id or "none"
                ),
            ),
            parent="refused",
            status=Status.REFUSED,
            error_code=SESSION_ID_TAKEN,
            error_message=wording.slack.SESSION_ID_TAKEN_LOGGED.format(
                session_id=already.session_id, held_by=held_by.replace("`", ""), code=already.code
            ),
            request_id=already.request_id,
        )

    async def _refused(self, request: Carried, error: AigcBotError, headline: str) -> None:
        await self.outbox.answer(
            request,
            error_text(headline, escape(error.user_text())),
            parent="failed",
            status=Status.FAILED,
            error_code=error.code,
            error_message=error.message,
            request_id=error.request_id,
        )


def _request_named(row: RequestRow) -> str:
    """A logged request as a person can look it up: its row id, and its TaskId once known."""
    task_id = row.get("task_id")
    if task_id:
        return wording.slack.REQUEST_WITH_TASK_ID.format(row_id=row["id"], task_id=task_id)
    return wording.slack.REQUEST_WITHOUT_TASK_ID.format(row_id=row["id"])
