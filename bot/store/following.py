"""The log as the follower sees it: which rows are due, who holds them, and what is left to deliver.

A row is followed while its status is `submitted` and it has a `follow_next_at`. A worker holds a row by
writing its name and a lease end into it in one UPDATE (`take_lease`), so two workers never handle the same
row; a lease that runs out (its process died) lets any worker take the row again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.store.db import FILTER_STATUS, UNDELIVERED, RequestLog, RequestRow, Status, iso, marks, parse_iso, utc_now

# How far back the durations that estimate a task's finish are looked for: recent enough to reflect how fast
# Tencent is now, and a bounded stretch of the log however long it grows.
DURATION_HISTORY = timedelta(days=30)


def due_for_follow(log_db: RequestLog, *, now: datetime, limit: int) -> list[int]:
    """Rows with a TaskId whose check is due by `now` and which nobody holds (leases that ran out before `now`
    count as free), at most `limit`, most overdue first."""
    rows = log_db.query(
        "SELECT id FROM requests WHERE status = ? AND task_id IS NOT NULL AND follow_next_at IS NOT NULL"
        " AND follow_next_at <= ? AND (follow_lease_until IS NULL OR follow_lease_until < ?)"
        " ORDER BY follow_next_at LIMIT ?",
        [Status.SUBMITTED, iso(now), iso(now), limit],
    )
    return [int(row["id"]) for row in rows]


def lookups_due(log_db: RequestLog, *, now: datetime) -> list[int]:
    """Rows Tencent holds without a TaskId in the log whose look-up is due by `now` and which nobody holds (leases
    that ran out before `now` count as free)."""
    rows = log_db.query(
        "SELECT id FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
        " AND follow_next_at IS NOT NULL AND follow_next_at <= ?"
        " AND (follow_lease_until IS NULL OR follow_lease_until < ?) ORDER BY follow_next_at",
        [Status.SUBMITTED, iso(now), iso(now)],
    )
    return [int(row["id"]) for row in rows]


def expired_lookups(log_db: RequestLog, *, now: datetime, timeout: timedelta) -> list[RequestRow]:
    """Rows still being looked up, held by nobody, whose look-up started longer than `timeout` before `now`.

    :param now: the present; also the moment by which a lease must have run out to count as free.
    :param timeout: how long a look-up may take, counted from `submitted_at` (or `created_at` without one).
    """
    rows = log_db.query_requests(
        "SELECT * FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
        " AND follow_next_at IS NOT NULL AND (follow_lease_until IS NULL OR follow_lease_until < ?)",
        [Status.SUBMITTED, iso(now)],
    )
    return [row for row in rows if now - parse_iso(row.get("submitted_at") or row["created_at"]) > timeout]


def undelivered(log_db: RequestLog, *, now: datetime) -> list[int]:
    """Finished rows whose result never reached Slack, held by nobody and not put off past `now`; oldest first.

    :param now: the present; a row whose delivery was put off (`follow_next_at`) until later is left alone,
        and a lease must have run out before it to count as free.
    """
    # UNDELIVERED word for word, so SQLite reads the partial index of undelivered rows, not every finished one.
    rows = log_db.query(
        f"SELECT id FROM requests WHERE {FILTER_STATUS} IN (?, ?) AND {UNDELIVERED}"
        " AND (follow_next_at IS NULL OR follow_next_at <= ?)"
        " AND (follow_lease_until IS NULL OR follow_lease_until < ?) ORDER BY id",
        [Status.DONE, Status.FAILED, iso(now), iso(now)],
    )
    return [int(row["id"]) for row in rows]


def awaiting_task_id(log_db: RequestLog, *, session_id: str | None, session_context: str | None) -> list[RequestRow]:
    """Rows Tencent holds without a TaskId whose SessionId, or SessionContext naming the row, matches; newest first.

    :param session_id: the SessionId a task Tencent describes was created with, if it reports one.
    :param session_context: that task's SessionContext (`aigc-bot request <row id>`), if it reports one.
    """
    return log_db.query_requests(
        "SELECT * FROM requests WHERE status = ? AND task_id IS NULL AND session_id IS NOT NULL"
        " AND (session_id = ? OR 'aigc-bot request ' || id = ?) ORDER BY id DESC",
        [Status.SUBMITTED, session_id or "", session_context or ""],
    )


def next_check_at(log_db: RequestLog) -> datetime | None:
    """The earliest `follow_next_at` of a followed row or of a result whose delivery was put off; None when none."""
    # Two reads, each through its own small index (the status index, the partial index of undelivered rows),
    # where one OR over both would read every finished row of the log.
    followed = log_db.query(
        "SELECT min(follow_next_at) AS next FROM requests WHERE status = ? AND follow_next_at IS NOT NULL",
        [Status.SUBMITTED],
    )
    put_off = log_db.query(
        f"SELECT min(follow_next_at) AS next FROM requests WHERE {FILTER_STATUS} IN (?, ?) AND {UNDELIVERED}"
        " AND follow_next_at IS NOT NULL",
        [Status.DONE, Status.FAILED],
    )
    moments = [parse_iso(rows[0]["next"]) for rows in (followed, put_off) if rows and rows[0]["next"]]
    return min(moments, default=None)


def take_lease(
    log_db: RequestLog,
    row_id: int,
    *,
    worker: str,
    statuses: Sequence[str],
    now: datetime,
    until: datetime,
    renew_own: bool = False,
) -> bool:
    """Lease one row in a single UPDATE, so that of two workers racing for it exactly one wins.

    :param worker: the name written into `follow_owner`.
    :param statuses: the row is taken only while its status is one of these.
    :param now: a lease that ran out before this moment is free.
    :param until: when the new lease runs out.
    :param renew_own: also take the row while `worker` itself still holds it.
    """
    changed = log_db.execute(
        f"UPDATE requests SET follow_owner = ?, follow_lease_until = ? WHERE id = ? AND status IN ({marks(statuses)})"
        " AND (follow_lease_until IS NULL OR follow_lease_until < ? OR (? AND follow_owner = ?))",
        [worker, iso(until), row_id, *statuses, iso(now), renew_own, worker],
    )
    return changed == 1


def release_lease(log_db: RequestLog, row_id: int) -> None:
    """Free one row for any worker, whoever held it."""
    log_db.update(row_id, follow_owner=None, follow_lease_until=None)


def release_leases_of(log_db: RequestLog, worker: str) -> int:
    """Free every row `worker` (this process at shutdown, or a dead one at startup) holds; returns how many."""
    return log_db.execute(
        "UPDATE requests SET follow_owner = NULL, follow_lease_until = NULL WHERE follow_owner = ?", [worker]
    )


def lease_holders(log_db: RequestLog, *, now: datetime) -> list[str]:
    """The workers holding at least one lease that has not run out by `now`."""
    rows = log_db.query(
        "SELECT DISTINCT follow_owner AS owner FROM requests"
        " WHERE follow_owner IS NOT NULL AND follow_lease_until >= ?",
        [iso(now)],
    )
    return [str(row["owner"]) for row in rows]


def mark_delivered(log_db: RequestLog, row_id: int, *, at: datetime) -> None:
    """Record that a row's result (or failure) reached Slack, and free the row.

    :param at: when it was delivered, written to `delivered_at`.
    """
    log_db.update(row_id, delivered_at=iso(at), follow_owner=None, follow_lease_until=None)


def mark_images_posted(log_db: RequestLog, row_id: int, *, at: datetime) -> None:
    """Record that a result's images are in its thread, so a delivery tried again after a later step failed
    does not post them twice.

    :param at: when Slack took the images, written to `images_posted_at`.
    """
    log_db.update(row_id, images_posted_at=iso(at))


def schedule_follow(log_db: RequestLog, row_id: int, *, at: datetime, attempts: int, **fields: Any) -> None:
    """Set when a row is next checked, looked up or (once finished) delivered again, and free it until then.

    :param at: the moment the row is due again, written to `follow_next_at`.
    :param attempts: written to `follow_attempts`: checks so far, or failures, for the back-off.
    """
    log_db.update(
        row_id, follow_next_at=iso(at), follow_attempts=attempts, follow_owner=None, follow_lease_until=None, **fields
    )


def recent_durations(log_db: RequestLog, scene: str, *, limit: int) -> list[tuple[str | None, float]]:
    """The options (JSON) and duration in seconds of the latest `limit` finished tasks of `scene`, newest first,
    from the last DURATION_HISTORY."""
    rows = log_db.query(
        "SELECT options_json, duration_seconds FROM requests WHERE created_at >= ?"
        f" AND {FILTER_STATUS} = ? AND scene = ? AND duration_seconds IS NOT NULL"
        " ORDER BY created_at DESC, id DESC LIMIT ?",
        [iso(utc_now() - DURATION_HISTORY), Status.DONE, scene, limit],
    )
    return [(row.get("options_json"), float(row["duration_seconds"])) for row in rows]
