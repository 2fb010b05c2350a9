"""A request log with a long history, written straight into SQLite: what a busy workspace leaves after months.

Rows look like the ones the bot writes (the same columns, values of their real sizes: prompts, request bodies,
output URLs), spread evenly over `days` days up to now, from `users` people in `channels` channels, about 85%
done. All of them are settled (delivered, nothing followed or pending), as old rows are in a real log, so a
running bot sees a year of history and none of it as work of its own.

Used by tests/test_query_plans.py (a few thousand rows) and benchmarks/scale.py (a million).
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.store.batches import BatchStore
from bot.store.db import REQUEST_COLUMNS, REQUEST_INDEXES, RequestLog, dumps, iso, utc_now
from bot.store.presets import PresetStore
from bot.store.tally import SCHEMAS

TEAM_ID = "T0001"
# Rows per transaction: big enough that commits cost nothing next to the rows.
CHUNK = 50_000
SCENES = ("product", "product", "product", "outpaint", "tryon")
# (status, error_code, share): the mix of a log where most requests succeed.
OUTCOMES = (
    ("done", None, 0.85),
    ("failed", "FailedOperation.GenerateFailed", 0.07),
    ("invalid", "InvalidInput", 0.04),
    ("refused", "DailyCapReached", 0.04),
)
PROMPT = (
    "white porcelain coffee mug on a walnut table, soft morning light from the left, shallow depth of field, "
    "clean studio background, product photography"
)


def schema_key() -> str:
    """Changes whenever the columns or indexes of `requests`, or the counts kept of it, do, so a log built for
    another schema is never reused (the bot would spend its start-up migrating it)."""
    described = ",".join(f"{name}:{kind.__name__}" for name, kind in REQUEST_COLUMNS.items())
    counts = [statement for schema in SCHEMAS.values() for statement in schema]
    return hashlib.sha256("\n".join([described, *REQUEST_INDEXES, *counts]).encode()).hexdigest()[:12]


def _outcome(roll: float) -> tuple[str, str | None]:
    for status, code, share in OUTCOMES:
        if roll < share:
            return status, code
        roll -= share
    return OUTCOMES[0][0], OUTCOMES[0][1]


def history_rows(count: int, *, days: int, users: int, channels: int, seed: int = 18) -> Iterator[dict[str, Any]]:
    """`count` settled requests, oldest first, spread over the `days` days before now."""
    chance = random.Random(seed)
    end = utc_now() - timedelta(minutes=5)
    span = timedelta(days=days).total_seconds()
    for n in range(count):
        created = end - timedelta(seconds=span * (count - n) / count)
        status, code = _outcome(chance.random())
        scene = SCENES[n % len(SCENES)]
        user = f"U{chance.randrange(users):07d}"
        channel = f"C{chance.randrange(channels):07d}"
        images = 1 + n % 4
        ts = f"{created.timestamp():.6f}"
        session = f"aigc-{n:012x}{chance.getrandbits(64):016x}"
        reached_tencent = status in ("done", "failed")
        task_id = f"1500000001-AigcImage{scene}-{chance.getrandbits(128):032x}" if reached_tencent else None
        finished = created + timedelta(seconds=20 + n % 40)
        source = "batch" if n % 50 == 0 else ("cli" if n % 97 == 0 else "slash_command")
        inputs = {"text": f"{scene} https://shop.example/catalogue/{n:08d}/front.jpg {PROMPT[: 40 + n % 60]}"}
        options = {"ratio": "1:1", "count": images, "storage": "Temporary"}
        request = {
            "SubAppId": 1500000001,
            "SceneInfo": {"Type": scene, "ProductImageConfig": {"Prompt": PROMPT, "OutputImageCount": images}},
            "FileInfos": [{"Type": "Url", "Url": f"https://shop.example/catalogue/{n:08d}/front.jpg"}],
            "OutputConfig": {"StorageMode": "Temporary", "AspectRatio": "1:1", "ImageWidth": 1024},
            "SessionId": session,
            "SessionContext": f"aigc-bot request {n + 1}",
        }
        outputs = [
            {
                "url": f"https://1500000001.vod2.myqcloud.com/{chance.getrandbits(64):016x}/aigc/{k}.png"
                f"?t={int(finished.timestamp()):x}&sign={chance.getrandbits(128):032x}",
                "file_id": f"5145403{chance.getrandbits(40):013d}",
            }
            for k in range(images)
        ]
        yield {
            "created_at": iso(created),
            "updated_at": iso(finished),
            "source": source,
            "team_id": "" if source == "cli" else TEAM_ID,
            "channel_id": None if source == "cli" else channel,
            "user_id": "mia" if source == "cli" else user,
            "thread_ts": ts,
            "parent_ts": ts,
            "scene": scene,
            "prompt": PROMPT,
            "image_count": images,
            "options_json": dumps(options),
            "inputs_json": dumps(inputs),
            "request_json": dumps(request) if reached_tencent else None,
            "status": status,
            "task_id": task_id,
            "request_id": f"{chance.getrandbits(128):032x}" if reached_tencent else None,
            "error_code": code,
            "error_message": None if code is None else "The image could not be generated; try another picture.",
            "dedupe_key": f"slash:{TEAM_ID}:{n}.{chance.getrandbits(48):x}",
            "session_id": session if reached_tencent else None,
            "progress": 100 if status == "done" else None,
            "output_json": dumps(outputs) if status == "done" else None,
            "submitted_at": iso(created + timedelta(seconds=1)) if reached_tencent else None,
            "finished_at": iso(finished),
            "duration_seconds": float(20 + n % 40) if reached_tencent else None,
            "follow_attempts": 6 if reached_tencent else None,
            "delivered_at": iso(finished + timedelta(seconds=2)) if reached_tencent else None,
            "images_posted_at": iso(finished + timedelta(seconds=2)) if status == "done" else None,
            "response_url": f"https://hooks.slack.com/commands/{TEAM_ID}/{n}/{chance.getrandbits(96):024x}",
            "announced_at": iso(created + timedelta(milliseconds=300)),
            "batch_id": None,
            "batch_row": None,
        }


def write_history(path: Path, count: int, *, days: int = 365, users: int = 300, channels: int = 60) -> Path:
    """Create the log at `path` as the bot would (schema, indexes, tally), with `count` rows of history.

    The rows go in before the indexes and the tally: building those once from sorted rows is far quicker than
    keeping them up to date row by row.
    """
    _open_as_the_bot(path)
    connection = sqlite3.connect(str(path))
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        _drop_indexes_and_tally(connection)
        columns: list[str] | None = None
        chunk: list[tuple[Any, ...]] = []
        for row in history_rows(count, days=days, users=users, channels=channels):
            if columns is None:
                columns = list(row)
            chunk.append(tuple(row.values()))
            if len(chunk) >= CHUNK:
                _insert(connection, columns, chunk)
                chunk = []
        if columns is not None and chunk:
            _insert(connection, columns, chunk)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    _open_as_the_bot(path)
    return path


def _open_as_the_bot(path: Path) -> None:
    """Open the log the way the running bot does, creating what it creates: tables, indexes and the tally."""
    opened = RequestLog(path)
    try:
        BatchStore(opened)
        PresetStore(opened)
    finally:
        opened.close()


def _drop_indexes_and_tally(connection: sqlite3.Connection) -> None:
    found = connection.execute(
        "SELECT type, name FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('index', 'trigger')"
        " AND tbl_name = 'requests'"
    ).fetchall()
    with connection:
        for kind, name in found:
            connection.execute(f"DROP {kind.upper()} {name}")
        for table in SCHEMAS:
            connection.execute(f"DROP TABLE {table}")


def _insert(connection: sqlite3.Connection, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    statement = f"INSERT INTO requests ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    with connection:
        connection.executemany(statement, rows)
