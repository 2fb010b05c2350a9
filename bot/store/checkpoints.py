"""Moving the log's write-ahead file into the database from a thread of its own.

In WAL mode with `synchronous = NORMAL` a commit writes to the write-ahead file without waiting for the disk;
the disk waits happen at checkpoints, when the file's pages are copied into the database and both are flushed.
SQLite runs a checkpoint inside whichever commit finds the file past 1000 pages, so one request in a few
hundred would pay for a flush before its ack, and on a slow or shared disk that flush takes milliseconds to
seconds. The serving bot turns that off for its own connection and checkpoints here instead, on a connection
of this thread's, where the flush holds up no one (Python's sqlite3 lets go of the GIL while SQLite works).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# How often the write-ahead file is copied into the database: often enough that it stays small.
CHECKPOINT_SECONDS = 1.0
# The write-ahead file is cut back to this size after a checkpoint, so one busy hour does not keep it large.
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


class Checkpointer:
    """A daemon thread that checkpoints the database at `path` every `every` seconds until `stop()`."""

    def __init__(self, path: Path, every: float = CHECKPOINT_SECONDS) -> None:
        self.path = path
        self.every = every
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoints", daemon=True)

    def start(self) -> Checkpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop after the checkpoint under way, if any; the last connection to close checkpoints what is left."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        connection = sqlite3.connect(str(self.path), timeout=1.0)
        try:
            connection.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT_BYTES}")
            while not self._stopping.wait(self.every):
                self._checkpoint(connection)
        finally:
            connection.close()

    def _checkpoint(self, connection: sqlite3.Connection) -> None:
        try:
            # PASSIVE: copy what can be copied now, never waiting for the bot's readers or writers.
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as error:  # another process checkpointing, a locked file: the next turn tries again
            log.debug("checkpoint skipped: %s", error)
