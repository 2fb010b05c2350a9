"""The request log's named methods, and the store's functions over it, one by one: what each is asked and what
it answers.

Each test opens a small log in its own folder, writes rows through the public API (`claim`, `update`,
`remember_file_id`) and reads them back through the method or function it describes.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.store.batches import BatchStore
from bot.store.claims import REPEAT, claim_many
from bot.store.counts import StatusCount, daily_count, status_counts
from bot.store.db import (
    COMMAND_LINE_TEAM,
    RequestLog,
    RequestRow,
    Status,
    iso,
    utc_now,
)
from bot.store.export import created_between
from bot.store.find import by_task_id, latest_for_session, recent_for_user
from bot.store.slack_files import cached_file_id, remember_file_id
from bot.store.unfinished import unfinished
from tests.conftest import wait_until

ROOT = Path(__file__).resolve().parent.parent
DAY = "2026-03-02"
MORNING = f"{DAY}T08:00:00.000Z"
EVENING = f"{DAY}T20:00:00.000Z"
DAY_BEFORE = "2026-03-01T23:59:59.999Z"
_KEYS = itertools.count(1)


@pytest.fixture
def log_db(tmp_path: Path) -> Iterator[RequestLog]:
    opened = RequestLog(tmp_path / "log.db")
    try:
        yield opened
    finally:
        opened.close()


def claim(log_db: RequestLog, **fields: Any) -> int:
    """Log one request from team T1 in channel C1, with a dedupe_key of its own unless `fields` gives one."""
    row: dict[str, Any] = {
        "source": "slash_command",
        "team_id": "T1",
        "channel_id": "C1",
        "user_id": "U1",
        "scene": "outpaint",
    }
    row.update(fields)
    row.setdefault("dedupe_key", f"key-{next(_KEYS)}")
    row_id = log_db.claim(row)
    assert row_id is not None
    return row_id


# -- the schema -------------------------------------------------------------------------------------------


def test_a_request_row_names_every_column_of_requests_and_a_read_row_has_exactly_those(log_db: RequestLog) -> None:
    row = log_db.get(claim(log_db))
    assert row is not None and list(row) == list(RequestRow.__annotations__)
    table = {name: (kind, not_null) for _, name, kind, not_null, *_ in log_db.db.execute("PRAGMA table_info(requests)")}
    assert table["status"] == ("TEXT", 1) and table["created_at"] == ("TEXT", 1) and table["prompt"] == ("TEXT", 0)
    assert table["batch_id"] == ("INTEGER", 0) and table["duration_seconds"] == ("REAL", 0)


def test_a_log_written_before_a_column_existed_gets_it_and_keeps_its_rows_and_triggers(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = RequestLog(path)
    row_id = claim(old)
    old.db.execute("ALTER TABLE requests DROP COLUMN image_notes")
    old.close()
    log_db = RequestLog(path)
    log_db.update(row_id, image_notes="a.heic: converted to JPEG", status=Status.DONE)
    assert (log_db.get(row_id) or {})["image_notes"] == "a.heic: converted to JPEG"
    assert [(count.status, count.total) for count in status_counts(log_db)] == [("done", 1)]
    log_db.close()


def test_statuses_are_stored_as_their_plain_names(log_db: RequestLog) -> None:
    assert [str(status) for status in Status] == [
        "received",
        "uploading",
        "submitting",
        "submitted",
        "done",
        "failed",
        "invalid",
        "refused",
    ]
    row_id = claim(log_db)
    log_db.update(row_id, status=Status.DONE)
    row = log_db.get(row_id)
    assert row is not None and row["status"] == "done" and type(row["status"]) is str


# -- writing ----------------------------------------------------------------------------------------------


def test_claim_logs_a_new_request_as_received_and_refuses_a_repeated_dedupe_key(log_db: RequestLog) -> None:
    first = log_db.claim({"source": "modal", "dedupe_key": "view:T1:V1", "scene": "product"})
    again = log_db.claim({"source": "modal", "dedupe_key": "view:T1:V1", "scene": "product"})
    assert first is not None and again is None
    row = log_db.get(first)
    assert row is not None
    assert (row["status"], row["source"], row["scene"]) == (Status.RECEIVED, "modal", "product")
    assert row["created_at"] == row["updated_at"]


def test_claim_many_gives_each_row_its_id_or_none_for_a_repeat(log_db: RequestLog) -> None:
    rows = [{"source": "slash_command", "dedupe_key": key} for key in ("a", "b", "a", "c")]
    assert claim_many(log_db, rows) == [1, 2, None, 3]


def test_update_sets_the_given_columns_and_refuses_a_name_that_is_not_a_column(log_db: RequestLog) -> None:
    row_id = claim(log_db, created_at=MORNING, updated_at=MORNING)
    log_db.update(row_id, status=Status.SUBMITTED, task_id="task-1")
    row = log_db.get(row_id)
    assert row is not None
    assert (row["status"], row["task_id"]) == ("submitted", "task-1")
    assert row["updated_at"] > MORNING
    with pytest.raises(KeyError, match="not a column of requests: api_key"):
        log_db.update(row_id, api_key="secret")


# -- finding one request ----------------------------------------------------------------------------------


def test_get_answers_none_for_an_id_never_logged(log_db: RequestLog) -> None:
    assert log_db.get(claim(log_db) + 1) is None


def test_by_task_id_answers_the_latest_request_under_that_task_id(log_db: RequestLog) -> None:
    claim(log_db, task_id="task-1", user_id="U1")
    latest = claim(log_db, task_id="task-1", user_id="U2")
    claim(log_db, task_id="task-2")
    row = by_task_id(log_db, "task-1")
    assert row is not None and row["id"] == latest
    assert by_task_id(log_db, "task-9") is None


def test_latest_for_session_answers_the_latest_request_sent_under_that_session_id(log_db: RequestLog) -> None:
    claim(log_db, session_id="aigc-1")
    latest = claim(log_db, session_id="aigc-1", status=Status.SUBMITTED)
    row = latest_for_session(log_db, "aigc-1")
    assert row is not None and (row["id"], row["status"], row["task_id"]) == (latest, "submitted", None)
    assert latest_for_session(log_db, "aigc-2") is None
    # A SessionId chosen twice: the request Tencent ran holds it, not the refused copy logged after it.
    held = claim(log_db, session_id="spring-sale", status=Status.DONE, task_id="task-9")
    claim(log_db, session_id="spring-sale", status=Status.REFUSED, error_code="SessionIdTaken")
    row = latest_for_session(log_db, "spring-sale")
    assert row is not None and (row["id"], row["task_id"]) == (held, "task-9")


# -- lists of requests ------------------------------------------------------------------------------------


def test_recent_for_user_answers_one_persons_latest_requests_in_one_workspace_newest_first(
    log_db: RequestLog,
) -> None:
    mine = [claim(log_db, user_id="U1") for _ in range(4)]
    claim(log_db, user_id="U2")
    claim(log_db, user_id="U1", team_id="T2")
    rows = recent_for_user(log_db, team_id="T1", user_id="U1", limit=3)
    assert [row["id"] for row in rows] == mine[::-1][:3]


def test_created_between_answers_the_requests_of_a_half_open_span_oldest_first(log_db: RequestLog) -> None:
    before = claim(log_db, created_at=DAY_BEFORE)
    morning = claim(log_db, created_at=MORNING)
    evening = claim(log_db, created_at=EVENING)
    assert [r["id"] for r in created_between(log_db, since=MORNING, until=EVENING)] == [morning]
    assert [r["id"] for r in created_between(log_db, since=MORNING)] == [morning, evening]
    assert [r["id"] for r in created_between(log_db, until=MORNING)] == [before]
    assert [r["id"] for r in created_between(log_db)] == [before, morning, evening]


# -- counts -----------------------------------------------------------------------------------------------


def test_daily_count_counts_the_days_requests_that_reached_tencent_or_may_still(log_db: RequestLog) -> None:
    for status in (Status.RECEIVED, Status.SUBMITTED, Status.DONE, Status.FAILED):
        claim(log_db, created_at=MORNING, status=status)
    claim(log_db, created_at=MORNING, status=Status.REFUSED)  # never reached Tencent
    claim(log_db, created_at=MORNING, status=Status.INVALID)
    claim(log_db, created_at=DAY_BEFORE, status=Status.DONE)  # another day
    claim(log_db, created_at=MORNING, status=Status.DONE, team_id="T2")  # another workspace
    claim(log_db, created_at=MORNING, status=Status.DONE, user_id="U2")
    claim(log_db, created_at=EVENING, dedupe_key="the one being checked")
    claim(log_db, created_at=EVENING, status=Status.RECEIVED)  # logged after it: never takes its place

    def count(**who: str) -> int:
        return daily_count(log_db, team_id="T1", day=DAY, logged_before="the one being checked", **who)

    assert count() == 5
    assert count(user_id="U1") == 4
    assert count(user_id="U3") == 0
    assert daily_count(log_db, team_id="T1", day=DAY) == 7


def test_daily_count_shares_the_workspace_cap_with_the_command_line(log_db: RequestLog) -> None:
    claim(log_db, created_at=MORNING, status=Status.DONE, team_id="T1", user_id="U1")
    claim(log_db, created_at=MORNING, status=Status.DONE, team_id="T2", user_id="U7")
    claim(log_db, created_at=MORNING, status=Status.SUBMITTED, team_id=COMMAND_LINE_TEAM, user_id="ops")
    assert daily_count(log_db, team_id="T1", day=DAY) == 2  # its own request and the command line's
    assert daily_count(log_db, team_id="T1", user_id="U1", day=DAY) == 1
    assert daily_count(log_db, team_id=COMMAND_LINE_TEAM, day=DAY) == 3  # every workspace's, and its own
    assert daily_count(log_db, team_id=COMMAND_LINE_TEAM, user_id="ops", day=DAY) == 1


def test_status_counts_counts_requests_per_source_scene_and_status(log_db: RequestLog) -> None:
    claim(log_db, status=Status.DONE)
    claim(log_db, status=Status.DONE)
    claim(log_db, status=Status.INVALID, scene=None)
    claim(log_db, status=Status.DONE, source="modal", scene="product")
    assert sorted(status_counts(log_db), key=repr) == sorted(
        [
            StatusCount("slash_command", "outpaint", "done", 2),
            StatusCount("slash_command", None, "invalid", 1),
            StatusCount("modal", "product", "done", 1),
        ],
        key=repr,
    )


# -- the pipeline's questions -----------------------------------------------------------------------------


def test_claim_many_leaves_out_a_command_repeated_in_the_same_channel_within_the_window(log_db: RequestLog) -> None:
    claim(log_db, inputs_json="outpaint a cat")
    claim(log_db, inputs_json="outpaint a dog", status=Status.INVALID)
    claim(log_db, inputs_json="outpaint a bird", created_at=iso(utc_now() - timedelta(minutes=1)))

    keys = itertools.count()

    def repeats(text: str, within: timedelta = timedelta(seconds=30), **where: str) -> bool:
        row = {"team_id": "T1", "user_id": "U1", "channel_id": "C1", "inputs_json": text, **where}
        row["dedupe_key"] = f"checked-{next(keys)}"
        [claimed] = claim_many(log_db, [row], repeat_checked=[True], repeat_within=within)
        return claimed is REPEAT

    assert repeats("outpaint a cat")
    assert not repeats("outpaint a cat", channel_id="C2")
    assert not repeats("outpaint a cat", user_id="U2")
    assert not repeats("outpaint a dog"), "input that could not be used does not count"
    assert not repeats("outpaint a bird")
    assert repeats("outpaint a bird", within=timedelta(minutes=2))


def test_unfinished_answers_the_requests_cut_off_before_their_end(log_db: RequestLog) -> None:
    started = iso(utc_now())
    earlier = iso(utc_now() - timedelta(minutes=5))
    on_the_way = [claim(log_db, created_at=earlier, status=s) for s in (Status.RECEIVED, Status.UPLOADING)]
    on_the_way.append(claim(log_db, created_at=earlier, status=Status.SUBMITTING))
    answer_not_posted = claim(log_db, created_at=earlier, status=Status.DONE, reply_pending='{"text":"done"}')
    task_id_never_learnt = claim(log_db, created_at=earlier, status=Status.SUBMITTED)
    claim(log_db, created_at=earlier, status=Status.SUBMITTED, task_id="task-1")  # followed
    claim(log_db, created_at=earlier, status=Status.SUBMITTED, follow_next_at=started)  # being looked up
    claim(log_db, created_at=earlier, status=Status.DONE)  # over
    claim(log_db, created_at=started, status=Status.RECEIVED)  # this process's own
    claim(log_db, created_at="2026-01-01T00:00:00.000Z", status=Status.RECEIVED)  # too old
    assert unfinished(log_db, created_after=iso(utc_now() - timedelta(hours=1)), created_before=started) == [
        *on_the_way,
        answer_not_posted,
        task_id_never_learnt,
    ]


def test_write_problem_is_none_while_the_log_takes_writes(log_db: RequestLog) -> None:
    assert log_db.write_problem() is None


# -- Slack file -> VOD FileId -----------------------------------------------------------------------------


def test_a_remembered_file_id_is_found_until_it_is_about_to_expire(log_db: RequestLog) -> None:
    later = iso(utc_now() + timedelta(days=2))
    soon = iso(utc_now() + timedelta(hours=1))
    remember_file_id(log_db, "F1", "vod-1", media_type="image/png", size=10, expires_at=later)
    remember_file_id(log_db, "F2", "vod-2", media_type="image/png", size=10, expires_at=soon)
    remember_file_id(log_db, "F3", "vod-3", media_type="image/png", size=10, expires_at=None)
    assert cached_file_id(log_db, "F1") == "vod-1"
    assert cached_file_id(log_db, "F2") is None
    assert cached_file_id(log_db, "F2", valid_for=timedelta(minutes=30)) == "vod-2"
    assert cached_file_id(log_db, "F3") == "vod-3", "a file VOD keeps never expires"
    assert cached_file_id(log_db, "F4") is None


def test_remembering_a_file_again_replaces_its_file_id(log_db: RequestLog) -> None:
    later = iso(utc_now() + timedelta(days=2))
    remember_file_id(log_db, "F1", "vod-1", media_type="image/png", size=10, expires_at=later)
    remember_file_id(log_db, "F1", "vod-2", media_type="image/png", size=10, expires_at=later)
    assert cached_file_id(log_db, "F1") == "vod-2"


# -- one house ---------------------------------------------------------------------------------------------

SQL_ON_THE_LOG = re.compile(r"\b(FROM|UPDATE|INTO|JOIN)\s+(requests|slack_files)\b|\.(query|execute|iter_query)\(")


def test_no_statement_on_the_log_lives_outside_bot_store() -> None:
    sources = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]
    outside = [path for path in sources if not str(path.relative_to(ROOT)).startswith("bot/store/")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in outside
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SQL_ON_THE_LOG.search(line)
    ]
    assert not found, "\n".join(found)


def test_batch_counts_end_a_submitted_request_only_where_results_are_not_followed(log_db: RequestLog) -> None:
    store = BatchStore(log_db)
    claim(log_db, batch_id=7, status=Status.SUBMITTED, task_id="task-1")  # its TaskId answered in the thread
    claim(log_db, batch_id=7, status=Status.SUBMITTED, task_id="task-2", reply_pending="submitted")  # not yet
    claim(log_db, batch_id=7, status=Status.DONE, task_id="task-3", delivered_at=EVENING)
    claim(log_db, batch_id=7, status=Status.SUBMITTED, error_code="InvalidParameterValue.SessionId")  # no TaskId
    claim(log_db, batch_id=7, status=Status.RECEIVED)  # not yet sent
    claim(log_db, batch_id=8, status=Status.SUBMITTED, task_id="task-4")  # another batch
    followed = store.counts(7)
    assert (followed.total, followed.submitted, followed.done, followed.ended) == (5, 4, 1, 1)
    unfollowed = store.counts(7, results_followed=False)
    assert unfollowed.ended == 3 and not unfollowed.finished
    assert store.counts(8, results_followed=False).finished and not store.counts(8).finished


# -- checkpoints ------------------------------------------------------------------------------------------


def test_the_serving_log_leaves_checkpoints_to_its_own_thread(tmp_path: Path) -> None:
    """A commit never copies the write-ahead file into the database (and waits for the disk) before an ack."""

    def checkpoint_threads() -> int:
        return sum(1 for thread in threading.enumerate() if thread.name == "sqlite-checkpoints")

    before = checkpoint_threads()
    serving = RequestLog(tmp_path / "serving.db", checkpoint_in_background=True)
    short_lived = RequestLog(tmp_path / "cli.db")
    try:
        assert serving.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
        assert short_lived.db.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 1000
        assert checkpoint_threads() == before + 1
        big = "x" * 3000
        claim_many(serving, [{"source": "cli", "prompt": big, "dedupe_key": f"k{n}"} for n in range(2000)])
        # The rows reach the database file itself, though no commit of the serving connection put them there.
        wait_until(lambda: (tmp_path / "serving.db").stat().st_size > 2000 * 3000, timeout=10, what="a checkpoint")
    finally:
        serving.close()
        short_lived.close()
    assert checkpoint_threads() == before  # closing the log stops its thread
