"""What the App Home reads from the log: a person's last requests, today's counts, the team's usage, presets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from bot.store.db import CAPPED_STATUSES, COMMAND_LINE_TEAM, DONE, FILTER_STATUS, RequestLog, workspace_filter

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


class UsageGroup(NamedTuple):
    """Requests of one workspace that share who asked, the scene, the outcome, whether Tencent billed them and
    whether they are from today: how many there are, and the output images of those that are done."""

    user_id: str | None
    from_command_line: bool
    scene: str | None
    status: str
    error_code: str | None
    billed: bool
    today: bool
    requests: int
    images: int


def usage_summary(
    log_db: RequestLog, *, team_id: str, since: str, today: str, billed_error_codes: Sequence[str]
) -> list[UsageGroup]:
    """The team's requests since `since`, the command line's included, counted in SQLite by what the usage
    reports and cost estimates tell apart: a few hundred groups, not a month of rows carried into Python.

    :param today: the start of today (YYYY-MM-DD); requests from then on have `today` set.
    :param billed_error_codes: error codes of requests Tencent billed without the log knowing their TaskId.
    """
    workspace, workspace_params = workspace_filter(team_id)
    billed_marks = ", ".join("?" for _ in billed_error_codes)
    rows = log_db.query(
        "SELECT user_id, team_id = ? AS from_command_line, scene, status, error_code,"
        f" (task_id IS NOT NULL OR error_code IN ({billed_marks})) AS billed, created_at >= ? AS today,"
        " count(*) AS requests, sum(CASE WHEN status = ? AND json_valid(output_json)"
        " THEN json_array_length(output_json) ELSE 0 END) AS images"
        f" FROM requests WHERE {workspace} AND created_at >= ? GROUP BY 1, 2, 3, 4, 5, 6, 7",
        [COMMAND_LINE_TEAM, *billed_error_codes, today, DONE, *workspace_params, since],
    )
    return [
        UsageGroup(
            user_id=row["user_id"],
            from_command_line=bool(row["from_command_line"]),
            scene=row["scene"],
            status=str(row["status"]),
            error_code=row["error_code"],
            billed=bool(row["billed"]),
            today=bool(row["today"]),
            requests=int(row["requests"]),
            images=int(row["images"] or 0),
        )
        for row in rows
    ]


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
