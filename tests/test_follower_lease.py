"""Two followers sharing one log (two processes, or a restart overlapping the old one) never split a task."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from slack_sdk.web.async_client import AsyncWebClient

from bot.follow.follower import Follower
from bot.follow.schedule import PollPolicy
from bot.store.db import RequestLog, Status, iso, utc_now
from bot.tencent.vod import VodClient


def follower(log_db: RequestLog, name: str) -> Follower:
    vod = VodClient(secret_id="AKIDx", secret_key=SecretStr("k"), sub_app_id=1, endpoint="http://127.0.0.1:9")
    return Follower(
        vod=vod,
        log_db=log_db,
        slack=AsyncWebClient(token="xoxb-x"),
        http=httpx.AsyncClient(),
        policy=PollPolicy(),
        worker_name=name,
    )


@pytest.fixture
def two_logs(tmp_path: Path) -> Iterator[tuple[RequestLog, RequestLog]]:
    """One database opened twice, as by two processes."""
    first_db, second_db = RequestLog(tmp_path / "log.db"), RequestLog(tmp_path / "log.db")
    yield first_db, second_db
    first_db.close()
    second_db.close()


def test_each_due_task_is_claimed_by_exactly_one_worker(two_logs: tuple[RequestLog, RequestLog]) -> None:
    first_db, second_db = two_logs
    for index in range(30):
        row_id = first_db.claim({"source": "slash_command", "dedupe_key": f"k{index}", "scene": "outpaint"})
        assert row_id is not None
        first_db.update(row_id, status=Status.SUBMITTED, task_id=f"task-{index}", follow_next_at=iso(utc_now()))
    one, two = follower(first_db, "one"), follower(second_db, "two")
    claimed_one, claimed_two = [], []
    for _ in range(15):  # interleave the two workers' claims
        claimed_one += one.scheduler.claim_due()
        claimed_two += two.scheduler.claim_due()
    assert not set(claimed_one) & set(claimed_two)
    assert sorted(claimed_one + claimed_two) == list(range(1, 31))
    owners = {r["id"]: r["follow_owner"] for r in first_db.query("SELECT id, follow_owner FROM requests")}
    assert all(owners[i] == "one" for i in claimed_one) and all(owners[i] == "two" for i in claimed_two)
    # Leases hold until they run out or are released.
    assert one.scheduler.claim_due() == [] and two.scheduler.claim_due() == []
