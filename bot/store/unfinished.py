"""Requests short of their end that the bot takes up again: those a restart cut off, and answers still waiting
to be posted in Slack."""

from __future__ import annotations

from bot.store.db import ACTIVE_STATUSES, RequestLog, Status, marks


def unfinished(log_db: RequestLog, *, created_after: str, created_before: str) -> list[int]:
    """Requests cut off before their end: still on the way to Tencent, with an answer not yet posted, or
    held by Tencent under a TaskId the bot never learnt and is not yet looking for.

    :param created_after: an ISO 8601 UTC time; older requests are left alone.
    :param created_before: an ISO 8601 UTC time, itself excluded: the start of this process, so requests it
        is carrying itself are not taken for cut off.
    :return: their ids, oldest first.
    """
    found = log_db.query_tuples(
        f"SELECT id FROM requests WHERE (status IN ({marks(ACTIVE_STATUSES)}) OR reply_pending IS NOT NULL"
        "  OR (status = ? AND task_id IS NULL AND follow_next_at IS NULL AND finished_at IS NULL))"
        " AND created_at >= ? AND created_at < ? ORDER BY id",
        [*ACTIVE_STATUSES, Status.SUBMITTED, created_after, created_before],
    )
    return [int(row_id) for (row_id,) in found]


def pending_replies(log_db: RequestLog, *, created_after: str, limit: int) -> list[int]:
    """Ids of requests created after `created_after` whose answer still waits to be posted, oldest first.

    Read through `requests_reply_pending`, which holds only rows with an answer waiting, so it stays a
    handful of entries however long the log grows.
    """
    found = log_db.query(
        "SELECT id FROM requests INDEXED BY requests_reply_pending"
        " WHERE reply_pending IS NOT NULL AND created_at >= ? ORDER BY created_at, id LIMIT ?",
        [created_after, limit],
    )
    return [int(row["id"]) for row in found]
