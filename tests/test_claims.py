"""Requests that arrive together are logged with one commit, and none is answered before it is committed."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from bot.store import claims
from bot.store.claims import ClaimBatch, claim_many
from bot.store.db import RequestLog


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
    finally:
        log_db.close()
        reader.close()


def test_a_row_with_a_column_the_log_does_not_have_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    try:
        rows = [{"source": "modal", "dedupe_key": "view:T1:V1"}, {"source": "modal", "no_such_column": 1}]
        with pytest.raises(KeyError, match="no_such_column"):
            claim_many(log_db, rows)
        assert log_db.query("SELECT id FROM requests") == []
    finally:
        log_db.close()


def command_row(n: int, *, user: str = "U1", text: str = "product https://x.test/a.png") -> dict[str, object]:
    inputs = f'{{"images":["url:https://x.test/a.png"],"clothes":[],"text":["{text}"]}}'
    return {
        "source": "slash_command",
        "team_id": "T1",
        "user_id": user,
        "channel_id": "C1",
        "inputs_json": inputs,
        "dedupe_key": f"slash:T1:{n}",
    }


def test_a_command_repeated_in_the_same_batch_or_moments_after_a_logged_one_is_left_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(claims, "REPEAT_CHECK_CHUNK", 2)  # several statements, as for a very large burst
    log_db = RequestLog(tmp_path / "log.db")
    statements: list[str] = []
    log_db.db.conn.set_trace_callback(statements.append)
    batch = ClaimBatch(log_db, repeat_within=timedelta(seconds=10))
    try:
        [logged] = claim_many(log_db, [command_row(0, user="U0")])
        refused = claim_many(log_db, [{**command_row(1, user="U9"), "status": "refused"}])[0]

        async def burst() -> list[object]:
            rows = [
                command_row(2, user="U0"),  # the same as the row logged just before
                command_row(3),
                command_row(4),  # the same as the one ahead of it in this batch
                command_row(5, text="product https://x.test/a.png red"),  # other words: not the same
                command_row(6, user="U9"),  # the same as a refused row, which does not count
            ]
            claims = [batch.claim(row, check_repeat=True) for row in rows]
            claims.append(batch.claim(command_row(7)))  # not checked
            return list(await asyncio.gather(*claims))

        statements.clear()
        ids = asyncio.run(burst())
        assert isinstance(logged, int) and isinstance(refused, int)
        assert [claimed is claims.REPEAT for claimed in ids] == [True, False, True, False, False, False]
        assert sum(1 for s in statements if s.strip().upper() == "COMMIT") == 1
        assert len(log_db.query("SELECT id FROM requests")) == 2 + 4
    finally:
        log_db.close()


def test_a_command_logged_longer_ago_than_the_window_is_not_a_repeat(tmp_path: Path) -> None:
    log_db = RequestLog(tmp_path / "log.db")
    try:
        claim_many(log_db, [{**command_row(0), "created_at": "2020-01-01T00:00:00.000Z"}])
        [claimed] = claim_many(log_db, [command_row(1)], repeat_checked=[True], repeat_within=timedelta(seconds=10))
        assert isinstance(claimed, int)
    finally:
        log_db.close()
