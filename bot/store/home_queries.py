"""What the App Home reads from the log: a person's last requests, today's counts, the team's usage, presets."""

from __future__ import annotations

from typing import Any, NamedTuple

from bot.store.db import CAPPED_STATUSES, COMMAND_LINE_TEAM, FILTER_STATUS, RequestLog, workspace_filter
from bot.store.tally import USAGE_TABLE

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
    """Requests of one workspace in one period that share who asked, the scene, the outcome and whether Tencent
    billed them: how many there are, and the output images of those that are done."""

    user_id: str | None
    from_command_line: bool
    scene: str | None
    status: str
    error_code: str | None
    billed: bool
    requests: int
    images: int


class UsageSummary(NamedTuple):
    """A workspace's requests this month and today (today's are in the month's too)."""

    month: list[UsageGroup]
    today: list[UsageGroup]


def usage_summary(log_db: RequestLog, *, team_id: str, month: str, today: str) -> UsageSummary:
    """The team's requests, the command line's included, in the UTC month `month` (YYYY-MM) and on the UTC day
    `today` (YYYY-MM-DD), from the counts the log keeps per month and per day (bot/store/tally.py): a few
    hundred rows however many requests the month holds."""
    workspace, workspace_params = workspace_filter(team_id)
    rows = log_db.query_tuples(
        "SELECT period = ?, user_id, team_id = ?, scene, status, error_code, billed, requests, images"
        f" FROM {USAGE_TABLE} WHERE period IN (?, ?) AND {workspace} AND requests != 0",
        [today, COMMAND_LINE_TEAM, month, today, *workspace_params],
    )
    summary = UsageSummary(month=[], today=[])
    # Thousands of rows in a busy month: read as tuples, each made into its group in one step.
    for is_today, user_id, from_command_line, scene, status, error_code, billed, requests, images in rows:
        group = UsageGroup(
            user_id or None,
            bool(from_command_line),
            scene or None,
            status,
            error_code or None,
            bool(billed),
            requests,
            images,
        )
        (summary.today if is_today else summary.month).append(group)
    return summary


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
