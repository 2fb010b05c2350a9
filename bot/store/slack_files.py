"""The Slack file -> VOD FileId cache (table `slack_files`), so a file shared again is not uploaded again."""

from __future__ import annotations

from datetime import timedelta

from bot.store.db import RequestLog, iso, parse_iso, utc_now


def cached_file_id(log_db: RequestLog, slack_file_id: str, *, valid_for: timedelta = timedelta(hours=12)) -> str | None:
    """A FileId uploaded earlier for this Slack file (`F...`) still usable for `valid_for`, else None."""
    sql = "SELECT file_id, expires_at FROM slack_files WHERE slack_file_id = ?"
    for file_id, expires in log_db.query_tuples(sql, [slack_file_id]):  # one at most: the table's key
        if not expires or parse_iso(expires) >= utc_now() + valid_for:
            return str(file_id)
    return None


def remember_file_id(
    log_db: RequestLog, slack_file_id: str, file_id: str, *, media_type: str, size: int, expires_at: str | None
) -> None:
    """Keep the FileId VOD gave a Slack file (replacing one remembered before), so the next request using that
    file skips the upload. `size` is in bytes; `expires_at` is when VOD deletes the file (ISO 8601 UTC), or None
    when it keeps it."""
    log_db.execute(
        "INSERT INTO slack_files (slack_file_id, file_id, media_type, size, created_at, expires_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (slack_file_id) DO UPDATE SET file_id = excluded.file_id,"
        " media_type = excluded.media_type, size = excluded.size, created_at = excluded.created_at,"
        " expires_at = excluded.expires_at",
        [slack_file_id, file_id, media_type, size, iso(utc_now()), expires_at],
    )
