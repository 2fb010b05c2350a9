"""Requests whose answer is decided but not yet posted in Slack (`reply_pending`), found through a small index."""

from __future__ import annotations

from bot.store.db import RequestLog

# Only rows with an answer waiting are in it, so it stays a handful of entries however long the log grows.
INDEX = "CREATE INDEX IF NOT EXISTS requests_reply_pending ON requests(created_at, id) WHERE reply_pending IS NOT NULL"


def ensure_index(log_db: RequestLog) -> None:
    log_db.execute(INDEX)


def pending_replies(log_db: RequestLog, *, created_after: str, limit: int) -> list[int]:
    """Ids of requests created after `created_after` whose answer still waits to be posted, oldest first."""
    found = log_db.query(
        "SELECT id FROM requests INDEXED BY requests_reply_pending"
        " WHERE reply_pending IS NOT NULL AND created_at >= ? ORDER BY created_at, id LIMIT ?",
        [created_after, limit],
    )
    return [int(row["id"]) for row in found]
