"""What the App Home reads from the log: a person's last requests, today's counts, the team's usage and its
estimated cost, presets."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from bot.store.db import CAPPED_STATUSES, COMMAND_LINE_TEAM, FILTER_STATUS, RequestLog, Status, workspace_filter
from bot.store.tally import PERSON_USAGE_TABLE, SCENE_USAGE_TABLE

HOME_REQUESTS = 10
PRESETS_TABLE = "presets"
SHOWN_PRESETS = 20


def last_requests(log_db: RequestLog, *, team_id: str, user_id: str) -> list[dict[str, Any]]:
    return log_db.query(
        "SELECT id, created_at, channel_id, thread_ts, parent_ts, scene, prompt, status, task_id, error_code,"
        " error_message, output_json, progress FROM requests WHERE team_id = ? AND user_id = ?"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        [team_id, user_id, HOME_REQUESTS],
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
    marks = ", ".join("?" for _ in CAPPED_STATUSES)
    workspace, workspace_params = workspace_filter(team_id)
    sql = f"SELECT count(*) AS n FROM requests WHERE {workspace} AND created_at >= ? AND {FILTER_STATUS} IN ({marks})"
    params: list[Any] = [*workspace_params, since, *CAPPED_STATUSES]
    if user_id is not None:
        sql += " AND user_id = ?"
        params.append(user_id)
    return int(log_db.query(sql, params)[0]["n"])


class UsageGroup(NamedTuple):
    """Requests of one workspace in one period that share the scene, the outcome and whether Tencent billed
    them: how many there are, and the output images of those that are done."""

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
    `today` (YYYY-MM-DD), from the counts the log keeps per month and per day (bot/store/tally.py): a few dozen
    rows however many requests and people the month holds."""
    workspace, workspace_params = workspace_filter(team_id)
    rows = log_db.query_tuples(
        "SELECT period = ?, scene, status, error_code, billed, sum(requests), sum(images)"
        f" FROM {SCENE_USAGE_TABLE} WHERE period IN (?, ?) AND {workspace} AND requests != 0"
        " GROUP BY 1, 2, 3, 4, 5",
        [today, month, today, *workspace_params],
    )
    summary = UsageSummary(month=[], today=[])
    for is_today, scene, status, error_code, billed, requests, images in rows:
        group = UsageGroup(scene or None, status, error_code or None, bool(billed), requests, images)
        (summary.today if is_today else summary.month).append(group)
    return summary


@dataclass(frozen=True)
class CostEstimate:
    amount: Decimal
    # Output images of finished requests, priced or not.
    images: int
    # Scenes with finished images but no unit price, so the amount leaves them out.
    unpriced_scenes: frozenset[str]


def estimate_cost(groups: Iterable[UsageGroup], prices: Mapping[str, Decimal]) -> CostEstimate:
    """What the requests of `groups` cost: Tencent bills per output image, and only finished requests have any."""
    finished = [(str(group.scene or ""), group.images) for group in groups if group.status == Status.DONE]
    amount = sum((prices[scene] * images for scene, images in finished if scene in prices), Decimal(0))
    unpriced = frozenset(scene for scene, images in finished if images and scene not in prices)
    return CostEstimate(amount, sum(images for _, images in finished), unpriced)


class PersonCount(NamedTuple):
    user_id: str | None
    from_command_line: bool
    requests: int


class People(NamedTuple):
    """The people with the most requests of some kind in a period, most first, and how many have any."""

    busiest: tuple[PersonCount, ...]
    total: int


NOBODY = People((), 0)


def busiest_people(
    log_db: RequestLog, *, team_id: str, period: str, limit: int, statuses: Sequence[str] | None = None
) -> People:
    """The `limit` people of the workspace (the command line's included) with the most requests in the UTC
    month or day `period` (YYYY-MM or YYYY-MM-DD), counting only requests in `statuses`, or only billed ones
    when `statuses` is None. Ranked in SQL from the per-person counts the log keeps (bot/store/tally.py), so
    only the people shown reach Python. Equal counts keep the order of the person's workspace, then id."""
    counted = "billed" if statuses is None else "requests"
    workspace, workspace_params = workspace_filter(team_id)
    params: list[Any] = [COMMAND_LINE_TEAM, period, *workspace_params]
    in_statuses = ""
    if statuses is not None:
        in_statuses = f" AND {FILTER_STATUS} IN ({', '.join('?' for _ in statuses)})"
        params.extend(statuses)
    rows = log_db.query_tuples(
        f"SELECT team_id = ?, user_id, sum({counted}) AS n, count(*) OVER () FROM {PERSON_USAGE_TABLE}"
        f" WHERE period = ? AND {workspace}{in_statuses} AND {counted} != 0"
        " GROUP BY 1, 2 ORDER BY n DESC, min(team_id), user_id LIMIT ?",
        [*params, limit],
    )
    busiest = tuple(PersonCount(user_id or None, bool(cli), n) for cli, user_id, n, _ in rows)
    return People(busiest, rows[0][3] if rows else 0)


def billed_for(log_db: RequestLog, *, team_id: str, period: str, user_id: str) -> int:
    """The billed requests of one person of the workspace in the UTC month or day `period`."""
    workspace, workspace_params = workspace_filter(team_id)
    rows = log_db.query_tuples(
        f"SELECT coalesce(sum(billed), 0) FROM {PERSON_USAGE_TABLE}"
        f" WHERE period = ? AND {workspace} AND team_id != ? AND user_id = ?",
        [period, *workspace_params, COMMAND_LINE_TEAM, user_id],
    )
    return int(rows[0][0])


def presets_for(log_db: RequestLog, *, team_id: str) -> list[dict[str, Any]] | None:
    """The workspace's presets, by name; None while the log has no presets table."""
    if not log_db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?", [PRESETS_TABLE]):
        return None
    return log_db.query(
        f"SELECT * FROM {PRESETS_TABLE} WHERE team_id = ? ORDER BY name LIMIT {SHOWN_PRESETS}", [team_id]
    )
