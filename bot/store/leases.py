"""Who holds a follow-up lease, and taking back the leases of a process that died on this machine.

A worker's name is `host:pid-random`. When the bot is killed and started again, the old process's leases
would keep its tasks unchecked until they run out (minutes); a new process on the same host can tell the old
one is gone (no such pid, or the pid is its own) and release them at once. Workers on other hosts are never
judged: their leases simply run out.
"""

from __future__ import annotations

import os
import socket
import uuid

from bot.store import following
from bot.store.db import RequestLog, utc_now


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _pid_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, under another user
    return False


def _abandoned(owner: str, me: str) -> bool:
    host, _, rest = owner.rpartition(":")
    pid_text = rest.split("-", 1)[0]
    if owner == me or host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    # Our own pid under another name was an earlier process (a restarted container is often pid 1 again).
    return pid == os.getpid() or _pid_gone(pid)


def release_abandoned(log_db: RequestLog, me: str) -> int:
    """Free every unexpired lease held by a dead process on this host; returns how many rows were freed."""
    holders = following.lease_holders(log_db, now=utc_now())
    return sum(following.release_leases_of(log_db, owner) for owner in holders if _abandoned(owner, me))
