"""Catalogue batches (table `batches`): a checked CSV file waiting for its Submit click, then its requests.

A batch's requests are ordinary rows of `requests` (source `batch`, with `batch_id` and `batch_row`), so the
pipeline, the follower and a restart treat them like any other request; this module only adds what a batch
needs on top: the file's checked rows until they are confirmed, and counts of where its requests stand.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot import wording
from bot.store.db import TASK_ID_UNKNOWN, RequestLog, RequestRow, Status, dumps, insert_request, iso, utc_now

BATCH_SOURCE = "batch"
# A batch waits for its Submit click, then runs until every request has ended; one never confirmed can be dropped.
AWAITING, RUNNING, FINISHED, DROPPED = "awaiting", "running", "finished", "dropped"
CANCELLED_CODE = "BatchCancelled"

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS batches (
        id INTEGER PRIMARY KEY,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        team_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        thread_ts TEXT,
        parent_ts TEXT,
        file_name TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        image_count INTEGER NOT NULL,
        status TEXT NOT NULL,
        rows_json TEXT,
        started_at TEXT,
        cancelled_at TEXT,
        cancelled_count INTEGER,
        finished_at TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS batches_user ON batches(team_id, user_id, id)",
    "CREATE INDEX IF NOT EXISTS requests_batch ON requests(batch_id) WHERE batch_id IS NOT NULL",
)

_FINAL = (Status.DONE, Status.FAILED, Status.INVALID, Status.REFUSED)
# A request has ended once its status is final, its answer is posted and, if Tencent ran it, its result too.
_ENDED = (
    f"status IN ({', '.join('?' for _ in _FINAL)}) AND reply_pending IS NULL"
    " AND NOT (task_id IS NOT NULL AND delivered_at IS NULL)"
)
# Where nothing follows the results (follow mode off), a submitted request also ends once its answer is posted,
# even one whose TaskId never came back: nothing would look it up.
_ENDED_UNFOLLOWED = f"(({_ENDED}) OR (status = ? AND reply_pending IS NULL))"
# Reached Tencent (and is billed): it has a TaskId, was sent, or Tencent already held it.
_BILLED = "(task_id IS NOT NULL OR submitted_at IS NOT NULL OR status = ? OR error_code = ?)"


@dataclass(frozen=True)
class Batch:
    id: int
    team_id: str
    user_id: str
    channel_id: str
    thread_ts: str | None
    parent_ts: str | None
    file_name: str
    row_count: int
    image_count: int
    status: str
    cancelled_at: str | None = None
    cancelled_count: int = 0


@dataclass(frozen=True)
class BatchCounts:
    """Where a batch's requests stand."""

    total: int
    submitted: int
    done: int
    failed: int
    cancelled: int
    ended: int

    @property
    def finished(self) -> bool:
        return self.total > 0 and self.ended >= self.total


_BATCH_FIELDS = [field.name for field in dataclasses.fields(Batch)]


def _batch(row: dict[str, Any]) -> Batch:
    return Batch(**{**{name: row[name] for name in _BATCH_FIELDS}, "cancelled_count": row["cancelled_count"] or 0})


