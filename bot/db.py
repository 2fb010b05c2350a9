"""The SQLite log: every request, written before the paid call and updated after it."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

REQUEST_COLUMNS: dict[str, type] = {
    "id": int,
    "created_at": str,
    "updated_at": str,
    "source": str,
    "team_id": str,
    "channel_id": str,
    "user_id": str,
    "thread_ts": str,
    "parent_ts": str,
    "scene": str,
    "prompt": str,
    "image_count": int,
    "options_json": str,
    "inputs_json": str,
    "request_json": str,
    "status": str,
    "task_id": str,
    "request_id": str,
    "error_code": str,
    "error_message": str,
    "dedupe_key": str,
    "session_id": str,
    "progress": int,
    "output_json": str,
    "submitted_at": str,
    "finished_at": str,
    "duration_seconds": float,
    "follow_owner": str,
    "follow_lease_until": str,
    "follow_next_at": str,
    "follow_attempts": int,
    "delivered_at": str,
    "rerun_of": int,
    # Where to answer, kept from the moment Slack's request arrives, so a restart can carry the request on.
    "response_url": str,
    "slack_files_json": str,
    "announced_at": str,
    # An answer decided but not yet seen in Slack: {"text", "private", "parent"}; cleared once it is posted.
    "reply_pending": str,
    # When Tencent began processing the task (our clock), so a restart keeps estimating its finish from it.
    "processing_started_at": str,
}

# Statuses a request moves through; the last four are final.
RECEIVED, UPLOADING, SUBMITTING, SUBMITTED = "received", "uploading", "submitting", "submitted"
DONE, FAILED, INVALID, REFUSED = "done", "failed", "invalid", "refused"
FOLLOWING_STATUSES = (SUBMITTED,)
ACTIVE_STATUSES = (RECEIVED, UPLOADING, SUBMITTING)
# What the log keeps of input it could not use: enough to see what was sent, never megabytes per attempt.
KEPT_INPUT_CHARS = 4096
# The busy_timeout set when the connection opens, and the shorter one a health probe waits.
BUSY_MS = 10_000
PROBE_BUSY_MS = 1_000


def _known_columns(record: dict[str, Any]) -> list[str]:
    """The record's keys, each checked against the schema, since they become part of an SQL statement."""
    unknown = [name for name in record if name not in REQUEST_COLUMNS]
    if unknown:
        raise KeyError(f"not a column of requests: {', '.join(unknown)}")
    return list(record)


@functools.lru_cache(maxsize=64)
def _insert_statement(columns: tuple[str, ...]) -> str:
    """The INSERT for a row with these columns; the few shapes rows come in are built once each."""
    _known_columns(dict.fromkeys(columns))
    return f"INSERT INTO requests ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def utc_now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only, before SQLite creates it with the umask."""
    if str(path) == ":memory:":
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(descriptor)
    os.chmod(path, 0o600)


