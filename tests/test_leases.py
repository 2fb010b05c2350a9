"""Leases of a process that died on this machine are taken back at once; live or remote holders keep theirs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from bot.store import leases
from bot.store.db import RequestLog, iso, utc_now


def _dead_pid() -> int:
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(finished.stdout)


def test_only_the_leases_of_dead_local_processes_are_released(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    host = socket.gethostname()
    holders = {
        "dead here": f"{host}:{_dead_pid()}-aaaaaaaa",
        "alive here": f"{host}:{os.getppid()}-bbbbbbbb",
        "elsewhere": f"another-host:{_dead_pid()}-cccccccc",
        "me": leases.worker_name(),
    }
    until = iso(utc_now() + timedelta(minutes=2))
    for index, owner in enumerate(holders.values()):
        row_id = log_db.claim({"source": "slash_command", "dedupe_key": f"k{index}", "scene": "outpaint"})
        assert row_id is not None
        log_db.update(row_id, status="submitted", follow_owner=owner, follow_lease_until=until)
    try:
        assert leases.release_abandoned(log_db, holders["me"]) == 1
        kept = {row["follow_owner"] for row in log_db.query("SELECT follow_owner FROM requests")}
        assert kept == {None, holders["alive here"], holders["elsewhere"], holders["me"]}
    finally:
        log_db.close()


def test_a_worker_name_says_where_it_runs() -> None:
    name = leases.worker_name()
    assert name.startswith(f"{socket.gethostname()}:{os.getpid()}-")
