"""Logging new requests before Slack is answered, with one commit for all that arrive together.

Every request is written to SQLite before its ack. Under a burst, the requests the event loop reads in one
pass are inserted in one transaction: the commit, the costliest part of the write, is paid once per pass
instead of once per request, and no ack leaves before its row is committed. The check for a command sent
twice in a row is made there too, with one statement for the whole pass.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.store.db import RequestLog, Status, insert_received, iso, utc_now


class Repeat(enum.Enum):
    """What claim_many gives for a row it left out as the same command sent moments before."""

    REPEAT = "repeat"


REPEAT = Repeat.REPEAT
# Rows looked up per repeat-check statement: five parameters each, well under SQLite's limit of 32766.
REPEAT_CHECK_CHUNK = 500


def claim_many(
    log_db: RequestLog,
    rows: list[dict[str, Any]],
    *,
    repeat_checked: Sequence[bool] = (),
    repeat_within: timedelta | None = None,
) -> list[int | Repeat | None]:
    """Insert several new rows in one transaction, so one commit serves them all.

    :param rows: column values; `created_at`, `updated_at` and `status` (`received`) are filled in.
    :param repeat_checked: for each row, whether to leave it out when it repeats a command: the same
        team, user, channel and inputs as a row logged within `repeat_within` (not counting input that was
        refused or unusable), or as a row before it in `rows`. One statement checks them all.
    :return: each row's id; REPEAT where it repeats a command; None where its dedupe_key was already claimed.
    """
    moment = utc_now()
    now = iso(moment)
    checked: set[int] = set()
    logged: set[int] = set()
    ids: list[int | Repeat | None] = []
    with log_db.transaction() as connection:
        if repeat_within is not None:
            checked = {n for n, check in enumerate(repeat_checked) if check}
            logged = _logged_repeats(connection, rows, sorted(checked), iso(moment - repeat_within))
        inserted: set[tuple[Any, ...]] = set()
        for n, row in enumerate(rows):
            key = _repeat_key(row)
            if n in checked and (n in logged or key in inserted):
                ids.append(REPEAT)
                continue
            row_id = insert_received(connection, row, now)
            ids.append(row_id)
            if row_id is not None:
                inserted.add(key)
    return ids


def _logged_repeats(
    connection: sqlite3.Connection, rows: list[dict[str, Any]], checked: list[int], since: str
) -> set[int]:
    """The numbers, among `checked`, of rows whose command was logged since `since` (none for none checked)."""
    found: set[int] = set()
    for start in range(0, len(checked), REPEAT_CHECK_CHUNK):
        chunk = checked[start : start + REPEAT_CHECK_CHUNK]
        params = [value for n in chunk for value in (n, *_repeat_key(rows[n]))]
        statement = _repeat_check_statement(len(chunk))
        found.update(n for (n,) in connection.execute(statement, [*params, since, Status.INVALID, Status.REFUSED]))
    return found


@functools.lru_cache(maxsize=16)
def _repeat_check_statement(rows: int) -> str:
    """Which of `rows` (number, team, user, channel, inputs) were logged since a moment, in one statement."""
    values = ", ".join(["(?, ?, ?, ?, ?)"] * rows)
    return (
        f"WITH asked(n, team_id, user_id, channel_id, inputs_json) AS (VALUES {values})"
        " SELECT asked.n FROM asked WHERE EXISTS (SELECT 1 FROM requests WHERE requests.team_id = asked.team_id"
        " AND requests.user_id = asked.user_id AND requests.channel_id = asked.channel_id"
        " AND requests.inputs_json = asked.inputs_json AND requests.created_at >= ? AND requests.status NOT IN (?, ?))"
    )


def _repeat_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Who sent a command, where, and what (the inputs, with the text): equal keys make a repeat."""
    return row.get("team_id"), row.get("user_id"), row.get("channel_id"), row.get("inputs_json")


class ClaimBatch:
    """New rows waiting for the next commit, which runs as soon as the event loop has a moment."""

    def __init__(self, log_db: RequestLog, repeat_within: timedelta | None = None) -> None:
        self.log_db = log_db
        self.repeat_within = repeat_within
        self._waiting: list[tuple[dict[str, Any], bool, asyncio.Future[int | Repeat | None]]] = []

    async def claim(self, row: dict[str, Any], *, check_repeat: bool = False) -> int | Repeat | None:
        """The row's id once committed, or None when its dedupe_key was already claimed.

        With `check_repeat`, REPEAT instead when the same command (team, user, channel and inputs) was logged
        within `repeat_within`, or waits for this commit ahead of it; the row is then not written.
        """
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int | Repeat | None] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._commit)
        self._waiting.append((row, check_repeat, done))
        return await done

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            ids = claim_many(
                self.log_db,
                [row for row, _, _ in waiting],
                repeat_checked=[check for _, check, _ in waiting],
                repeat_within=self.repeat_within,
            )
        except Exception as error:
            for _, _, done in waiting:
                if not done.done():
                    done.set_exception(error)
            return
        # Two copies of one Slack request in the same batch: the unique dedupe_key refuses the second.
        for (_, _, done), row_id in zip(waiting, ids, strict=True):
            if not done.done():
                done.set_result(row_id)
