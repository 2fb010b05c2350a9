"""`aigc-bot export`: one line per logged request, for finance and audits."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TextIO

from bot.store.db import RequestLog, RequestRow, iso

FIELDS = (
    "created_at",
    "source",
    "team",
    "channel",
    "user",
    "scene",
    "status",
    "task_id",
    "error_code",
    "output_images",
    "duration_seconds",
    "estimated_cost",
)


@dataclass(frozen=True)
class Bound:
    """An export bound: a UTC instant, or a whole UTC day given as YYYY-MM-DD."""

    moment: datetime
    whole_day: bool

    @classmethod
    def parse(cls, text: str) -> Bound:
        """YYYY-MM-DD or an ISO 8601 time (without a zone it is taken as UTC); ValueError otherwise."""
        text = text.strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return cls(datetime.combine(day, time(), tzinfo=UTC), whole_day=True)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from None
        return cls(moment if moment.tzinfo else moment.replace(tzinfo=UTC), whole_day=False)

    def as_since(self) -> str:
        return iso(self.moment)

    def as_until(self) -> str:
        # --until 2026-01-31 means up to the end of that day.
        return iso(self.moment + timedelta(days=1) if self.whole_day else self.moment)


def output_images(row: Mapping[str, Any]) -> int:
    try:
        outputs = json.loads(row.get("output_json") or "[]")
    except ValueError:
        return 0
    return len(outputs) if isinstance(outputs, list) else 0


def export_line(row: RequestRow, prices: dict[str, Decimal]) -> dict[str, Any]:
    images = output_images(row)
    price = prices.get(str(row.get("scene") or ""))
    duration = row.get("duration_seconds")
    return {
        "created_at": row["created_at"],
        "source": row["source"],
        "team": row.get("team_id"),
        "channel": row.get("channel_id"),
        "user": row.get("user_id"),
        "scene": row.get("scene"),
        "status": row["status"],
        "task_id": row.get("task_id"),
        "error_code": row.get("error_code"),
        "output_images": images,
        "duration_seconds": round(float(duration), 3) if duration is not None else None,
        "estimated_cost": str(price * images) if price is not None else None,
    }


def created_between(log_db: RequestLog, *, since: str | None = None, until: str | None = None) -> Iterator[RequestRow]:
    """Requests created in [since, until), oldest first, read one by one so a large log is never held in memory.

    :param since: an ISO 8601 UTC time; None starts at the first request.
    :param until: an ISO 8601 UTC time, itself excluded; None runs to the last request.
    """
    bounds = {f"created_at {op} ?": value for op, value in ((">=", since), ("<", until)) if value is not None}
    clause = f" WHERE {' AND '.join(bounds)}" if bounds else ""
    return log_db.stream_requests(f"SELECT * FROM requests{clause} ORDER BY id", list(bounds.values()))


def export_rows(
    log_db: RequestLog, *, since: Bound | None, until: Bound | None, prices: dict[str, Decimal]
) -> Iterator[dict[str, Any]]:
    """Requests created in [since, until), oldest first, as export lines."""
    rows = created_between(
        log_db,
        since=since.as_since() if since is not None else None,
        until=until.as_until() if until is not None else None,
    )
    return (export_line(row, prices) for row in rows)


def write_export(lines: Iterator[dict[str, Any]], sink: TextIO, form: Literal["csv", "json"]) -> int:
    """Write CSV with a header, or one JSON object per line; how many requests were written."""
    count = 0
    if form == "csv":
        writer = csv.DictWriter(sink, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        for line in lines:
            writer.writerow({k: "" if v is None else v for k, v in line.items()})
            count += 1
    else:
        for line in lines:
            sink.write(json.dumps(line, ensure_ascii=False) + "\n")
            count += 1
    return count
