"""Requests whose answer is decided but not yet posted in Slack (`reply_pending`), found through a small index."""

from __future__ import annotations

from bot.store.db import RequestLog


def pending_replies(log_db: RequestLog, *, created_after: str, limit: int) -> list[int]:
    """Ids of requests created after `created_after` whose answer still waits to be posted, oldest first.

    Read through `requests_reply_pending` (bot/store/db.py), which holds only rows with an answer waiting, so it
    stays a handful of entries however long the log grows.
    """
    found = log_db.query(
        "SELECT id FROM requests INDEXED BY requests_reply_pending"
        " WHERE reply_pending IS NOT NULL AND created_at >= ? ORDER BY created_at, id LIMIT ?",
        [created_after, limit],
    )
    return [int(row["id"]) for row in found]
