"""Counts of the log kept up to date by SQLite itself: `request_tally` and `request_usage`.

/metrics reports the log's requests by source, scene and status, and `/aigc usage` and the admin's App Home
summarise a month of a workspace's requests. Counting either with a GROUP BY over `requests` reads the whole log
(or the whole month: 80,000 rows at its end) every time, so triggers keep the counts instead. Each insert,
change or delete of a request adjusts a few rows of small tables:

- `request_tally`: one row per (source, scene, status), over the whole log;
- `request_usage`: per UTC month and per UTC day, one row per (workspace, person, scene, status, error code,
  billed or not), with how many requests and how many output images (of requests that are done).

The counts live in the database, so they are exact across restarts and count the work of every process that
shares the file (the command line included), at the cost of a few small upserts per write. They are created,
from one GROUP BY over the log each, the first time a process opens a log without them.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

TALLY_TABLE = "request_tally"
USAGE_TABLE = "request_usage"
# Error codes of requests Tencent billed although the log never learnt their TaskId (the answer was lost).
BILLED_ERROR_CODES = ("InvalidParameterValue.SessionId", "TaskIdUnknown")
# Where a request counts in `request_usage`, given the row `{row}` (NEW, OLD or requests) and its period
# `{period}`; columns that may be NULL are kept as '' (SQLite treats NULLs as distinct in a primary key).
_USAGE_KEY = (
    "{period}, coalesce({row}.team_id, ''), coalesce({row}.user_id, ''), coalesce({row}.scene, ''), {row}.status,"
    " coalesce({row}.error_code, ''), ({row}.task_id IS NOT NULL OR coalesce({row}.error_code, '') IN ("
    + ", ".join(f"'{code}'" for code in BILLED_ERROR_CODES)
    + "))"
)
# The output images of a request that is done.
_IMAGES = (
    "CASE WHEN {row}.status = 'done' AND json_valid({row}.output_json) THEN json_array_length({row}.output_json)"
    " ELSE 0 END"
)
_MONTH = "substr({row}.created_at, 1, 7)"
_DAY = "substr({row}.created_at, 1, 10)"


def _usage_change(row: str, sign: str) -> str:
    """The statements adding (sign 1) or taking away (sign -1) one request in its month and its day."""
    return " ".join(
        f"INSERT INTO {USAGE_TABLE} VALUES ({_USAGE_KEY.format(period=period.format(row=row), row=row)},"
        f" {sign}, {sign} * ({_IMAGES.format(row=row)}))"
        " ON CONFLICT DO UPDATE SET requests = requests + excluded.requests, images = images + excluded.images;"
        for period in (_MONTH, _DAY)
    )


def _usage_backfill(period: str) -> str:
    key = _USAGE_KEY.format(period=period.format(row="requests"), row="requests")
    return (
        f"INSERT INTO {USAGE_TABLE} SELECT {key}, count(*), sum({_IMAGES.format(row='requests')})"
        " FROM requests GROUP BY 1, 2, 3, 4, 5, 6, 7"
    )


_USAGE_COLUMNS = "team_id, user_id, scene, status, error_code, task_id, output_json, created_at"
_USAGE_CHANGED = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in _USAGE_COLUMNS.split(", "))
_USAGE_SCHEMA = (
    f"""CREATE TABLE {USAGE_TABLE} (
        period TEXT NOT NULL,
        team_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        scene TEXT NOT NULL,
        status TEXT NOT NULL,
        error_code TEXT NOT NULL,
        billed INTEGER NOT NULL,
        requests INTEGER NOT NULL,
        images INTEGER NOT NULL,
        PRIMARY KEY (period, team_id, user_id, scene, status, error_code, billed)
    ) WITHOUT ROWID""",
    _usage_backfill(_MONTH),
    _usage_backfill(_DAY),
    f"CREATE TRIGGER request_usage_insert AFTER INSERT ON requests BEGIN {_usage_change('NEW', '1')} END",
    f"CREATE TRIGGER request_usage_delete AFTER DELETE ON requests BEGIN {_usage_change('OLD', '-1')} END",
    f"CREATE TRIGGER request_usage_update AFTER UPDATE OF {_USAGE_COLUMNS} ON requests WHEN {_USAGE_CHANGED}"
    f" BEGIN {_usage_change('OLD', '-1')} {_usage_change('NEW', '1')} END",
)

_ADD = (
    f"INSERT INTO {TALLY_TABLE} (source, scene, status, total) VALUES ({{row}}.source, coalesce({{row}}.scene, ''),"
    " {row}.status, {change}) ON CONFLICT (source, scene, status) DO UPDATE SET total = total + {change};"
)
_SCHEMA = (
    f"""CREATE TABLE {TALLY_TABLE} (
        source TEXT NOT NULL,
        scene TEXT NOT NULL,
        status TEXT NOT NULL,
        total INTEGER NOT NULL,
        PRIMARY KEY (source, scene, status)
    ) WITHOUT ROWID""",
    f"INSERT INTO {TALLY_TABLE} (source, scene, status, total)"
    " SELECT source, coalesce(scene, ''), status, count(*) FROM requests GROUP BY 1, 2, 3",
    "CREATE TRIGGER request_tally_insert AFTER INSERT ON requests BEGIN " + _ADD.format(row="NEW", change="1") + " END",
    "CREATE TRIGGER request_tally_delete AFTER DELETE ON requests BEGIN "
    + _ADD.format(row="OLD", change="-1")
    + " END",
    "CREATE TRIGGER request_tally_update AFTER UPDATE OF source, scene, status ON requests"
    " WHEN OLD.source IS NOT NEW.source OR OLD.scene IS NOT NEW.scene OR OLD.status IS NOT NEW.status BEGIN "
    + _ADD.format(row="OLD", change="-1")
    + " "
    + _ADD.format(row="NEW", change="1")
    + " END",
)


class Tallied(NamedTuple):
    """How many requests from one source, in one scene (None for none), are in one status now."""

    source: str
    scene: str | None
    status: str
    total: int


SCHEMAS = {TALLY_TABLE: _SCHEMA, USAGE_TABLE: _USAGE_SCHEMA}


def install(connection: sqlite3.Connection) -> None:
    """Create the counts and their triggers unless the log has them; in one transaction each, so no write is
    missed between counting the log and the triggers taking over."""
    for table, schema in SCHEMAS.items():
        if _installed(connection, table):
            continue
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            if _installed(connection, table):  # another process got there while this one waited for the lock
                continue
            for statement in schema:
                connection.execute(statement)


def _installed(connection: sqlite3.Connection, table: str) -> bool:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    return found.fetchone() is not None


def read_tally(connection: sqlite3.Connection) -> list[Tallied]:
    """Every (source, scene, status) with requests in it."""
    found = connection.execute(f"SELECT source, scene, status, total FROM {TALLY_TABLE} WHERE total != 0")
    return [Tallied(source, scene or None, status, int(total)) for source, scene, status, total in found]
