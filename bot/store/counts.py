"""How many requests there are: today's that count against the daily caps, and every status's for /metrics."""

from __future__ import annotations

from typing import NamedTuple

from bot.store.db import CAPPED_STATUSES, FILTER_STATUS, RequestLog, marks, workspace_filter
from bot.store.tally import TALLY_TABLE


class StatusCount(NamedTuple):
    """How many requests from one source, in one scene, are in one status now."""

    source: str
    scene: str | None
    status: str
    total: int


def daily_count(
    log_db: RequestLog, *, team_id: str, day: str, logged_before: str | None = None, user_id: str | None = None
) -> int:
    """How many requests of one workspace (as `workspace_filter` counts them), or of one person in it, count
    against the daily caps on `day`: those that reached Tencent or may still reach it (`CAPPED_STATUSES`),
    created from the start of `day` on.

    :param day: the UTC day, YYYY-MM-DD.
    :param logged_before: the dedupe_key of the request being checked, logged already: only requests logged
        before it count, so of requests arriving together the earliest win, whatever order their checks run
        in, and a later one never takes an earlier one's place. None counts every request of the day.
    :param user_id: count only this person's requests; None counts the whole workspace.
    """
    workspace, workspace_params = workspace_filter(team_id)
    person = " AND user_id = ?" if user_id is not None else ""
    counted = log_db.query_tuples(
        f"SELECT count(*) FROM requests WHERE created_at >= ? AND {workspace}{person}"
        f" AND {FILTER_STATUS} IN ({marks(CAPPED_STATUSES)})"
        # `+id`: the bound filters today's rows; as a rowid range it would walk the whole log before them.
        " AND +id < COALESCE((SELECT id FROM requests WHERE dedupe_key = ?), 9223372036854775807)",
        [day, *workspace_params, *([user_id] if user_id is not None else []), *CAPPED_STATUSES, logged_before],
    )
    return int(counted[0][0])


def status_counts(log_db: RequestLog) -> list[StatusCount]:
    """How many requests there are per source, scene (None for none) and status, over the whole log (from the
    tally the log keeps, bot/store/tally.py, so as quick on a year of history as on a day)."""
    found = log_db.query_tuples(f"SELECT source, scene, status, total FROM {TALLY_TABLE} WHERE total != 0", [])
    return [StatusCount(source, scene or None, status, int(total)) for source, scene, status, total in found]
