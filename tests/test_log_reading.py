"""Reading the log beside its writer, and purging a long log a stretch at a time."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store.db import RequestLog, iso, utc_now
from bot.store.retention import PURGED_TEXT_PREFIX, purge_older_than


@pytest.fixture
def log_db(tmp_path: Path) -> Iterator[RequestLog]:
    opened = RequestLog(tmp_path / "aigc-bot.db")
    yield opened
    opened.close()


def logged(log_db: RequestLog, n: int, *, days_ago: float, status: str = "done") -> int:
    row_id = log_db.claim({"source": "slash_command", "team_id": "T1", "user_id": "U1", "dedupe_key": f"d{n}"})
    assert row_id is not None
    created = iso(utc_now() - timedelta(days=days_ago))
    log_db.update(row_id, created_at=created, status=status, prompt=f"prompt number {n}")
    return row_id


def test_a_report_reads_committed_rows_on_a_read_only_connection_of_another_thread(log_db: RequestLog) -> None:
    row_id = logged(log_db, 1, days_ago=0)

    def report(reader: RequestLog) -> tuple[str, str | None]:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.update(row_id, status="failed")
        return threading.current_thread().name, (reader.get(row_id) or {}).get("status")

    thread, status = asyncio.run(log_db.read(report))
    assert status == "done"  # the write the reader tried was refused
    assert thread != threading.current_thread().name


def test_purge_reaches_every_old_row_however_many_stretches_and_whatever_their_order(log_db: RequestLog) -> None:
    recent_first = logged(log_db, 0, days_ago=1)
    old = [logged(log_db, n, days_ago=40 + n % 3) for n in range(1, 13)]
    active = logged(log_db, 13, days_ago=50, status="uploading")
    last_old = logged(log_db, 14, days_ago=45)  # logged last, yet older than most

    changed = purge_older_than(log_db, 30, chunk_rows=5)

    assert changed == len(old) + 1
    for row_id in [*old, last_old]:
        assert str((log_db.get(row_id) or {}).get("prompt")).startswith(PURGED_TEXT_PREFIX)
    for row_id in (recent_first, active):
        assert not str((log_db.get(row_id) or {}).get("prompt")).startswith(PURGED_TEXT_PREFIX)


# What each usage count holds: its columns, the same counted again from `requests`, and how many of them are
# the key the requests are grouped by.
_BILLED = "(task_id IS NOT NULL OR coalesce(error_code, '') IN ('InvalidParameterValue.SessionId', 'TaskIdUnknown'))"
_IMAGES = "CASE WHEN status = 'done' AND json_valid(output_json) THEN json_array_length(output_json) ELSE 0 END"
USAGE_COUNTS = {
    "usage_by_scene": (
        "team_id, scene, status, error_code, billed, requests, images",
        "coalesce(team_id, ''), coalesce(scene, ''), status, coalesce(error_code, ''),"
        f" {_BILLED}, count(*), sum({_IMAGES})",
        5,
    ),
    "usage_by_person": (
        "team_id, user_id, status, requests, billed",
        f"coalesce(team_id, ''), coalesce(user_id, ''), status, count(*), sum({_BILLED})",
        3,
    ),
}


def counted(log_db: RequestLog, table: str, period: str) -> set[tuple[object, ...]]:
    columns, _, _ = USAGE_COUNTS[table]
    rows = log_db.query(f"SELECT {columns} FROM {table} WHERE period = ? AND requests != 0", [period])
    return {tuple(row.values()) for row in rows}


def counted_again(log_db: RequestLog, table: str, period: str) -> set[tuple[object, ...]]:
    _, expressions, keyed_by = USAGE_COUNTS[table]
    groups = ", ".join(str(n) for n in range(1, keyed_by + 1))
    rows = log_db.query(
        f"SELECT {expressions} FROM requests WHERE substr(created_at, 1, ?) = ? GROUP BY {groups}",
        [len(period), period],
    )
    return {tuple(row.values()) for row in rows}


def test_the_usage_counts_equal_the_log_through_every_change_of_its_requests(log_db: RequestLog) -> None:
    images = '[{"url": "https://x/1.png"}, {"url": "https://x/2.png"}]'
    done_earlier = logged(log_db, 1, days_ago=2)
    log_db.update(done_earlier, task_id="t-1", output_json=images, scene="product")
    moving = logged(log_db, 2, days_ago=0, status="received")
    for status in ("uploading", "submitting", "submitted"):
        log_db.update(moving, status=status)
    log_db.update(moving, task_id="t-2", scene="tryon")
    log_db.update(moving, status="done", output_json=images)
    lost = logged(log_db, 3, days_ago=0, status="failed")
    log_db.update(lost, error_code="TaskIdUnknown")
    logged(log_db, 4, days_ago=0, status="refused")
    log_db.execute("DELETE FROM requests WHERE id = ?", [logged(log_db, 5, days_ago=0)])
    logged(log_db, 6, days_ago=2, status="received")  # moved back in time, nothing else about it changed
    other = logged(log_db, 7, days_ago=0)
    log_db.update(other, user_id="U2", team_id="", task_id="t-7")  # another person, from the command line
    old = logged(log_db, 8, days_ago=40)
    log_db.update(old, task_id="t-8")
    assert purge_older_than(log_db, 30) == 1  # the purge rewrites texts only: the counts stay as they were

    today = utc_now().strftime("%Y-%m-%d")
    earlier = iso(utc_now() - timedelta(days=2))[:10]
    long_ago = iso(utc_now() - timedelta(days=40))[:10]
    for period in {today, earlier, long_ago, today[:7], earlier[:7], long_ago[:7]}:
        for table in USAGE_COUNTS:
            assert counted(log_db, table, period) == counted_again(log_db, table, period), (table, period)
    assert ("T1", "tryon", "done", "", 1, 1, 2) in counted(log_db, "usage_by_scene", today)
    assert ("T1", "", "failed", "TaskIdUnknown", 1, 1, 0) in counted(log_db, "usage_by_scene", today)
    assert counted(log_db, "usage_by_scene", earlier) == {
        ("T1", "product", "done", "", 1, 1, 2),
        ("T1", "", "received", "", 0, 1, 0),
    }
    assert counted(log_db, "usage_by_person", today) == {
        ("T1", "U1", "done", 1, 1),
        ("T1", "U1", "failed", 1, 1),
        ("T1", "U1", "refused", 1, 0),
        ("", "U2", "done", 1, 1),
    }


def test_a_log_kept_with_the_single_usage_table_gets_its_counts_from_its_requests_and_drops_that_table(
    tmp_path: Path,
) -> None:
    path = tmp_path / "aigc-bot.db"
    opened = RequestLog(path)
    logged(opened, 1, days_ago=0)
    logged(opened, 2, days_ago=35, status="failed")
    opened.close()
    with sqlite3.connect(path) as older:  # the log as the version before these counts left it
        for table in USAGE_COUNTS:
            older.executescript(
                "".join(f"DROP TRIGGER {table}_{event};" for event in ("insert", "delete", "update"))
                + f"DROP TABLE {table};"
            )
        older.executescript(
            "CREATE TABLE request_usage (period TEXT, requests INTEGER);"
            "CREATE TRIGGER request_usage_insert AFTER INSERT ON requests BEGIN"
            " INSERT INTO request_usage VALUES (NEW.created_at, 1); END;"
        )
    older.close()

    log_db = RequestLog(path)
    try:
        logged(log_db, 3, days_ago=0)  # counted by the new triggers, and by no retired one
        today, month_ago = utc_now().strftime("%Y-%m-%d"), iso(utc_now() - timedelta(days=35))[:10]
        for period in (today, today[:7], month_ago, month_ago[:7]):
            for table in USAGE_COUNTS:
                assert counted(log_db, table, period) == counted_again(log_db, table, period), (table, period)
        assert counted(log_db, "usage_by_person", today) == {("T1", "U1", "done", 2, 0)}
        left = log_db.query("SELECT name FROM sqlite_master WHERE name LIKE 'request_usage%'")
        assert left == []
    finally:
        log_db.close()
