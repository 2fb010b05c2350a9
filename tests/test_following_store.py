"""What the follower asks of the log: due rows, leases, look-ups, undelivered results, the next wake-up."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store import following
from bot.store.db import TASK_ID_UNKNOWN, RequestLog, Status, iso, parse_iso, utc_now

NOW = parse_iso(iso(utc_now()))  # whole milliseconds, as the log keeps them
KEYS = itertools.count()


@pytest.fixture
def log_db(tmp_path: Path) -> Iterator[RequestLog]:
    opened = RequestLog(tmp_path / "log.db")
    yield opened
    opened.close()


def add_row(log_db: RequestLog, **fields: Any) -> int:
    row_id = log_db.claim({"source": "slash_command", "dedupe_key": f"k{next(KEYS)}"})
    assert row_id is not None
    log_db.update(row_id, scene="outpaint", **fields)
    return row_id


def followed(log_db: RequestLog, due_in: float, **fields: Any) -> int:
    fields.setdefault("task_id", "task")
    return add_row(log_db, status=Status.SUBMITTED, follow_next_at=iso(NOW + timedelta(seconds=due_in)), **fields)


def test_due_for_follow_lists_free_due_rows_most_overdue_first_up_to_the_limit(log_db: RequestLog) -> None:
    late, later, latest = followed(log_db, -1), followed(log_db, -5), followed(log_db, -10)
    followed(log_db, 30)  # not due yet
    followed(log_db, -20, task_id=None, session_id="s")  # a look-up, not a check
    add_row(log_db, status=Status.DONE, task_id="t", follow_next_at=iso(NOW - timedelta(seconds=40)))
    followed(log_db, -30, follow_owner="other", follow_lease_until=iso(NOW + timedelta(minutes=1)))
    expired_lease = followed(log_db, -2, follow_owner="dead", follow_lease_until=iso(NOW - timedelta(seconds=1)))
    assert following.due_for_follow(log_db, now=NOW, limit=10) == [latest, later, expired_lease, late]
    assert following.due_for_follow(log_db, now=NOW, limit=2) == [latest, later]


def test_of_two_workers_taking_one_row_exactly_one_wins_until_the_lease_ends(log_db: RequestLog) -> None:
    row_id = followed(log_db, -1)
    until = NOW + timedelta(minutes=2)
    take = {"statuses": (Status.SUBMITTED,), "now": NOW, "until": until}
    assert following.take_lease(log_db, row_id, worker="one", **take)
    assert not following.take_lease(log_db, row_id, worker="two", **take)
    assert not following.take_lease(log_db, row_id, worker="one", **take)
    assert following.take_lease(log_db, row_id, worker="one", renew_own=True, **take)
    after_lease = {
        "statuses": (Status.SUBMITTED,),
        "now": until + timedelta(seconds=1),
        "until": until + timedelta(minutes=2),
    }
    assert following.take_lease(log_db, row_id, worker="two", **after_lease)
    assert (log_db.get(row_id) or {})["follow_owner"] == "two"


def test_a_lease_is_taken_only_in_the_statuses_named(log_db: RequestLog) -> None:
    row_id = add_row(log_db, status=Status.DONE, task_id="t")
    until = NOW + timedelta(minutes=2)
    assert not following.take_lease(log_db, row_id, worker="one", statuses=(Status.SUBMITTED,), now=NOW, until=until)
    assert following.take_lease(
        log_db, row_id, worker="one", statuses=(Status.DONE, Status.FAILED), now=NOW, until=until
    )


def test_releasing_frees_one_row_or_every_row_of_a_worker(log_db: RequestLog) -> None:
    until = iso(NOW + timedelta(minutes=2))
    mine = [followed(log_db, -1, follow_owner="me", follow_lease_until=until) for _ in range(3)]
    theirs = followed(log_db, -1, follow_owner="them", follow_lease_until=until)
    assert set(following.lease_holders(log_db, now=NOW)) == {"me", "them"}
    following.release_lease(log_db, mine[0])
    assert following.release_leases_of(log_db, "me") == 2
    assert following.due_for_follow(log_db, now=NOW, limit=10) == mine
    assert (log_db.get(theirs) or {})["follow_owner"] == "them"
    assert following.lease_holders(log_db, now=NOW) == ["them"]
    assert following.lease_holders(log_db, now=NOW + timedelta(minutes=3)) == []


def test_lookups_due_are_submitted_rows_without_a_task_id_but_with_a_session_id(log_db: RequestLog) -> None:
    due = followed(log_db, -1, task_id=None, session_id="s1")
    followed(log_db, 30, task_id=None, session_id="s2")  # not yet
    followed(log_db, -1, task_id=None, session_id=None)  # nothing to look for
    followed(log_db, -1)  # has its TaskId
    assert following.lookups_due(log_db, now=NOW) == [due]


def test_expired_lookups_are_those_older_than_the_timeout_and_free(log_db: RequestLog) -> None:
    old = iso(NOW - timedelta(minutes=40))
    expired = followed(log_db, 5, task_id=None, session_id="s1", submitted_at=old)
    followed(log_db, 5, task_id=None, session_id="s2", submitted_at=iso(NOW - timedelta(minutes=1)))
    held = iso(NOW + timedelta(minutes=1))
    followed(log_db, 5, task_id=None, session_id="s3", submitted_at=old, follow_owner="x", follow_lease_until=held)
    found = following.expired_lookups(log_db, now=NOW, timeout=timedelta(minutes=30))
    assert [row["id"] for row in found] == [expired]


def test_undelivered_lists_finished_results_not_yet_in_slack_unless_put_off(log_db: RequestLog) -> None:
    finished = iso(NOW - timedelta(seconds=5))
    done = add_row(log_db, status=Status.DONE, task_id="t1", finished_at=finished)
    lost = add_row(log_db, status=Status.FAILED, error_code=TASK_ID_UNKNOWN, finished_at=finished)
    add_row(log_db, status=Status.DONE, task_id="t2", finished_at=finished, delivered_at=finished)  # delivered
    add_row(log_db, status=Status.FAILED, error_code="Refused", finished_at=finished)  # never reached Tencent
    put_off = add_row(log_db, status=Status.DONE, task_id="t3", finished_at=finished)
    following.schedule_follow(log_db, put_off, at=NOW + timedelta(seconds=10), attempts=1)
    assert following.undelivered(log_db, now=NOW) == [done, lost]
    assert following.undelivered(log_db, now=NOW + timedelta(seconds=11)) == [done, lost, put_off]
    following.mark_delivered(log_db, done, at=NOW)
    assert following.undelivered(log_db, now=NOW) == [lost]


def test_awaiting_task_id_matches_by_session_id_or_the_context_naming_the_row(log_db: RequestLog) -> None:
    first = add_row(log_db, status=Status.SUBMITTED, session_id="s1")
    second = add_row(log_db, status=Status.SUBMITTED, session_id="s2")
    add_row(log_db, status=Status.SUBMITTED, session_id="s3", task_id="known")
    by_id = following.awaiting_task_id(log_db, session_id="s1", session_context=None)
    assert [r["id"] for r in by_id] == [first]
    by_context = following.awaiting_task_id(log_db, session_id=None, session_context=f"aigc-bot request {second}")
    assert [r["id"] for r in by_context] == [second]
    assert following.awaiting_task_id(log_db, session_id="s3", session_context=None) == []


def test_next_check_at_is_the_earliest_planned_check_of_a_followed_row(log_db: RequestLog) -> None:
    assert following.next_check_at(log_db) is None
    followed(log_db, 20)
    soonest = followed(log_db, 3)
    add_row(log_db, status=Status.DONE, task_id="t", follow_next_at=iso(NOW - timedelta(seconds=1)))
    assert following.next_check_at(log_db) == NOW + timedelta(seconds=3)
    following.schedule_follow(log_db, soonest, at=NOW + timedelta(seconds=1), attempts=2, progress=40)
    row = log_db.get(soonest) or {}
    assert following.next_check_at(log_db) == NOW + timedelta(seconds=1)
    assert (row["follow_attempts"], row["progress"], row["follow_owner"]) == (2, 40, None)
    # A result Slack did not take is tried again at its planned time too.
    put_off = add_row(log_db, status=Status.DONE, task_id="t4", finished_at=iso(NOW))
    following.schedule_follow(log_db, put_off, at=NOW + timedelta(milliseconds=500), attempts=1)
    assert following.next_check_at(log_db) == NOW + timedelta(milliseconds=500)
    following.mark_delivered(log_db, put_off, at=NOW)
    assert following.next_check_at(log_db) == NOW + timedelta(seconds=1)


def test_recent_durations_are_the_scene_s_finished_tasks_newest_first(log_db: RequestLog) -> None:
    for seconds in (10.0, 20.0, 30.0):
        add_row(log_db, status=Status.DONE, duration_seconds=seconds, options_json='{"count": 2}')
    add_row(log_db, status=Status.FAILED, duration_seconds=99.0)
    add_row(log_db, status=Status.DONE, duration_seconds=None)
    assert following.recent_durations(log_db, "outpaint", limit=2) == [('{"count": 2}', 30.0), ('{"count": 2}', 20.0)]
    assert following.recent_durations(log_db, "product", limit=5) == []
