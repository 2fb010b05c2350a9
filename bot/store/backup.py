"""A consistent copy of the live SQLite log, taken with SQLite's own online backup API.

Copying the file with `cp` while the bot writes can catch a half-written page, and misses whatever still sits in
the -wal file. The backup API copies the database as one read transaction sees it: every committed row, nothing
half-done, and the bot keeps writing meanwhile (WAL readers do not block the writer).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bot.errors import BotError


class BackupRefused(BotError):
    """The backup was not taken; the message says why in one sentence."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    requests: int
    bytes: int


def open_existing(path: Path) -> sqlite3.Connection:
    """A connection to the database at `path`, which must already exist: never create an empty one by mistake."""
    if not path.is_file():
        raise BackupRefused(f"There is no database at {path} (AIGC_BOT_DB).")
    connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=rw", uri=True, timeout=10.0)
    connection.execute("PRAGMA busy_timeout = 10000")
    return connection


def _private_temp(target: Path) -> Path:
    """An empty file beside `target`, readable by its owner only from the moment it exists."""
    temporary = target.with_name(f".{target.name}.{os.getpid()}.partial")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(descriptor)
    return temporary


def back_up(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the database at `source` to `target` (mode 0600) while the bot may be writing to it.

    The copy is written beside `target` and renamed into place only once complete and checked, so `target` is
    never a half-written file.
    """
    if target.exists() and not force:
        raise BackupRefused(f"{target} already exists; pass --force to overwrite it.")
    if target.exists() and target.is_dir():
        raise BackupRefused(f"{target} is a directory; give a file name for the backup.")
    if not target.parent.is_dir():
        raise BackupRefused(f"The folder {target.parent} does not exist.")
    if target.resolve() == source.resolve():
        raise BackupRefused("The backup cannot be written over the live database itself.")
    live = open_existing(source)
    temporary = _private_temp(target)
    try:
        copy = sqlite3.connect(str(temporary))
        try:
            # One step copies every page inside a single read transaction: a consistent snapshot.
            live.backup(copy)
            # A plain rollback-journal file is one self-contained file, easy to move and to restore.
            copy.execute("PRAGMA journal_mode = DELETE")
            check = copy.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupRefused(f"The copy failed SQLite's integrity check ({check}); the backup was not kept.")
            requests = int(copy.execute("SELECT COUNT(*) FROM requests").fetchone()[0])
        finally:
            copy.close()
        os.chmod(temporary, 0o600)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    finally:
        live.close()
    return BackupResult(path=target, requests=requests, bytes=target.stat().st_size)
