"""Requests that arrive together are logged with one commit, and none is answered before it is committed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.claims import ClaimBatch
from bot.db import RequestLog


def test_rows_claimed_together_share_one_commit_and_a_repeated_dedupe_key_is_refused(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    statements: list[str] = []
    log_db.db.conn.set_trace_callback(statements.append)
    batch = ClaimBatch(log_db)

    async def burst() -> list[int | None]:
        rows = [{"source": "slash_command", "dedupe_key": f"slash:T1:{n}", "scene": "outpaint"} for n in range(20)]
        rows.append({"source": "slash_command", "dedupe_key": "slash:T1:3", "scene": "outpaint"})  # Slack's retry
        return list(await asyncio.gather(*(batch.claim(row) for row in rows)))

    try:
        ids = asyncio.run(burst())
        assert ids[:20] == list(range(1, 21)) and ids[20] is None
        assert sum(1 for s in statements if s.strip().upper() == "COMMIT") == 1
        assert len(log_db.query("SELECT id FROM requests")) == 20
    finally:
        log_db.close()


def test_a_claim_returns_only_once_its_row_is_readable_by_another_connection(tmp_path: Path) -> None:
    log_db, reader = RequestLog(tmp_path / "log.db"), RequestLog(tmp_path / "log.db")
    batch = ClaimBatch(log_db)
    try:
        row_id = asyncio.run(batch.claim({"source": "modal", "dedupe_key": "view:T1:V1", "scene": "product"}))
        assert reader.get(int(row_id or 0)) is not None
        assert batch.pending() == []
    finally:
        log_db.close()
        reader.close()


def test_a_row_with_a_column_the_log_does_not_have_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    try:
        rows = [{"source": "modal", "dedupe_key": "view:T1:V1"}, {"source": "modal", "no_such_column": 1}]
        with pytest.raises(KeyError, match="no_such_column"):
            log_db.claim_many(rows)
        assert log_db.query("SELECT id FROM requests") == []
    finally:
        log_db.close()
