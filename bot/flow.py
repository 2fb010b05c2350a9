"""The steps of one logged request, each chosen from its row alone, so a request cut off by a crash or a
restart carries on from the same row by the same code.

    received/uploading, not announced -> refused by a rule, or announced in Slack, then uploaded and submitted
    received/uploading, announced     -> uploaded and submitted under the parent already posted
    submitting with a body logged     -> the same body sent again (its SessionId makes that safe)
    an answer pending                 -> posted (after handing a submitted task to the follower)
    submitted, not yet followed       -> handed to the follower
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import wording
from bot.outbox import Carried, Outbox
from bot.request import Origin, command_from_row, origin_from_row
from bot.slack.command_text import Generate
from bot.slack.conversation import SlackUnavailable
from bot.slack.messages import error_text
from bot.store.db import ACTIVE_STATUSES, RequestLog, RequestRow, Status, iso, utc_now
from bot.submission import Submission
from bot.tencent.models import build_request

log = logging.getLogger(__name__)

# A rule checked before anything is posted or spent: a refusal to tell the person, or None to go on.
Guard = Callable[[Origin, Generate], Awaitable[str | None]]


class Step(enum.Enum):
    """What a row calls for next."""

    START = "start"  # check, announce, upload, submit
    UPLOAD = "upload"  # announced already: upload and submit
    RESEND = "resend"  # the logged body, sent again
    POST_ANSWER = "post_answer"
    FOLLOW_AND_POST_ANSWER = "follow_and_post_answer"
    FOLLOW = "follow"
    NONE = "none"  # finished, or in someone else's hands


def next_step(row: RequestRow) -> Step:
    """The step a logged request takes next, from its row alone."""
    status = row["status"]
    if row.get("reply_pending"):
        return Step.FOLLOW_AND_POST_ANSWER if _submitted_but_not_followed(row) else Step.POST_ANSWER
    if status == Status.SUBMITTING and row.get("request_json"):
        return Step.RESEND
    if status in (Status.RECEIVED, Status.UPLOADING):
        return Step.UPLOAD if row.get("announced_at") or row.get("parent_ts") else Step.START
    return Step.FOLLOW if _submitted_but_not_followed(row) else Step.NONE


def _submitted_but_not_followed(row: RequestRow) -> bool:
    return row.get("status") == Status.SUBMITTED and not row.get("follow_next_at") and not row.get("finished_at")


@dataclass(kw_only=True, eq=False)
class Flow:
    """Takes one logged request through the steps its row calls for, to its end."""

    log_db: RequestLog
    outbox: Outbox
    submission: Submission
    guard: Guard | None

    async def carry_on(self, row_id: int) -> None:
        """Every step the row calls for; a failure is recorded in the row and told to the person, never raised."""
        row = self.log_db.get(row_id)
        if row is None:
            return
        origin = origin_from_row(row)
        request = Carried(row_id, origin, command_from_row(row), self.outbox.answers_for(origin, row))
        step = next_step(row)
        try:
            if step in (Step.FOLLOW, Step.FOLLOW_AND_POST_ANSWER):
                await self.submission.follow(row_id)
            if step in (Step.POST_ANSWER, Step.FOLLOW_AND_POST_ANSWER):
                await self.outbox.post_pending(request)
            elif step == Step.RESEND:
                await self.submission.submit(request, build_request(json.loads(row["request_json"] or "{}")))
            elif step in (Step.START, Step.UPLOAD):
                await self._start(request, announced=step == Step.UPLOAD)
        except SlackUnavailable as slack_down:
            await self._slack_unavailable(request, slack_down)
        except Exception:
            await self._internal_error(request)

    async def _start(self, request: Carried, *, announced: bool) -> None:
        if not announced:
            refusal = await self.guard(request.origin, request.command) if self.guard is not None else None
            if refusal is not None:
                await self.outbox.answer(
                    request,
                    wording.slack.REFUSED_NOTHING_BILLED.format(refusal=refusal),
                    private=True,
                    status=Status.REFUSED,
                    error_code="Refused",
                    error_message=refusal,
                )
                return
            await request.answers.open(self.outbox.parent_text(request))
            # Right after the post, with nothing awaited in between: a resumed request reuses this parent.
            self.log_db.update(
                request.row_id,
                status=Status.UPLOADING,
                thread_ts=request.answers.thread_ts,
                parent_ts=request.answers.status_ts,
                announced_at=iso(utc_now()),
            )
        body = await self.submission.prepare(request)
        if body is not None:
            await self.submission.submit(request, body)

    async def _slack_unavailable(self, request: Carried, slack_down: SlackUnavailable) -> None:
        log.warning("request %s: Slack did not take a message (%s)", request.row_id, slack_down)
        row = self.log_db.get(request.row_id) or {}
        if row.get("status") not in (Status.RECEIVED, Status.UPLOADING):
            return  # an answer already decided stays pending in the row, and is posted again at the next start
        # Without a place to answer, spending money would leave the person in the dark: stop here.
        self.log_db.update(
            request.row_id,
            status=Status.FAILED,
            error_code="SlackUnavailable",
            error_message=wording.slack.SLACK_DOWN_LOGGED.format(slack_down=slack_down),
            reply_pending=None,
        )
        if request.origin.response_url:
            await self.outbox.tell_user(request.origin, wording.slack.SLACK_DOWN_NOTHING_SUBMITTED)

    async def _internal_error(self, request: Carried) -> None:
        # Never leave a row "working": record the failure, then tell the person in plain words.
        log.exception("request %s failed unexpectedly", request.row_id)
        row = self.log_db.get(request.row_id) or {}
        if row.get("status") not in ACTIVE_STATUSES:
            return
        headline = (
            wording.slack.CRASHED_WHILE_SUBMITTING
            if row.get("status") == Status.SUBMITTING
            else wording.slack.CRASHED_BEFORE_SUBMITTING
        )
        await self.outbox.answer(
            request,
            error_text(headline, wording.slack.CRASHED_WHAT_TO_DO),
            parent="failed",
            status=Status.FAILED,
            error_code="BotError",
            error_message="unexpected internal error",
        )