class BatchStore:
    """Batches, kept in the same SQLite file as the request log."""

    def __init__(self, log_db: RequestLog) -> None:
        self.log_db = log_db
        for statement in _SCHEMA:
            log_db.execute(statement)

    def create(
        self,
        *,
        team_id: str,
        user_id: str,
        channel_id: str,
        thread_ts: str | None,
        file_name: str,
        rows: list[dict[str, Any]],
        image_count: int,
    ) -> int:
        """Keep a checked file's requests until its Submit click; returns the batch id."""
        now = iso(utc_now())
        with self.log_db.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO batches (created_at, updated_at, team_id, user_id, channel_id, thread_ts, file_name,"
                " row_count, image_count, status, rows_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    now,
                    now,
                    team_id,
                    user_id,
                    channel_id,
                    thread_ts,
                    file_name,
                    len(rows),
                    image_count,
                    AWAITING,
                    dumps(rows),
                ],
            )
            return int(cursor.lastrowid or 0)

    def get(self, batch_id: int) -> Batch | None:
        rows = self.log_db.query("SELECT * FROM batches WHERE id = ?", [batch_id])
        return _batch(rows[0]) if rows else None

    def latest(self, team_id: str, user_id: str) -> Batch | None:
        rows = self.log_db.query(
            "SELECT * FROM batches WHERE team_id = ? AND user_id = ? ORDER BY id DESC LIMIT 1", [team_id, user_id]
        )
        return _batch(rows[0]) if rows else None

    def running(self) -> list[Batch]:
        rows = self.log_db.query("SELECT * FROM batches WHERE status = ? ORDER BY id", [RUNNING])
        return [_batch(row) for row in rows]

    def checked_rows(self, batch_id: int) -> list[dict[str, Any]]:
        rows = self.log_db.query("SELECT rows_json FROM batches WHERE id = ?", [batch_id])
        return list(json.loads(rows[0]["rows_json"] or "[]")) if rows else []

    def start(self, batch_id: int, *, parent_ts: str, thread_ts: str, requests: list[dict[str, Any]]) -> list[int]:
        """Turn an awaiting batch into its requests, all in one transaction; [] when it was not awaiting.

        :param requests: one `requests` record per row; created_at, status, batch_id and thread_ts are added.
        """
        now = iso(utc_now())
        with self.log_db.transaction() as connection:
            changed = connection.execute(
                "UPDATE batches SET status = ?, parent_ts = ?, thread_ts = ?, started_at = ?, updated_at = ?,"
                " rows_json = NULL WHERE id = ? AND status = ?",
                [RUNNING, parent_ts, thread_ts, now, now, batch_id, AWAITING],
            ).rowcount
            if changed != 1:
                return []
            base = {"created_at": now, "updated_at": now, "status": Status.RECEIVED, "batch_id": batch_id}
            return [insert_request(connection, {**record, **base, "thread_ts": thread_ts}) for record in requests]

    def drop(self, batch_id: int) -> bool:
        """Forget an awaiting batch whose Submit was never clicked; False when it is no longer awaiting."""
        changed = self.log_db.execute(
            "UPDATE batches SET status = ?, rows_json = NULL, updated_at = ? WHERE id = ? AND status = ?",
            [DROPPED, iso(utc_now()), batch_id, AWAITING],
        )
        return changed == 1

    def cancel(self, batch_id: int, *, keep: Iterable[int] = ()) -> int:
        """End every request of the batch not yet on its way to Tencent; returns how many were cancelled.

        :param keep: requests being carried on right now; they may already be at Tencent, so they run on.
        """
        kept, why = sorted(set(keep)), wording.batches.CANCELLED_LOGGED
        now = iso(utc_now())
        with self.log_db.transaction() as connection:
            cancelled = connection.execute(
                "UPDATE requests SET status = ?, error_code = ?, error_message = ?, finished_at = ?, updated_at = ?"
                f" WHERE batch_id = ? AND status = ? AND id NOT IN ({', '.join('?' for _ in kept)})",
                [Status.REFUSED, CANCELLED_CODE, why, now, now, batch_id, Status.RECEIVED, *kept],
            ).rowcount
            connection.execute(
                "UPDATE batches SET cancelled_at = COALESCE(cancelled_at, ?), updated_at = ?,"
                " cancelled_count = COALESCE(cancelled_count, 0) + ? WHERE id = ?",
                [now, now, cancelled, batch_id],
            )
        return int(cancelled)

    def unsubmitted(self, batch_id: int) -> list[int]:
        """The batch's requests not yet begun, in file order."""
        rows = self.log_db.query(
            "SELECT id FROM requests WHERE batch_id = ? AND status = ? ORDER BY batch_row, id",
            [batch_id, Status.RECEIVED],
        )
        return [int(row["id"]) for row in rows]

    def counts(self, batch_id: int, *, results_followed: bool = True) -> BatchCounts:
        """Where a batch's requests stand.

        :param results_followed: whether the bot follows submitted tasks to their results. When it does not
            (follow mode off), a request has ended once its TaskId is answered in the thread.
        """
        ended, ended_params = (_ENDED, []) if results_followed else (_ENDED_UNFOLLOWED, [Status.SUBMITTED])
        found = self.log_db.query(
            "SELECT count(*) AS total,"
            f" coalesce(sum(CASE WHEN {_BILLED} THEN 1 ELSE 0 END), 0) AS submitted,"
            " coalesce(sum(CASE WHEN status = ? THEN 1 ELSE 0 END), 0) AS done,"
            " coalesce(sum(CASE WHEN status IN (?, ?) THEN 1 ELSE 0 END), 0) AS failed,"
            " coalesce(sum(CASE WHEN status = ? AND error_code = ? THEN 1 ELSE 0 END), 0) AS cancelled,"
            f" coalesce(sum(CASE WHEN {ended} THEN 1 ELSE 0 END), 0) AS ended"
            " FROM requests WHERE batch_id = ?",
            [
                Status.SUBMITTED,
                TASK_ID_UNKNOWN,
                Status.DONE,
                Status.FAILED,
                Status.INVALID,
                Status.REFUSED,
                CANCELLED_CODE,
                *_FINAL,
                *ended_params,
                batch_id,
            ],
        )
        return BatchCounts(**found[0])

    def requests(self, batch_id: int) -> list[RequestRow]:
        """The batch's request rows in file order, for its results file."""
        sql = "SELECT * FROM requests WHERE batch_id = ? ORDER BY batch_row, id"
        return self.log_db.query_requests(sql, [batch_id])

    def finish(self, batch_id: int) -> bool:
        """Mark a running batch finished; False when another process got there first."""
        now = iso(utc_now())
        changed = self.log_db.execute(
            "UPDATE batches SET status = ?, finished_at = ?, updated_at = ? WHERE id = ? AND status = ?",
            [FINISHED, now, now, batch_id, RUNNING],
        )
        return changed == 1
