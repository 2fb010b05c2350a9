"""The answers to a request: decided in its row first (`reply_pending`), then posted, so a crash in between
leaves the answer to be posted at the next start rather than lost."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.request import Origin
from bot.slack.command_text import Generate
from bot.slack.conversation import Conversation, SlackUnavailable
from bot.slack.messages import parent_text
from bot.slack.use_result import built_on_line
from bot.store.db import RequestLog, RequestRow, dumps

log = logging.getLogger(__name__)


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


# Where the answers to one request go: a Slack conversation, or kept for a caller without Slack.
Answers = Conversation | KeptAnswers


@dataclass(frozen=True)
class Carried:
    """A logged request being carried on: its row, who asked, what for, and where its answers go."""

    row_id: int
    origin: Origin
    command: Generate
    answers: Answers


@dataclass(eq=False)
class Outbox:
    """Decides answers in the log and posts them: in the request's thread, or privately to the person who asked.

    Built with `slack=None` (the command line), it keeps every answer in `kept` and posts nothing.
    """

    log_db: RequestLog
    slack: AsyncWebClient | None
    kept: KeptAnswers = field(default_factory=KeptAnswers, init=False)

    def answers_for(self, origin: Origin, row: RequestRow) -> Answers:
        if self.slack is None:
            return self.kept
        return Conversation(
            self.slack,
            origin.channel_id,
            thread_ts=row.get("thread_ts"),
            status_ts=row.get("parent_ts"),
            response_url=origin.response_url,
        )

    def decide(
        self, row_id: int, text: str | None, *, parent: str | None = None, private: bool = False, **fields: Any
    ) -> None:
        """Write an outcome and the answer it calls for (None: no answer) in one update; `post_pending` posts it."""
        pending = dumps({"text": text, "private": private, "parent": parent}) if text is not None else None
        self.log_db.update(row_id, reply_pending=pending, **fields)

    async def answer(
        self, request: Carried, text: str, *, parent: str | None = None, private: bool = False, **fields: Any
    ) -> None:
        """Record an outcome with its answer, then post the answer."""
        self.decide(request.row_id, text, parent=parent, private=private, **fields)
        await self.post_pending(request)

    async def post_pending(self, request: Carried) -> None:
        """Post the answer the row holds, if any, and clear it; one Slack does not take stays for the next try."""
        reply_pending = (self.log_db.get(request.row_id) or {}).get("reply_pending")
        if not reply_pending:
            return
        pending = json.loads(reply_pending)
        try:
            if pending.get("private"):
                await self.tell_user(request.origin, str(pending["text"]))
            else:
                await request.answers.reply(str(pending["text"]))
        except SlackUnavailable as slack_down:
            log.warning("request %s: the answer stays pending until Slack takes it (%s)", request.row_id, slack_down)
            return
        if pending.get("parent"):
            await request.answers.set_status(self.parent_text(request, str(pending["parent"])))
        self.log_db.update(request.row_id, reply_pending=None)

    async def tell_user(self, origin: Origin, text: str) -> None:
        """A note only the asking person needs: ephemeral where possible, never a new channel message."""
        if self.slack is None:
            await self.kept.reply(text)
            return
        url = origin.response_url
        conversation = Conversation(
            self.slack, origin.channel_id, thread_ts=origin.thread_ts, response_url=url, via_response_url=bool(url)
        )
        try:
            if url or origin.thread_ts:
                await conversation.reply(text)
            else:
                await self.slack.chat_postEphemeral(channel=origin.channel_id, user=origin.user_id, text=text)
        except Exception:
            log.warning("could not send a note to %s", origin.user_id)

    def parent_text(self, request: Carried, status: str = "working") -> str:
        """The request's parent message in the channel, at `status`."""
        command = request.command
        built_on = built_on_line(self.log_db, request.origin.derived_from)
        return parent_text(request.origin.user_id, command.spec, command.image_count, status, command.preset, built_on)
