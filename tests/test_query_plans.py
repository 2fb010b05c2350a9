"""On a log with a long history, nothing a request, a followed task, the App Home or a scrape does reads it all.

The statements are the ones the bot really runs: every statement on every connection the store opens is recorded
while the running bot, over the loopback fakes and on a seeded log, takes a request from the command to its images
in the thread, answers history, usage and status, publishes an admin's App Home, is scraped, and starts again.
Each is then planned (EXPLAIN QUERY PLAN) and run, on a copy of the log as it was before, and must

- never SCAN `requests`, except through a partial index, which holds only the rows of work under way;
- stay within a small share of the work of one pass over the log (SQLite's own count of the virtual machine
  steps it took): a statement that sorts, or walks a range, in proportion to the history fails here too.

Export, backup, purge and the explicit CLI reports may read the whole log; they are not driven here.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import RunningBot, make_settings, rows, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.seeded_log import write_history

HISTORY_ROWS = 30_000
# Five years, so that the longest range a report reads (this month, 30 days of durations) is a small part of the
# log on any day of the month.
HISTORY_DAYS = 5 * 365
ADMIN = "U0000007"
# A statement may take at most this share of the VM steps of one plain pass over the seeded log. A day of it is
# 0.05% of the log, a month (the usage reports) under 2%, read at a few times the cost per row of a plain count;
# a statement that reads it all takes 100% or more.
MOST_OF_ONE_PASS = 0.25
STEPS_PER_TICK = 50
RUNS_SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|REPLACE)\b", re.IGNORECASE)


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Path, Path]:
    """The bot's log with a year of history, and an untouched copy of it to plan and run statements on."""
    db = write_history(tmp_path / "aigc-bot.db", HISTORY_ROWS, days=HISTORY_DAYS)
    reference = tmp_path / "reference.db"
    shutil.copyfile(db, reference)
    return db, reference


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every statement run on a connection the bot's own code opens from here on, with its parameters written in."""
    statements: list[str] = []
    connect: Callable[..., sqlite3.Connection] = sqlite3.connect

    def traced(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        connection = connect(*args, **kwargs)
        if str(sys._getframe(1).f_globals.get("__name__", "")).startswith("bot."):
            connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(sqlite3, "connect", traced)
    yield statements


def drive_the_bot(settings: Settings, slack: FakeSlack) -> None:
    """A request from command to delivered images, the reports, an admin's Home, a scrape, and a restart."""
    bot = RunningBot(settings).start()
    try:
        bot.command("product https://shop.example/mug.jpg white mug on oak", user_id=ADMIN, trigger_id="t-plans")
        done = wait_until(
            lambda: [r for r in rows(settings) if r["dedupe_key"] == "slash:T0001:t-plans" and r["delivered_at"]],
            timeout=20,
            what="the request delivered",
        )[0]
        for text in ("history", "usage", f"status {done['task_id']}", f"status {done['session_id']}"):
            bot.command(text, user_id=ADMIN, response_url=slack.response_url(text.split()[0]))
        event = {"type": "app_home_opened", "user": ADMIN, "channel": "D0HOME", "tab": "home", "event_ts": "1.0"}
        assert bot.event(event, event_id="Ev-plans").status_code == 200
        wait_until(lambda: slack.home_views.get(ADMIN), what="the admin's Home published")
        assert bot.http.get(f"{bot.url}/metrics").status_code == 200
        wait_until(lambda: len(slack.responses_to("status")) == 2, what="both status answers")
        wait_until(lambda: slack.responses_to("history") and slack.responses_to("usage"), what="the reports")
    finally:
        bot.stop()
    RunningBot(settings).start().stop()  # a start on the same log: resuming, taking back leases


def plan_of(connection: sqlite3.Connection, statement: str) -> list[str]:
    return [str(row[3]) for row in connection.execute(f"EXPLAIN QUERY PLAN {statement}")]


def steps_of(connection: sqlite3.Connection, statement: str) -> int:
    """The VM steps `statement` takes on `connection`, its changes undone afterwards."""
    ticks = 0

    def tick() -> int:
        nonlocal ticks
        ticks += 1
        return 0

    connection.set_progress_handler(tick, STEPS_PER_TICK)
    try:
        connection.execute("SAVEPOINT measured")
        try:
            connection.execute(statement).fetchall()
        except sqlite3.IntegrityError:
            pass  # a row the copy already has; the steps up to the refusal still count
        finally:
            connection.execute("ROLLBACK TO measured")
            connection.execute("RELEASE measured")
    finally:
        connection.set_progress_handler(None, 0)
    return ticks * STEPS_PER_TICK


def partial_indexes(connection: sqlite3.Connection) -> set[str]:
    found = connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'requests' AND sql LIKE '% WHERE %'"
    )
    return {str(name) for (name,) in found}


def whole_log_scans(plan: list[str], partial: set[str]) -> list[str]:
    scans = []
    for line in plan:
        if not re.match(r"SCAN requests\b", line):
            continue
        through = re.search(r"USING (?:COVERING )?INDEX (\w+)", line)
        if through is None or through.group(1) not in partial:
            scans.append(line)
    return scans


def test_every_statement_of_the_running_bot_reads_a_bounded_part_of_a_long_log(
    tmp_path: Path,
    seeded: tuple[Path, Path],
    recorded: list[str],
    vod: FakeVod,
    cos: FakeCos,
    slack: FakeSlack,
) -> None:
    db, reference = seeded
    settings = make_settings(
        tmp_path,
        vod,
        cos,
        slack,
        aigc_bot_db=db,
        aigc_bot_admins=ADMIN,
        aigc_bot_user_daily_cap=100,
        aigc_bot_workspace_daily_cap=10_000,
        aigc_bot_unit_prices="product=0.2",
    )
    drive_the_bot(settings, slack)
    statements = sorted({s for s in recorded if RUNS_SQL.match(s) and "requests" in s})
    assert len(statements) >= 20, statements  # the paths above were really taken

    connection = sqlite3.connect(str(reference), isolation_level=None)
    try:
        partial = partial_indexes(connection)
        one_pass = steps_of(connection, "SELECT count(*) FROM requests WHERE +status IS NOT NULL")
        problems = []
        for statement in statements:
            plan = plan_of(connection, statement)
            scans = whole_log_scans(plan, partial)
            steps = steps_of(connection, statement)
            if scans or steps > MOST_OF_ONE_PASS * one_pass:
                problems.append(f"{steps / one_pass:.0%} of one pass, plan {plan}:\n    {statement[:600]}")
    finally:
        connection.close()
    assert not problems, f"{len(problems)} statement(s) read the whole log:\n" + "\n".join(problems)
