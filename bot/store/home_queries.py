"""What the App Home reads from the log: a person's last requests, today's counts, the team's usage, presets."""

from __future__ import annotations

from typing import Any

from bot.store.db import CAPPED_STATUSES, COMMAND_LINE_TEAM, FILTER_STATUS, RequestLog, workspace_filter

# The statuses the daily caps count (RequestLog.daily_count): rows that reached, or may still reach, Tencent.
CAP_COUNTED_STATUSES = CAPPED_STATUSES
HOME_REQUESTS = 10
PRESETS_TABLE = "presets"
SHOWN_PRESETS = 20


def last_requests(
    log_db: RequestLog, *, team_id: str, user_id: str, limit: int = HOME_REQUESTS
) -> list[dict[str, Any]]:
    return log_db.query(
        "SELECT id, created_at, channel_id, thread_ts, parent_ts, scene, prompt, status, task_id, error_code,"
        " error_message, output_json, progress FROM requests WHERE team_id = ? AND user_id = ?"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        [team_id, user_id, limit],
    )


def request_states(log_db: RequestLog, *, team_id: str, user_id: str) -> tuple[tuple[int, str], ...]:
    """The id and status of a person's last requests: when this changes, their Home is out of date."""
    rows = log_db.query(
        "SELECT id, status FROM requests WHERE team_id = ? AND user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
        [team_id, user_id, HOME_REQUESTS],
    )
    return tuple((int(row["id"]), str(row["status"])) for row in rows)


def counted_since(log_db: RequestLog, *, team_id: str, since: str, user_id: str | None = None) -> int:
    """Requests counted against the daily caps created since `since`, for one person or the whole team (with
    the command line's, which share its cap)."""
    marks = ", ".join("?" for _ in CAP_COUNTED_STATUSES)
    workspace, workspace_params = workspace_filter(team_id)
    sql = f"SELECT count(*) AS n FROM requests WHERE {workspace} AND created_at >= ? AND {FILTER_STATUS} IN ({marks})"
    params: list[Any] = [*workspace_params, since, *CAP_COUNTED_STATUSES]
    if user_id is not None:
        sql += " AND user_id = ?"
        params.append(user_id)
    return int(log_db.query(sql, params)[0]["n"])


def usage_rows(log_db: RequestLog, *, team_id: str, since: str) -> list[dict[str, Any]]:
    """The team's requests since `since`, the command line's included, with what usage and cost figures need
    (not prompts or inputs); `from_command_line` is 1 for the command line's."""
    workspace, workspace_params = workspace_filter(team_id)
    return log_db.query(
        "SELECT user_id, scene, status, error_code, output_json, substr(created_at, 1, 10) AS day,"
        f" team_id = ? AS from_command_line FROM requests WHERE {workspace} AND created_at >= ?",
        [COMMAND_LINE_TEAM, *workspace_params, since],
    )


def presets_for(log_db: RequestLog, *, team_id: str, user_id: str) -> list[dict[str, Any]] | None:
    """The presets the person may use (the workspace's, or theirs where the table keeps them per person); None
    while the log has no presets table."""
    columns = {row["name"] for row in log_db.query(f"SELECT name FROM pragma_table_info('{PRESETS_TABLE}')")}
    if not columns:
        return None
    where, params = [], []
    for column, value in (("team_id", team_id), ("user_id", user_id)):
        if column in columns:
            where.append(f"{column} = ?")
            params.append(value)
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    order = " ORDER BY name" if "name" in columns else ""
    return log_db.query(f"SELECT * FROM {PRESETS_TABLE}{clause}{order} LIMIT {SHOWN_PRESETS}", params)