class RequestLog:
    """One connection shared by the process; a lock keeps threads from interleaving statements."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        _create_private(self.path)
        connection = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10.0)
        self.db = sqlite_utils.Database(connection)
        self._lock = threading.RLock()
        with self._lock:
            self.db.execute("PRAGMA busy_timeout = 10000")
            if str(self.path) != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()

    def _migrate(self) -> None:
        requests = self.db.table("requests")
        if not requests.exists():
            requests.create(REQUEST_COLUMNS, pk="id", not_null={"created_at", "source", "status"})
        else:
            missing = {k: v for k, v in REQUEST_COLUMNS.items() if k not in requests.columns_dict}
            for name, kind in missing.items():
                requests.add_column(name, kind)
        self.db.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS requests_dedupe ON requests(dedupe_key) WHERE dedupe_key IS NOT NULL"
        )
        self.db.execute("CREATE INDEX IF NOT EXISTS requests_task ON requests(task_id)")
        self.db.execute("CREATE INDEX IF NOT EXISTS requests_user_time ON requests(team_id, user_id, created_at)")
        self.db.execute("CREATE INDEX IF NOT EXISTS requests_status ON requests(status)")
        slack_files = self.db.table("slack_files")
        if not slack_files.exists():
            slack_files.create(
                {
                    "slack_file_id": str,
                    "file_id": str,
                    "media_type": str,
                    "size": int,
                    "created_at": str,
                    "expires_at": str,
                },
                pk="slack_file_id",
            )

    def close(self) -> None:
        with self._lock:
            self.db.conn.close()

    # -- requests ---------------------------------------------------------------------------------

    def claim(self, row: dict[str, Any]) -> int | None:
        """Insert a new request row; None when its dedupe_key was already claimed (a retry or a double click)."""
        return self.claim_many([row])[0]

    def claim_many(self, rows: list[dict[str, Any]]) -> list[int | None]:
        """Insert several new rows in one transaction, so one commit serves them all.

        :param rows: column values; `created_at`, `updated_at` and `status` (`received`) are filled in.
        :return: each row's id, or None where its dedupe_key was already claimed.
        """
        now = iso(utc_now())
        ids: list[int | None] = []
        with self._lock, self.db.conn:
            for row in rows:
                record = {"created_at": now, "updated_at": now, "status": RECEIVED, **row}
                try:
                    cursor = self.db.conn.execute(_insert_statement(tuple(record)), list(record.values()))
                except sqlite3.IntegrityError:
                    ids.append(None)  # only this statement is undone; the others stay in the transaction
                else:
                    ids.append(int(cursor.lastrowid or 0))
        return ids

    def update(self, row_id: int, /, **fields: Any) -> None:
        # Plain SQL: this runs several times per request, and sqlite-utils' update re-reads the schema each time.
        fields["updated_at"] = iso(utc_now())
        columns = _known_columns(fields)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._lock, self.db.conn:
            self.db.conn.execute(f"UPDATE requests SET {assignments} WHERE id = ?", [*map(fields.get, columns), row_id])

    def get(self, row_id: int) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM requests WHERE id = ?", [row_id]))
        return rows[0] if rows else None

    def by_dedupe_key(self, key: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM requests WHERE dedupe_key = ?", [key]))
        return rows[0] if rows else None

    def by_task_id(self, task_id: str) -> dict[str, Any] | None:
        with self._lock:
            rows = list(self.db.query("SELECT * FROM requests WHERE task_id = ? ORDER BY id DESC LIMIT 1", [task_id]))
        return rows[0] if rows else None

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params or []))

    def execute(self, sql: str, params: list[Any] | None = None) -> int:
        """Run a write statement; return how many rows it changed."""
        with self._lock:
            cursor = self.db.execute(sql, params or [])
            self.db.conn.commit()
            return int(cursor.rowcount)

    def recent_same_command(
        self, *, team_id: str, user_id: str, channel_id: str, text_key: str, within: timedelta
    ) -> bool:
        """Whether the same person sent the same command in this channel within `within` (not counting input
        that was refused or unusable). Plain SQL: this runs before every slash command's ack."""
        since = iso(utc_now() - within)
        with self._lock:
            found = self.db.conn.execute(
                "SELECT 1 FROM requests WHERE team_id = ? AND user_id = ? AND channel_id = ? AND inputs_json = ?"
                " AND created_at >= ? AND status NOT IN (?, ?) LIMIT 1",
                [team_id, user_id, channel_id, text_key, since, INVALID, REFUSED],
            ).fetchone()
        return found is not None

    def unfinished(self, *, created_after: str, created_before: str) -> list[int]:
        """Requests cut off before their end: still on the way to Tencent, with an answer not yet posted, or
        held by Tencent under a TaskId the bot never learnt and is not yet looking for."""
        marks = ", ".join("?" for _ in ACTIVE_STATUSES)
        rows = self.query(
            f"SELECT id FROM requests WHERE (status IN ({marks}) OR reply_pending IS NOT NULL"
            "  OR (status = ? AND task_id IS NULL AND follow_next_at IS NULL AND finished_at IS NULL))"
            " AND created_at >= ? AND created_at < ? ORDER BY id",
            [*ACTIVE_STATUSES, SUBMITTED, created_after, created_before],
        )
        return [int(row["id"]) for row in rows]

    def rows(self) -> Iterator[dict[str, Any]]:
        with self._lock:
            yield from list(self.db.table("requests").rows)

    def iter_query(self, sql: str, params: list[Any] | None = None) -> Iterator[dict[str, Any]]:
        """Rows one by one, for reading a large log without holding it all in memory."""
        with self._lock:
            yield from self.db.query(sql, params or [])

    def write_problem(self) -> str | None:
        """None when a small write commits; otherwise why the database cannot take writes now.

        Waits at most a second for a lock, so a health probe answers promptly even when another process holds
        the database.
        """
        with self._lock:
            try:
                self.db.conn.execute(f"PRAGMA busy_timeout = {PROBE_BUSY_MS}")
                self.db.conn.execute(
                    "CREATE TABLE IF NOT EXISTS write_probe (id INTEGER PRIMARY KEY, written_at TEXT NOT NULL)"
                )
                with self.db.conn:
                    self.db.conn.execute(
                        "INSERT OR REPLACE INTO write_probe (id, written_at) VALUES (1, ?)", [iso(utc_now())]
                    )
            except sqlite3.Error as error:
                return f"the database at {self.path} cannot be written ({error})"
            finally:
                with contextlib.suppress(sqlite3.Error):
                    self.db.conn.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        return None

    # -- Slack file -> VOD FileId -----------------------------------------------------------------

    def cached_file_id(self, slack_file_id: str, *, valid_for: timedelta = timedelta(hours=12)) -> str | None:
        """A FileId uploaded earlier for this Slack file that will not expire within `valid_for`."""
        with self._lock:
            rows = list(self.db.query("SELECT * FROM slack_files WHERE slack_file_id = ?", [slack_file_id]))
        if not rows:
            return None
        expires = rows[0]["expires_at"]
        if expires and parse_iso(expires) < utc_now() + valid_for:
            return None
        return str(rows[0]["file_id"])

    def remember_file_id(
        self, slack_file_id: str, file_id: str, *, media_type: str, size: int, expires_at: str | None
    ) -> None:
        with self._lock:
            self.db.table("slack_files").upsert(
                {
                    "slack_file_id": slack_file_id,
                    "file_id": file_id,
                    "media_type": media_type,
                    "size": size,
                    "created_at": iso(utc_now()),
                    "expires_at": expires_at,
                },
                pk="slack_file_id",
            )


# One encoder for the log's JSON: json.dumps with any non-default option builds a new encoder on every call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def dumps(data: Any) -> str:
    return _JSON.encode(data)


def bounded(text: str, limit: int = KEPT_INPUT_CHARS) -> str:
    """`text` as the log keeps it: whole when short, else its start and its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters in all)"
