"""Counts of the log kept up to date by SQLite itself: `request_tally`, `usage_by_scene` and `usage_by_person`.

/metrics reports the log's requests by source, scene and status, and `/aigc usage` and the admin's App Home
summarise a month of a workspace's requests. Counting either with a GROUP BY over `requests` reads the whole log
(or the whole month: 80,000 rows at its end) every time, so triggers keep the counts instead. Each insert,
change or delete of a request adjusts a few rows of small tables:

- `request_tally`: one row per (source, scene, status), over the whole log;
- `usage_by_scene`: per UTC month and per UTC day, one row per (workspace, scene, status, error code, billed or
  not), with how many requests and how many output images (of requests that are done): a few dozen rows a month;
- `usage_by_person`: per UTC month and per UTC day, one row per (workspace, person, status), with how many
  requests and how many of them Tencent billed: one row per person and outcome, so the reports rank people in
  SQL and carry only the few they show into Python.

The counts live in the database, so they are exact across restarts and count the work of every process that
shares the file (the command line included), at the cost of a few small upserts per write. They are created,
from one GROUP BY over the log each, the first time a process opens a log without them.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

TALLY_TABLE = "request_tally"
SCENE_USAGE_TABLE = "usage_by_scene"
PERSON_USAGE_TABLE = "usage_by_person"
# The one table that kept a month's usage before it was split by scene and by person: dropped, with its
# triggers, when a log that has it is opened.
RETIRED_USAGE_TABLE = "request_usage"
# Error codes of requests Tencent billed although the log never learnt their TaskId (the answer was lost).
BILLED_ERROR_CODES = ("InvalidParameterValue.SessionId", "TaskIdUnknown")
# Whether Tencent billed the request `{row}` (NEW, OLD or requests): 1 or 0.
_BILLED = (
    "({row}.task_id IS NOT NULL OR coalesce({row}.error_code, '') IN ("
    + ", ".join(f"'{code}'" for code in BILLED_ERROR_CODES)
    + "))"
)
# The output images of a request that is done.
_IMAGES = (
    "CASE WHEN {row}.status = 'done' AND json_valid({row}.output_json) THEN json_array_length({row}.output_json)"
    " ELSE 0 END"
)
# The UTC month and the UTC day of a request: each request counts in both.
_PERIODS = ("substr({row}.created_at, 1, 7)", "substr({row}.created_at, 1, 10)")


class _UsageCounts(NamedTuple):
    """A table of counts per period of the requests that share a key. Columns that may be NULL in `requests`
    are kept as '' (SQLite treats NULLs as distinct in a primary key)."""

    table: str
    # (column, its type, the expression of `{row}` it holds)
    key: tuple[tuple[str, str, str], ...]
    # (column, what one request adds to it)
    counts: tuple[tuple[str, str], ...]
    # The columns of `requests` the key and the counts are made of.
    read: tuple[str, ...]

    def _change(self, row: str, sign: str) -> str:
        """The statements adding (sign 1) or taking away (sign -1) one request in its month and its day."""
        key = ", ".join(expression.format(row=row) for _, _, expression in self.key)
        counts = ", ".join(f"{sign} * ({expression.format(row=row)})" for _, expression in self.counts)
        update = ", ".join(f"{column} = {column} + excluded.{column}" for column, _ in self.counts)
        return " ".join(
            f"INSERT INTO {self.table} VALUES ({period.format(row=row)}, {key}, {counts})"
            f" ON CONFLICT DO UPDATE SET {update};"
            for period in _PERIODS
        )

    def schema(self) -> tuple[str, ...]:
        columns = [f"{column} {kind} NOT NULL" for column, kind, _ in self.key]
        columns += [f"{column} INTEGER NOT NULL" for column, _ in self.counts]
        key_columns = ", ".join(column for column, _, _ in self.key)
        grouped = ", ".join(str(n) for n in range(1, len(self.key) + 2))
        key = ", ".join(expression.format(row="requests") for _, _, expression in self.key)
        sums = ", ".join(f"sum({expression.format(row='requests')})" for _, expression in self.counts)
        day, month = _PERIODS[1].format(row="requests"), "substr(period, 1, 7)"
        count_sums = ", ".join(f"sum({column})" for column, _ in self.counts)
        changed = " OR ".join(f"OLD.{name} IS NOT NEW.{name}" for name in self.read)
        return (
            f"CREATE TABLE {self.table} (period TEXT NOT NULL, {', '.join(columns)},"
            f" PRIMARY KEY (period, {key_columns})) WITHOUT ROWID",
            # Each day from the log, then each month from its days: one pass over the log.
            f"INSERT INTO {self.table} SELECT {day}, {key}, {sums} FROM requests GROUP BY {grouped}",
            f"INSERT INTO {self.table} SELECT {month}, {key_columns}, {count_sums} FROM {self.table}"
            f" GROUP BY {grouped}",
            f"CREATE TRIGGER {self.table}_insert AFTER INSERT ON requests BEGIN {self._change('NEW', '1')} END",
            f"CREATE TRIGGER {self.table}_delete AFTER DELETE ON requests BEGIN {self._change('OLD', '-1')} END",
            f"CREATE TRIGGER {self.table}_update AFTER UPDATE OF {', '.join(self.read)} ON requests WHEN {changed}"
            f" BEGIN {self._change('OLD', '-1')} {self._change('NEW', '1')} END",
        )


_TEAM = ("team_id", "TEXT", "coalesce({row}.team_id, '')")
_STATUS = ("status", "TEXT", "{row}.status")
_SCENE_USAGE = _UsageCounts(
    SCENE_USAGE_TABLE,
    key=(
        _TEAM,
        ("scene", "TEXT", "coalesce({row}.scene, '')"),
        _STATUS,
        ("error_code", "TEXT", "coalesce({row}.error_code, '')"),
        ("billed", "INTEGER", _BILLED),
    ),
    counts=(("requests", "1"), ("images", _IMAGES)),
    read=("team_id", "scene", "status", "error_code", "task_id", "output_json", "created_at"),
)
_PERSON_USAGE = _UsageCounts(
    PERSON_USAGE_TABLE,
    key=(_TEAM, ("user_id", "TEXT", "coalesce({row}.user_id, '')"), _STATUS),
    counts=(("requests", "1"), ("billed", _BILLED)),
    read=("team_id", "user_id", "status", "error_code", "task_id", "created_at"),
)

_ADD = (
    f"INSERT INTO {TALLY_TABLE} (source, scene, status, total) VALUES ({{row}}.source, coalesce({{row}}.scene, ''),"
    " {row}.status, {change}) ON CONFLICT (source, scene, status) DO UPDATE SET total = total + {change};"
)
_ADD_NEW, _TAKE_OLD = _ADD.format(row="NEW", change="1"), _ADD.format(row="OLD", change="-1")
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
    f"CREATE TRIGGER request_tally_insert AFTER INSERT ON requests BEGIN {_ADD_NEW} END",
    f"CREATE TRIGGER request_tally_delete AFTER DELETE ON requests BEGIN {_TAKE_OLD} END",
    "CREATE TRIGGER request_tally_update AFTER UPDATE OF source, scene, status ON requests"
    " WHEN OLD.source IS NOT NEW.source OR OLD.scene IS NOT NEW.scene OR OLD.status IS NOT NEW.status"
    f" BEGIN {_TAKE_OLD} {_ADD_NEW} END",
)


SCHEMAS = {TALLY_TABLE: _SCHEMA, SCENE_USAGE_TABLE: _SCENE_USAGE.schema(), PERSON_USAGE_TABLE: _PERSON_USAGE.schema()}


_RETIRE = (
    *(f"DROP TRIGGER IF EXISTS {RETIRED_USAGE_TABLE}_{event}" for event in ("insert", "delete", "update")),
    f"DROP TABLE IF EXISTS {RETIRED_USAGE_TABLE}",
)


def install(connection: sqlite3.Connection) -> None:
    """Create the counts and their triggers unless the log has them; in one transaction each, so no write is
    missed between counting the log and the triggers taking over. Drop the retired usage table and its
    triggers, which would otherwise go on costing every write."""
    for table, schema in SCHEMAS.items():
        if _installed(connection, table):
            continue
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            if _installed(connection, table):  # another process got there while this one waited for the lock
                continue
            for statement in schema:
                connection.execute(statement)
    if _installed(connection, RETIRED_USAGE_TABLE):
        with connection:
            connection.execute("BEGIN IMMEDIATE")
            for statement in _RETIRE:
                connection.execute(statement)


def _installed(connection: sqlite3.Connection, table: str) -> bool:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    return found.fetchone() is not None
