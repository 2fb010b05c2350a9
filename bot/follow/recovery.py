"""Finding the TaskId of a request Tencent holds but whose CreateSceneAigcImageTask answer never arrived.

Every request is sent with a SessionId (and a SessionContext naming its log row). When the answer is lost and
the resend is refused as a duplicate, Tencent has started, and billed, a task whose TaskId the log lacks. Its
SessionId is how it is found again: in DescribeTasks' list, or in its completion event.
"""

from __future__ import annotations

from datetime import timedelta

from bot.store.db import RequestRow, parse_iso, utc_now
from bot.tencent.vod import TaskSummary, VodClient

# Tencent's clock and ours may disagree; the window around the logged submit is widened by this much each way.
CLOCK_SKEW = timedelta(minutes=5)
PAGE_SIZE = 100
# A look-up reads at most this many pages; the next look-up on the follow schedule starts again from the oldest.
MAX_PAGES_PER_LOOKUP = 10


def session_context_for(row_id: int) -> str:
    """The SessionContext the pipeline sends with the request logged as `row_id`."""
    return f"aigc-bot request {row_id}"


def belongs_to(row: RequestRow, session_id: str | None, session_context: str | None) -> bool:
    """Whether a task Tencent describes is the one this row submitted.

    The SessionId decides when Tencent reports one; the SessionContext only when it does not, since row ids
    repeat across separate installations sharing one VOD application.
    """
    if session_id:
        return session_id == row.get("session_id")
    return bool(session_context) and session_context == session_context_for(int(row["id"]))


async def find_task(vod: VodClient, row: RequestRow) -> TaskSummary | None:
    """The task Tencent lists for this row, created between its logging and now; None when not listed."""
    after = parse_iso(str(row["created_at"])) - CLOCK_SKEW
    before = utc_now() + CLOCK_SKEW
    scroll_token: str | None = None
    for _ in range(MAX_PAGES_PER_LOOKUP):
        page = await vod.describe_tasks(
            created_after=after, created_before=before, limit=PAGE_SIZE, scroll_token=scroll_token
        )
        for task in page.tasks:
            if belongs_to(row, task.session_id, task.session_context):
                return task
        scroll_token = page.scroll_token
        if not scroll_token:
            return None
    return None
