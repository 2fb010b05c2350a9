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

    def counted(period: str) -> set[tuple[object, ...]]:
        return {
            tuple(row.values())
            for row in log_db.query(
                "SELECT user_id, scene, status, error_code, billed, requests, images FROM request_usage"
                " WHERE period = ? AND requests != 0",
                [period],
            )
        }

    def from_the_log(since: str) -> set[tuple[object, ...]]:
        return {
            tuple(row.values())
            for row in log_db.query(
                "SELECT user_id, coalesce(scene, '') AS scene, status, coalesce(error_code, '') AS error_code,"
                " (task_id IS NOT NULL OR coalesce(error_code, '') = 'TaskIdUnknown') AS billed, count(*) AS n,"
                " sum(CASE WHEN status = 'done' THEN json_array_length(output_json) ELSE 0 END) AS images"
                " FROM requests WHERE created_at >= ? GROUP BY 1, 2, 3, 4, 5",
                [since],
            )
        }

    today = utc_now().strftime("%Y-%m-%d")
    assert counted(today) == from_the_log(today)
    assert ("U1", "tryon", "done", "", 1, 1, 2) in counted(today)
    assert ("U1", "", "failed", "TaskIdUnknown", 1, 1, 0) in counted(today)
    earlier = iso(utc_now() - timedelta(days=2))[:10]
    assert counted(earlier) == {("U1", "product", "done", "", 1, 1, 2), ("U1", "", "received", "", 0, 1, 0)}
