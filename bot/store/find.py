"""Finding requests by what people name them with: a TaskId, a SessionId, or themselves (their latest)."""

from __future__ import annotations

from typing import Any

from bot.store.db import RequestLog, RequestRow


def by_task_id(log_db: RequestLog, task_id: str) -> RequestRow | None:
    """The latest request Tencent accepted under `task_id` (CreateSceneAigcImageTask's TaskId), or None."""
    return _first(log_db, "SELECT * FROM requests WHERE task_id = ? ORDER BY id DESC LIMIT 1", [task_id])


def latest_for_session(log_db: RequestLog, session_id: str) -> RequestRow | None:
    """The request logged under `session_id`, or None when the log has none: the latest with a TaskId, else
    the latest (a SessionId chosen twice on the command line is held by the request Tencent ran).

    :param session_id: the SessionId the request was sent with (the bot's `aigc-...`, or one chosen with
        `aigc-bot submit --session-id`), known even when its TaskId is not.
    """
    return _first(
        log_db,
        "SELECT * FROM requests WHERE session_id = ? ORDER BY task_id IS NOT NULL DESC, id DESC LIMIT 1",
        [session_id],
    )


def recent_for_user(log_db: RequestLog, *, team_id: str, user_id: str, limit: int = 10) -> list[RequestRow]:
    """One person's latest requests in one workspace (at most `limit`), newest first."""
    return log_db.query_requests(
        # In the order of requests_user_time (rows are logged in time order), so no sort of everything the
        # person ever asked for.
        "SELECT * FROM requests WHERE team_id = ? AND user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [team_id, user_id, limit],
    )


def _first(log_db: RequestLog, sql: str, params: list[Any]) -> RequestRow | None:
    found = log_db.query_requests(sql, params)
    return found[0] if found else None
