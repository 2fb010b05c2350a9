"""How many requests are in each status, kept up to date by SQLite itself (table `request_tally`).

/metrics reports the log's requests by source, scene and status. Counting them with a GROUP BY over `requests`
reads the whole log at every scrape (seconds on a year of history), so triggers keep a tally instead: each
insert, status change or delete of a request adjusts one or two rows of a table that has at most one row per
(source, scene, status). The tally lives in the database, so it is exact across restarts and counts the work
of every process that shares the file (the command line included), at the cost of one small upsert per write.

The tally is created, from one GROUP BY over the log, the first time a process opens a log without it.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

TALLY_TABLE = "request_tally"
# A request with no scene is kept under '' (SQLite treats NULLs as distinct in a primary key).
NO_SCENE = ""

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


def install(connection: sqlite3.Connection) -> None:
    """Create the tally and its triggers unless the log has them; in one transaction, so no write is missed."""
    if _installed(connection):
        return
    with connection:
        connection.execute("BEGIN IMMEDIATE")
        if _installed(connection):  # another process got there while this one waited for the lock
            return
        for statement in _SCHEMA:
            connection.execute(statement)


def _installed(connection: sqlite3.Connection) -> bool:
    found = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [TALLY_TABLE])
    return found.fetchone() is not None


def read_tally(connection: sqlite3.Connection) -> list[Tallied]:
    """Every (source, scene, status) with requests in it."""
    found = connection.execute(f"SELECT source, scene, status, total FROM {TALLY_TABLE} WHERE total != 0")
    return [Tallied(source, scene or None, status, int(total)) for source, scene, status, total in found]
