"""The status line of a request's parent message: progress while Tencent works, then the final state."""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field

from slack_sdk.web.async_client import AsyncWebClient

from bot.follow.schedule import seconds_waited
from bot.follow.worker import Part
from bot.request import spec_from_row
from bot.slack.conversation import Conversation
from bot.slack.messages import parent_text, progress_text
from bot.slack.pacing import Priority, marked
from bot.slack.use_result import built_on_line
from bot.slack.watch import drop_waiting
from bot.store.db import RequestRow
from bot.tencent.vod import TaskDetail

# Slack allows about one chat.update per message every few seconds; progress never asks for more.
PROGRESS_UPDATE_SECONDS = 5.0
# A progress update still on its way when the result is ready gets this long before the final state replaces it.
PROGRESS_SETTLE_SECONDS = 5.0


@dataclass(kw_only=True, eq=False)
class ParentStatus(Part):
    slack: AsyncWebClient
    # Per row: when its parent last changed (monotonic) and the (waiting, progress) it showed then.
    _shown: dict[int, tuple[float, tuple[bool, int | None] | None]] = field(default_factory=dict, init=False)
    _progress_posts: dict[int, asyncio.Task[None]] = field(default_factory=dict, init=False)

    def working(self, row_id: int) -> None:
        """The parent reads "working" from about now on; the first progress line waits its turn after that."""
        self._shown[row_id] = (time.monotonic(), None)

    def show_progress(self, row: RequestRow, detail: TaskDetail) -> None:
        """Show a new status or Progress in the parent, at most once per PROGRESS_UPDATE_SECONDS per message."""
        row_id = int(row["id"])
        parent_ts = row.get("parent_ts")
        if not parent_ts:
            return
        shown = (detail.waiting, None if detail.waiting else detail.progress)
        changed_at, last = self._shown.get(row_id, (-math.inf, None))
        now = time.monotonic()
        if shown == last or now - changed_at < PROGRESS_UPDATE_SECONDS:
            return
        self._shown[row_id] = (now, shown)
        line = progress_text(shown[1], seconds_waited(row), waiting=detail.waiting)
        # A line still waiting for its turn under Slack's limits is replaced by this one, never posted late.
        post = self.worker.spawn(self._write(row, parent_ts, line, Priority.BACKGROUND))
        self._progress_posts[row_id] = post
        post.add_done_callback(lambda done: self._forget_post(row_id, done))

    def _forget_post(self, row_id: int, post: asyncio.Task[None]) -> None:
        if self._progress_posts.get(row_id) is post:
            del self._progress_posts[row_id]

    async def show(self, row: RequestRow, status: str) -> None:
        """Show a state that replaces any progress: working (again), done or failed."""
        parent_ts = row.get("parent_ts")
        if not parent_ts:
            return
        await self._settle(int(row["id"]), row["channel_id"], parent_ts)
        await self._write(row, parent_ts, status, Priority.STATUS)

    async def _settle(self, row_id: int, channel_id: str | None, parent_ts: str) -> None:
        """Drop a progress update still waiting for its turn, and let one already sent land first, so it can
        never overwrite the final state."""
        self._shown.pop(row_id, None)
        drop_waiting(self.slack, Conversation(self.slack, channel_id or "", status_ts=parent_ts).status_key)
        post = self._progress_posts.get(row_id)
        if post is not None and not post.done():
            await asyncio.wait({post}, timeout=PROGRESS_SETTLE_SECONDS)

    async def _write(self, row: RequestRow, parent_ts: str, status: str, priority: Priority) -> None:
        current = self.log_db.get(int(row["id"])) or row
        channel_id, user_id = row["channel_id"], current["user_id"]
        # A parent message is posted only for a request someone sent from a Slack channel, and both were logged then.
        assert channel_id is not None and user_id is not None, f"request {row['id']} has a parent but no asker"
        conversation = Conversation(self.slack, channel_id, status_ts=parent_ts)
        image_count = int(current.get("image_count") or 0)
        built_on = built_on_line(self.log_db, current.get("derived_from"))
        text = parent_text(user_id, spec_from_row(current), image_count, status, current.get("preset"), built_on)
        with marked(priority, supersede=conversation.status_key):
            await conversation.set_status(text)
