"""`aigc-bot backup`, `export` and `purge`, run as an admin runs them, and retention in the running bot."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import stat
import threading
from contextlib import closing
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.store.db import RequestLog, dumps, iso, utc_now
from bot.store.export import created_between
from tests.conftest import RunningBot, make_settings, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_cli import aigc_bot

PRICES = "product=0.10,tryon=0.25,outpaint=0.08"


def add_request(log_db: RequestLog, *, days_ago: float = 0, **fields: Any) -> int:
    """A row as the bot writes it: claimed first, then updated as the request moves on."""
    created = iso(utc_now() - timedelta(days=days_ago))
    row: dict[str, Any] = {
        "created_at": created,
        "source": "slash_command",
        "team_id": "T0001",
        "channel_id": "C100",
        "user_id": "U100",
        "scene": "product",
        "prompt": "a mug on marble",
        "image_count": 1,
        "options_json": dumps({"count": 2, "negative": "no people"}),
        "inputs_json": dumps({"images": ["https://shop.example/mug.png"]}),
    }
    later = {k: fields.pop(k) for k in list(fields) if k not in ("scene", "source", "user_id", "channel_id")}
    row.update(fields)
    row_id = log_db.claim(row)
    assert row_id is not None
    if later:
        log_db.update(row_id, **later)
    return row_id


def done(images: int, **extra: Any) -> dict[str, Any]:
    outputs = [{"url": f"https://vod.example/out{i}.png"} for i in range(images)]
    return {
        "status": "done",
        "task_id": f"task-{images}-{len(extra)}",
        "output_json": dumps(outputs),
        "duration_seconds": 12.5,
        "finished_at": iso(utc_now()),
        "delivered_at": iso(utc_now()),
        "request_json": dumps({"SubAppId": 1, "Prompt": "a mug on marble"}),
        **extra,
    }


def env(db: Path, **extra: str) -> dict[str, str]:
    return {"AIGC_BOT_DB": str(db), **extra}


def test_backup_taken_while_requests_are_written_holds_every_committed_row(tmp_path: Path) -> None:
    db = tmp_path / "aigc-bot.db"
    writer_log = RequestLog(db)
    committed: list[int] = []
    stop = threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            committed.append(add_request(writer_log, **done(2)))

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        wait_until(lambda: len(committed) >= 50, what="rows being written")
        before = len(committed)
        result = aigc_bot(["backup", str(tmp_path / "copy.db")], env(db), tmp_path)
        wait_until(lambda: len(committed) > before + 20, what="writes going on after the backup")
    finally:
        stop.set()
        writer.join(10)
        writer_log.close()
    assert result.returncode == 0, result.stderr
    copy = tmp_path / "copy.db"
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with closing(sqlite3.connect(copy)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = [row[0] for row in connection.execute("SELECT id FROM requests ORDER BY id")]
        finished = {row[0] for row in connection.execute("SELECT id FROM requests WHERE status = 'done'")}
    # Every row committed before the backup began is there, in full; later ones follow without gaps (the last
    # may have been caught between its insert and its update, each a transaction of its own).
    assert set(committed[:before]) <= finished
    assert ids == list(range(1, len(ids) + 1))
    assert f"Backed up {len(ids)} request(s)" in result.stdout
    assert not list(tmp_path.glob(".copy.db*"))


def test_backup_refuses_to_overwrite_without_force_and_names_missing_databases(tmp_path: Path) -> None:
    db = tmp_path / "aigc-bot.db"
    RequestLog(db).close()
    target = tmp_path / "copy.db"
    target.write_text("yesterday's backup")
    refused = aigc_bot(["backup", str(target)], env(db), tmp_path)
    assert refused.returncode == 2 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert target.read_text() == "yesterday's backup"
    forced = aigc_bot(["backup", str(target), "--force"], env(db), tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    missing = aigc_bot(["backup", str(tmp_path / "b.db")], env(tmp_path / "nothing.db"), tmp_path)
    assert missing.returncode == 2 and "no database at" in missing.stderr and "Traceback" not in missing.stderr
    assert not (tmp_path / "nothing.db").exists()


def test_export_totals_match_the_log(tmp_path: Path) -> None:
    db = tmp_path / "aigc-bot.db"
    log_db = RequestLog(db)
    add_request(log_db, **done(3))
    add_request(log_db, scene="outpaint", **done(1))
    add_request(log_db, scene="tryon", **done(2))
    add_request(log_db, status="failed", error_code="FailedOperation", task_id="task-f")
    add_request(log_db, status="invalid", error_code="Input.Invalid", scene=None)
    add_request(log_db, days_ago=40, **done(4))  # outside --since below
    log_db.close()

    result = aigc_bot(["export"], env(db, AIGC_BOT_UNIT_PRICES=PRICES), tmp_path)
    assert result.returncode == 0, result.stderr
    lines = list(csv.DictReader(io.StringIO(result.stdout)))
    with closing(sqlite3.connect(db)) as connection:
        logged = connection.execute("SELECT COUNT(*) FROM requests").fetchone()[0]
    assert len(lines) == logged == 6
    assert list(lines[0]) == [
        "created_at",
        "source",
        "team",
        "channel",
        "user",
        "scene",
        "status",
        "task_id",
        "error_code",
        "output_images",
        "duration_seconds",
        "estimated_cost",
    ]
    assert sum(int(line["output_images"]) for line in lines) == 3 + 1 + 2 + 4
    # 3 and 4 product images at 0.10, 1 outpaint at 0.08, 2 try-on at 0.25
    assert sum(Decimal(line["estimated_cost"] or "0") for line in lines) == Decimal("1.28")
    assert [line["error_code"] for line in lines if line["status"] != "done"] == ["FailedOperation", "Input.Invalid"]

    since = iso(utc_now() - timedelta(days=1))[:10]
    recent = aigc_bot(["export", "--since", since, "--format", "json"], env(db), tmp_path)
    assert recent.returncode == 0, recent.stderr
    objects = [json.loads(line) for line in recent.stdout.splitlines()]
    assert len(objects) == 5 and all(o["estimated_cost"] is None for o in objects)  # no prices set
    assert {o["scene"] for o in objects} == {"product", "outpaint", "tryon", None}

    output = tmp_path / "march.csv"
    to_file = aigc_bot(["export", "--until", since, "--output", str(output)], env(db), tmp_path)
    assert to_file.returncode == 0 and "Exported 1 request(s)" in to_file.stderr
    assert stat.S_IMODE(output.stat().st_mode) == 0o600 and len(output.read_text().splitlines()) == 2


def test_log_commands_explain_bad_input_with_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "aigc-bot.db"
    RequestLog(db).close()
    for args, extra, words in [
        (["export", "--since", "last tuesday"], {}, "not a date"),
        (["export", "--since", "2026-02-01", "--until", "2026-01-01"], {}, "--since must be before --until"),
        (["export", "--format", "xml"], {}, "invalid choice"),
        (["export"], {"AIGC_BOT_UNIT_PRICES": "product=cheap"}, "AIGC_BOT_UNIT_PRICES"),
        (["export", "--output", str(tmp_path / "no" / "such" / "x.csv")], {}, "does not exist"),
        (["purge", "--older-than", "soon"], {}, "whole number of days"),
        (["purge", "--older-than", "0"], {}, "at least 1 day"),
        (["purge"], {}, "--older-than"),
        (["backup"], {}, "path"),
    ]:
        result = aigc_bot(args, env(db, **extra), tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)


def test_check_reports_malformed_unit_prices(tmp_path: Path) -> None:
    result = aigc_bot(["check"], {"AIGC_BOT_UNIT_PRICES": "product=0.1,poster=2"}, tmp_path)
    assert result.returncode == 1
    assert "INVALID  AIGC_BOT_UNIT_PRICES" in result.stdout and "'poster=2'" in result.stdout


def test_purge_forgets_old_inputs_but_leaves_followed_and_active_rows_alone(tmp_path: Path) -> None:
    db = tmp_path / "aigc-bot.db"
    log_db = RequestLog(db)
    old_done = add_request(log_db, days_ago=40, **done(2))
    old_refused = add_request(log_db, days_ago=40, status="refused")
    followed = add_request(log_db, days_ago=40, status="submitted", task_id="task-following")
    active = add_request(log_db, days_ago=40, status="uploading")
    undelivered = add_request(log_db, days_ago=40, **done(1, delivered_at=None))
    recent = add_request(log_db, days_ago=1, **done(1))
    before = {row["id"]: row for row in created_between(log_db)}
    log_db.close()
    export_before = aigc_bot(["export"], env(db, AIGC_BOT_UNIT_PRICES=PRICES), tmp_path).stdout

    result = aigc_bot(["purge", "--older-than", "30"], env(db), tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 request(s)" in result.stdout

    log_db = RequestLog(db)
    after = {row["id"]: row for row in created_between(log_db)}
    log_db.close()
    for row_id in (followed, active, undelivered, recent):
        assert after[row_id] == before[row_id]
    purged = after[old_done]
    assert purged["prompt"] == "[purged: 15 characters]"
    assert json.loads(purged["inputs_json"]) == {"purged_characters": len(before[old_done]["inputs_json"])}
    assert json.loads(purged["request_json"]) == {"purged_characters": len(before[old_done]["request_json"])}
    assert json.loads(purged["options_json"]) == {"count": 2}
    for kept in ("status", "task_id", "output_json", "image_count", "duration_seconds", "user_id", "created_at"):
        assert purged[kept] == before[old_done][kept]
    assert after[old_refused]["prompt"] == "[purged: 15 characters]"
    # Counts and costs read the same after the purge.
    assert aigc_bot(["export"], env(db, AIGC_BOT_UNIT_PRICES=PRICES), tmp_path).stdout == export_before
    again = aigc_bot(["purge", "--older-than", "30"], env(db), tmp_path)
    assert again.returncode == 0 and "0 request(s)" in again.stdout


def test_the_running_bot_applies_the_retention_period_at_start(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_retention_days=30)
    log_db = RequestLog(settings.aigc_bot_db)
    old = add_request(log_db, days_ago=31, **done(1))
    young = add_request(log_db, days_ago=29, **done(1))
    log_db.close()
    running = RunningBot(settings).start()
    try:

        def prompts() -> dict[int, str]:
            with closing(sqlite3.connect(settings.aigc_bot_db)) as connection:
                return dict(connection.execute("SELECT id, prompt FROM requests").fetchall())

        wait_until(lambda: prompts()[old].startswith("[purged:"), what="the old prompt purged")
        assert prompts()[young] == "a mug on marble"
    finally:
        running.stop()
