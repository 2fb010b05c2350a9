"""Forgetting what people typed and sent, once a request is old enough, while keeping it countable.

A purged row keeps who, where, when, scene, status, TaskId, error codes, image and output counts, durations and
so its cost; it loses the prompt, the inputs, the request body, the Slack file list and the free-text options
(negative prompt, output name). Each is replaced by its length, so the row still shows that something was there.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from bot.store.db import TASK_ID_UNKNOWN, RequestLog, Status, iso, utc_now

log = logging.getLogger(__name__)

PURGED_TEXT_PREFIX = "[purged: "
PURGED_JSON_PREFIX = '{"purged_characters":'
# Options a person typed in their own words; the others (ratio, count, model...) are kept.
FREE_TEXT_OPTIONS = ("$.negative", "$.media_name")
# Columns holding what was sent as JSON; each is replaced by its length in JSON, so it still parses.
JSON_INPUTS = ("inputs_json", "request_json", "slack_files_json")
SETTLED = (Status.DONE, Status.FAILED, Status.INVALID, Status.REFUSED)
RETENTION_EVERY = timedelta(days=1)
# Rows of the log (by id) one purge transaction covers: a few milliseconds of writing, so the bot's own writes,
# which wait for the lock, are never held up for long by a purge of months of history.
PURGE_CHUNK_ROWS = 500


def _purged(name: str, prefix: str, suffix: str) -> str:
    """`name` set to its length between `prefix` and `suffix`, unless it is NULL or purged already."""
    return (
        f"{name} = CASE WHEN {name} IS NULL OR {name} LIKE '{prefix}%' THEN {name}"
        f" ELSE '{prefix}' || length({name}) || '{suffix}' END"
    )


def _still_holds_input(name: str, prefix: str) -> str:
    return f"({name} IS NOT NULL AND {name} NOT LIKE '{prefix}%')"


_FREE_TEXT_PATHS = ", ".join(f"'{path}'" for path in FREE_TEXT_OPTIONS)
_OPTIONS_HOLD_TEXT = " OR ".join(f"json_extract(options_json, '{path}') IS NOT NULL" for path in FREE_TEXT_OPTIONS)

PURGE_SQL = (
    "UPDATE requests SET "
    + ", ".join(
        [
            _purged("prompt", PURGED_TEXT_PREFIX, " characters]"),
            *(_purged(column, PURGED_JSON_PREFIX, "}") for column in JSON_INPUTS),
            f"options_json = CASE WHEN json_valid(options_json) THEN json_remove(options_json, {_FREE_TEXT_PATHS})"
            " ELSE options_json END",
            "updated_at = ?",
        ]
    )
    # One stretch of ids at a time (see purge_older_than); `+created_at` keeps SQLite on that id range.
    + " WHERE id >= ? AND id < ? AND +created_at < ?"
    # Only requests that are over: nothing in progress, followed, waiting to be posted or to be redelivered,
    # since all of those read their inputs again.
    + f" AND status IN ({', '.join('?' for _ in SETTLED)})"
    + " AND reply_pending IS NULL"
    + " AND (follow_lease_until IS NULL OR follow_lease_until < ?)"
    + " AND NOT (status IN (?, ?) AND (task_id IS NOT NULL OR error_code = ?)"
    + " AND finished_at IS NOT NULL AND delivered_at IS NULL)"
    + " AND ("
    + " OR ".join(
        [
            _still_holds_input("prompt", PURGED_TEXT_PREFIX),
            *(_still_holds_input(column, PURGED_JSON_PREFIX) for column in JSON_INPUTS),
            f"(json_valid(options_json) AND ({_OPTIONS_HOLD_TEXT}))",
        ]
    )
    + ")"
)


def purge_older_than(log_db: RequestLog, days: float, *, chunk_rows: int = PURGE_CHUNK_ROWS) -> int:
    """Purge the inputs of settled requests created more than `days` ago; how many rows changed.

    The rows go `chunk_rows` ids at a time, each stretch in a transaction of its own, with a pause as long as
    the stretch took before the next: the write lock is never held for long, and a writer waiting for it (the
    running bot logging a request before its ack) gets it between stretches.
    """
    now = utc_now()
    cutoff = iso(now - timedelta(days=days))
    # Through the time index alone (it holds each row's id): the stretch of ids holding every row old enough.
    span = log_db.query("SELECT min(id) AS first, max(id) AS last FROM requests WHERE created_at < ?", [cutoff])[0]
    if span["first"] is None:
        return 0
    changed = 0
    for start in range(int(span["first"]), int(span["last"]) + 1, chunk_rows):
        began = time.monotonic()
        changed += log_db.execute(
            PURGE_SQL,
            [
                iso(now),
                start,
                start + chunk_rows,
                cutoff,
                *SETTLED,
                iso(now),
                Status.DONE,
                Status.FAILED,
                TASK_ID_UNKNOWN,
            ],
        )
        time.sleep(time.monotonic() - began)
    return changed


async def keep_retention(log_db: RequestLog, days: int, every: timedelta = RETENTION_EVERY) -> None:
    """Apply AIGC_BOT_RETENTION_DAYS now and then once per `every`, for as long as the bot runs.

    The purge runs on a thread of its own: on a long log it takes minutes, and the event loop must go on acking.
    """
    while True:
        changed = await asyncio.to_thread(purge_older_than, log_db, days)
        if changed:
            log.info("retention: purged the inputs of %d request(s) older than %d day(s)", changed, days)
        await asyncio.sleep(every.total_seconds())
