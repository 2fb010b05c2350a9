"""The SQLite log: every request, written before the paid call and updated after it."""

from __future__ import annotations

import contextlib
import enum
import functools
import json
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
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


class Repeat(enum.Enum):
    """What claim_many gives for a row it left out as the same command sent moments before."""

    REPEAT = "repeat"


REPEAT = Repeat.REPEAT
# Rows looked up per repeat-check statement: five parameters each, well under SQLite's limit of 32766.
REPEAT_CHECK_CHUNK = 500


@functools.lru_cache(maxsize=16)
def _repeat_check_statement(rows: int) -> str:
    """Which of `rows` (number, team, user, channel, inputs) were logged since a moment, in one statement."""
    values = ", ".join(["(?, ?, ?, ?, ?)"] * rows)
    return (
        f"WITH asked(n, team_id, user_id, channel_id, inputs_json) AS (VALUES {values})"
        " SELECT asked.n FROM asked WHERE EXISTS (SELECT 1 FROM requests WHERE requests.team_id = asked.team_id"
        " AND requests.user_id = asked.user_id AND requests.channel_id = asked.channel_id"
        " AND requests.inputs_json = asked.inputs_json AND requests.created_at >= ? AND requests.status NOT IN (?, ?))"
    )


def _repeat_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Who sent a command, where, and what (the inputs, with the text): equal keys make a repeat."""
    return row.get("team_id"), row.get("user_id"), row.get("channel_id"), row.get("inputs_json")


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
        claimed = self.claim_many([row])[0]
        return claimed if isinstance(claimed, int) else None  # no repeat check was asked for

    def claim_many(
        self,
        rows: list[dict[str, Any]],
        *,
        repeat_checked: Sequence[bool] = (),
        repeat_within: timedelta | None = None,
    ) -> list[int | Repeat | None]:
        """Insert several new rows in one transaction, so one commit serves them all.

        :param rows: column values; `created_at`, `updated_at` and `status` (`received`) are filled in.
        :param repeat_checked: for each row, whether to leave it out when it repeats a command: the same
            team, user, channel and inputs as a row logged within `repeat_within` (not counting input that was
            refused or unusable), or as a row before it in `rows`. One statement checks them all.
        :return: each row's id; REPEAT where it repeats a command; None where its dedupe_key was already claimed.
        """
        moment = utc_now()
        now = iso(moment)
        checked: set[int] = set()
        logged: set[int] = set()
        ids: list[int | Repeat | None] = []
        with self._lock, self.db.conn:
            if repeat_within is not None:
                checked = {n for n, check in enumerate(repeat_checked) if check}
                logged = self._logged_repeats(rows, sorted(checked), iso(moment - repeat_within))
            inserted: set[tuple[Any, ...]] = set()
            for n, row in enumerate(rows):
                key = _repeat_key(row)
                if n in checked and (n in logged or key in inserted):
                    ids.append(REPEAT)
                    continue
                record = {"created_at": now, "updated_at": now, "status": RECEIVED, **row}
                try:
                    cursor = self.db.conn.execute(_insert_statement(tuple(record)), list(record.values()))
                except sqlite3.IntegrityError:
                    ids.append(None)  # only this statement is undone; the others stay in the transaction
                else:
                    ids.append(int(cursor.lastrowid or 0))
                    inserted.add(key)
        return ids

    def _logged_repeats(self, rows: list[dict[str, Any]], checked: list[int], since: str) -> set[int]:
        """The numbers, among `checked`, of rows whose command was logged since `since` (none for none checked)."""
        found: set[int] = set()
        for start in range(0, len(checked), REPEAT_CHECK_CHUNK):
            chunk = checked[start : start + REPEAT_CHECK_CHUNK]
            params = [value for n in chunk for value in (n, *_repeat_key(rows[n]))]
            statement = _repeat_check_statement(len(chunk))
            found.update(n for (n,) in self.db.conn.execute(statement, [*params, since, INVALID, REFUSED]))
        return found

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
