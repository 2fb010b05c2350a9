"""The SQLite log: every request, written before the paid call and updated after it."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from types import NoneType
from typing import Any, TypedDict, TypeVar, cast, get_args, get_type_hints
from urllib.parse import quote

import sqlite_utils

from bot.store import tally
from bot.store.checkpoints import Checkpointer

T = TypeVar("T")


class RequestRow(TypedDict, total=False):
    """One row of `requests`: the table's columns follow from it (`REQUEST_COLUMNS`), in this order, each of its
    type; a column not typed `| None` is NOT NULL. A column never written is None."""

    id: int
    created_at: str
    updated_at: str | None
    source: str
    team_id: str | None
    channel_id: str | None
    user_id: str | None
    thread_ts: str | None
    parent_ts: str | None
    scene: str | None
    prompt: str | None
    image_count: int | None
    options_json: str | None
    inputs_json: str | None
    request_json: str | None
    status: str
    task_id: str | None
    request_id: str | None
    error_code: str | None
    error_message: str | None
    dedupe_key: str | None
    session_id: str | None
    progress: int | None
    output_json: str | None
    submitted_at: str | None
    finished_at: str | None
    duration_seconds: float | None
    follow_owner: str | None
    follow_lease_until: str | None
    follow_next_at: str | None
    follow_attempts: int | None
    delivered_at: str | None
    images_posted_at: str | None
    rerun_of: int | None
    # Where to answer, kept from the moment Slack's request arrives, so a restart can carry the request on.
    response_url: str | None
    slack_files_json: str | None
    announced_at: str | None
    # An answer decided but not yet seen in Slack: {"text", "private", "parent"}; cleared once it is posted.
    reply_pending: str | None
    # When Tencent began processing the task (our clock), so a restart keeps estimating its finish from it.
    processing_started_at: str | None
    # The preset a request named; its options and prompt are already part of options_json and prompt.
    preset: str | None
    # The catalogue batch (table `batches`) a request came from; NULL for a request of its own.
    batch_id: int | None
    # The request's row number in that batch's CSV file (the header is row 1).
    batch_row: int | None
    # The request whose generated image this one took as its input ("Use this image" under a result).
    derived_from: int | None
    # What was done to the shared images before they were sent, one line per changed image ("IMG_4821.HEIC:
    # converted to JPEG, ..."); NULL when every image went as it was.
    image_notes: str | None


def _columns_of(row_type: type) -> dict[str, type]:
    """Each field of a row type and the SQL type it is stored as: its type, without `| None`."""
    return {
        name: next(kind for kind in get_args(hint) if kind is not NoneType) if get_args(hint) else hint
        for name, hint in get_type_hints(row_type).items()
    }


REQUEST_COLUMNS = _columns_of(RequestRow)


# The columns of `slack_files`, one row per Slack file already uploaded to VOD, with the FileId it got there.
SLACK_FILE_COLUMNS = dict(slack_file_id=str, file_id=str, media_type=str, size=int, created_at=str, expires_at=str)


class Status(StrEnum):
    """Where a request stands; the last four are final."""

    RECEIVED = "received"
    UPLOADING = "uploading"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    DONE = "done"
    FAILED = "failed"
    INVALID = "invalid"
    REFUSED = "refused"


FOLLOWING_STATUSES: tuple[str, ...] = (Status.SUBMITTED,)
ACTIVE_STATUSES: tuple[str, ...] = (Status.RECEIVED, Status.UPLOADING, Status.SUBMITTING)
# Requests that reached Tencent, or may still reach it: the ones the daily caps count.
CAPPED_STATUSES = (*ACTIVE_STATUSES, Status.SUBMITTED, Status.DONE, Status.FAILED)
# The team logged for a request from the command line, which comes from no Slack workspace.
COMMAND_LINE_TEAM = ""


def workspace_filter(team_id: str) -> tuple[str, list[str]]:
    """The SQL condition, and its parameters, for the requests that count as one workspace's.

    The command line's requests are billed to the same Tencent account as the workspace the bot serves, so
    they count as every workspace's, and the command line (`COMMAND_LINE_TEAM`) counts every workspace's.
    """
    if team_id == COMMAND_LINE_TEAM:
        return "1 = 1", []
    # `+team_id`: a workspace is nearly the whole log, so its requests are found through the time index, never
    # through the team prefix of requests_user_time (which would walk every request the workspace ever made).
    return "+team_id IN (?, ?)", [team_id, COMMAND_LINE_TEAM]


# Requests turned away before Tencent saw them, so never billed.
NOT_SUBMITTED_STATUSES = (Status.REFUSED, Status.INVALID)
# The error code of a request that was billed but whose TaskId Tencent never told us and could not be found.
TASK_ID_UNKNOWN = "TaskIdUnknown"
# What the log keeps of input it could not use: enough to see what was sent, never megabytes per attempt.
KEPT_INPUT_CHARS = 4096
# The busy_timeout set when the connection opens, and the shorter one a health probe waits.
BUSY_MS = 10_000
PROBE_BUSY_MS = 1_000
# Threads reading reports (history, usage, the App Home, /metrics) off the event loop, each on a connection of
# its own: enough for two people asking at once, few enough that reports never crowd out the acks' CPU.
READ_THREADS = 2
# A finished request whose result (or failure) has not reached Slack yet: the follower's delivery queue. The
# same words are the WHERE of the partial index requests_undelivered, which SQLite only uses for a query that
# repeats them.
UNDELIVERED = (
    f"delivered_at IS NULL AND finished_at IS NOT NULL AND (task_id IS NOT NULL OR error_code = '{TASK_ID_UNKNOWN}')"
)
# A status as a filter on rows found by another index. requests_status serves the statuses of work under way
# (a few rows); SQLite, knowing nothing of how many rows a status has, would otherwise walk it for `done` too,
# which is nearly the whole log.
FILTER_STATUS = "+status"
# Every index on `requests` beyond its primary key. Each statement a request, a followed task, an App Home or a
# scrape runs finds its rows through one of these (tests/test_query_plans.py holds them to it; docs/scale.md).
REQUEST_INDEXES = (
    "CREATE UNIQUE INDEX IF NOT EXISTS requests_dedupe ON requests(dedupe_key) WHERE dedupe_key IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS requests_task ON requests(task_id)",
    "CREATE INDEX IF NOT EXISTS requests_session ON requests(session_id)",
    "CREATE INDEX IF NOT EXISTS requests_user_time ON requests(team_id, user_id, created_at)",
    "CREATE INDEX IF NOT EXISTS requests_status ON requests(status)",
    # The daily caps, the usage of a month, the requests cut off by a restart, exports and purges: time ranges.
    # It also holds what the caps count by (team, person, status), so a count of today's requests, made for
    # every request, reads this index alone and not a day of whole rows.
    "CREATE INDEX IF NOT EXISTS requests_time ON requests(created_at, team_id, user_id, status)",
    # Leases held now; a row leaves it when its lease is released.
    "CREATE INDEX IF NOT EXISTS requests_leased ON requests(follow_owner, follow_lease_until)"
    " WHERE follow_owner IS NOT NULL",
    f"CREATE INDEX IF NOT EXISTS requests_undelivered ON requests(id) WHERE {UNDELIVERED}",
    # Answers decided but not yet posted in Slack, swept while the bot runs (bot/store/unfinished.py).
    "CREATE INDEX IF NOT EXISTS requests_reply_pending ON requests(created_at, id) WHERE reply_pending IS NOT NULL",
)


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


def insert_request(connection: sqlite3.Connection, record: dict[str, Any]) -> int:
    """Insert one row of `requests` (`record`: column values) inside a transaction the caller holds; its id."""
    return int(connection.execute(_insert_statement(tuple(record)), list(record.values())).lastrowid or 0)


def insert_received(connection: sqlite3.Connection, row: dict[str, Any], now: str) -> int | None:
    """Insert a new request (`row`: column values) as `received` at `now` (`created_at`, `updated_at`) inside a
    transaction the caller holds: its id, or None when its dedupe_key was claimed before."""
    try:
        return insert_request(connection, {"created_at": now, "updated_at": now, "status": Status.RECEIVED, **row})
    except sqlite3.IntegrityError:
        return None  # only this statement is undone; the others stay in the transaction


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
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    os.chmod(path, 0o600)


class RequestLog:
    """The log's connection, shared by the process (a lock keeps threads from interleaving statements): opening
    and migrating it, reads beside it, any one statement, and a request's row logged, updated and read."""

    def __init__(self, path: Path | str, *, checkpoint_in_background: bool = False, read_only: bool = False) -> None:
        """Open (and create or migrate) the log at `path`.

        :param checkpoint_in_background: copy the write-ahead file into the database from a thread of its own
            (bot/store/checkpoints.py) instead of inside whichever commit finds it full; for the serving bot,
            whose commits come before Slack's acks. Short-lived processes leave it to SQLite.
        :param read_only: open a read-only connection (a report's, see `reader`): no migration, no checkpoints.
        """
        self.path = Path(path)
        if not read_only:
            _create_private(self.path)
        address = f"file:{quote(str(self.path.resolve()))}?mode=ro" if read_only else str(self.path)
        connection = sqlite3.connect(address, uri=read_only, check_same_thread=False, timeout=BUSY_MS / 1000)
        self.db = sqlite_utils.Database(connection)
        self._lock = threading.RLock()
        self._checkpointer: Checkpointer | None = None
        # A read-only log, or one in memory, has no other connection to give: it reads on its own.
        self._reads_itself = read_only or str(self.path) == ":memory:"
        self._reader_of_thread = threading.local()
        self._readers: list[RequestLog] = []  # every read connection opened, to close with the log
        self._readers_lock = threading.Lock()
        self._read_pool: ThreadPoolExecutor | None = None
        if read_only:
            return
        with self._lock:
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
            if str(self.path) != ":memory:":
                self.db.enable_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            if checkpoint_in_background and str(self.path) != ":memory:":
                self.db.execute("PRAGMA wal_autocheckpoint = 0")
                self._checkpointer = Checkpointer(self.path).start()
            self._migrate()

    def _migrate(self) -> None:
        requests = self.db.table("requests")
        if not requests.exists():
            hints = get_type_hints(RequestRow).items()
            not_null = {name for name, hint in hints if NoneType not in get_args(hint) and name != "id"}
            requests.create(REQUEST_COLUMNS, pk="id", not_null=not_null)
        else:
            missing = {k: v for k, v in REQUEST_COLUMNS.items() if k not in requests.columns_dict}
            for name, kind in missing.items():
                requests.add_column(name, kind)
        for statement in REQUEST_INDEXES:
            self.db.execute(statement)
        tally.install(self.db.conn)
        slack_files = self.db.table("slack_files")
        if not slack_files.exists():
            slack_files.create(SLACK_FILE_COLUMNS, pk="slack_file_id")

    def close(self) -> None:
        """Close the connection and the read connections; the log cannot be used afterwards."""
        if self._checkpointer is not None:
            self._checkpointer.stop()
        with self._readers_lock:
            pool, self._read_pool = self._read_pool, None
            readers, self._readers = self._readers, []
        if pool is not None:
            pool.shutdown(wait=True)
        for reader in readers:
            reader.close()
        with self._lock:
            self.db.conn.close()

    # -- reading beside the writer ----------------------------------------------------------------

    def reader(self) -> RequestLog:
        """The log over this thread's own read-only connection, for reports that must not hold up the writer.

        In WAL mode readers and the writer run side by side: a report reads the last committed state while
        requests go on being logged. A log in memory has no file to share, so it reads itself.
        """
        if self._reads_itself:
            return self
        reader: RequestLog | None = getattr(self._reader_of_thread, "reader", None)
        if reader is None:
            reader = self._reader_of_thread.reader = RequestLog(self.path, read_only=True)
            with self._readers_lock:
                self._readers.append(reader)
        return reader

    async def read(self, work: Callable[[RequestLog], T]) -> T:
        """`work(reader)` on one of the log's read threads, so the event loop (and every ack) goes on meanwhile.

        :param work: reads only, given the log over that thread's read connection (see `reader`).
        """
        with self._readers_lock:
            if self._read_pool is None:
                self._read_pool = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="aigc-log-read")
            pool = self._read_pool
        return await asyncio.get_running_loop().run_in_executor(pool, lambda: work(self.reader()))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """The connection, for statements that must commit together or not at all."""
        with self._lock, self.db.conn:
            yield self.db.conn

    # -- requests ---------------------------------------------------------------------------------

    def claim(self, row: dict[str, Any]) -> int | None:
        """Log a new request (`row`: column values; `created_at`, `updated_at` and `status` (`received`) are filled
        in): its id, or None when its dedupe_key was claimed before (a retry, a double click)."""
        with self.transaction() as connection:
            return insert_received(connection, row, iso(utc_now()))

    def update(self, row_id: int, /, **fields: Any) -> None:
        """Set some columns (each checked against the schema) of one request; `updated_at` is set to now."""
        # Plain SQL: this runs several times per request, and sqlite-utils' update re-reads the schema each time.
        fields["updated_at"] = iso(utc_now())
        columns = _known_columns(fields)
        assignments = ", ".join(f"{name} = ?" for name in columns)
        with self._lock, self.db.conn:
            self.db.conn.execute(f"UPDATE requests SET {assignments} WHERE id = ?", [*map(fields.get, columns), row_id])

    def get(self, row_id: int) -> RequestRow | None:
        """The request logged under `row_id` (the id `claim` returned), or None when there is none."""
        found = self.query_requests("SELECT * FROM requests WHERE id = ?", [row_id])
        return found[0] if found else None

    # -- any statement, for the store's own modules: code outside bot/store calls a named method ---------

    def query(self, sql: str, params: list[Any] | dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows a read statement (one SELECT, with `?` or `:name` placeholders) answers."""
        # Plain SQL, not sqlite-utils' query: some of these run before an ack, and its checks cost more than the read.
        with self._lock:
            cursor = self.db.conn.execute(sql, params or [])
            names = [column[0] for column in cursor.description or ()]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def data_version(self) -> int:
        """A number that changes whenever another connection (another bot process, the command line) has
        committed to the log since the last call; this connection's own writes leave it as it is."""
        with self._lock:
            return int(self.db.conn.execute("PRAGMA data_version").fetchone()[0])

    def query_tuples(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """The rows a read statement answers, as tuples in the order of its columns: for reads of thousands of
        small rows (a month's usage), where a dict per row costs more than the read itself."""
        with self._lock:
            return self.db.conn.execute(sql, params).fetchall()

    def query_requests(self, sql: str, params: list[Any]) -> list[RequestRow]:
        """The whole rows of `requests` a `SELECT * FROM requests ...` answers."""
        return list(_as_request_rows(self.query(sql, params)))

    def stream_requests(self, sql: str, params: list[Any]) -> Iterator[RequestRow]:
        """The whole rows of `requests` a `SELECT * FROM requests ...` answers, read one by one so a large answer is
        never held in memory; the log is held for this read until its last row is read."""
        with self._lock:
            yield from _as_request_rows(self.db.query(sql, params))

    def execute(self, sql: str, params: list[Any] | None = None) -> int:
        """Run one INSERT, UPDATE or DELETE and commit it; return how many rows it changed."""
        with self._lock:
            cursor = self.db.execute(sql, params or [])
            self.db.conn.commit()
            return int(cursor.rowcount)

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


def _as_request_rows(rows: Iterable[dict[str, Any]]) -> Iterator[RequestRow]:
    """Rows read with `SELECT * FROM requests`, typed as what they are.

    The one place a row out of SQLite becomes a RequestRow, unchecked: checking each row would cost a pass over
    every column on paths that run before an ack, and the schema already guarantees the shape (the keys are
    RequestRow's fields, from which REQUEST_COLUMNS follows; each value is its column's type, or None when unset).
    """
    return cast(Iterator[RequestRow], iter(rows))


def marks(values: Sequence[object]) -> str:
    """One `?` per value, for an `IN (...)` list."""
    return ", ".join("?" for _ in values)


# One encoder for the log's JSON: json.dumps with any non-default option builds a new encoder on every call.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def dumps(data: Any) -> str:
    return _JSON.encode(data)


def bounded(text: str, limit: int = KEPT_INPUT_CHARS) -> str:
    """`text` as the log keeps it: whole when short, else its start and its full length."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text)} characters in all)"
