"""Logging that can never print a secret: known secret values and token shapes are masked in every line."""

from __future__ import annotations

import json
import logging
import os
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Shapes of Slack tokens, TC3/COS signatures and bearer headers, masked even when their value is unknown.
SECRET_SHAPES = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|Bearer\s+\S+|Signature=[0-9a-f]{16,}"
    r"|q-signature=[0-9a-f]+|x-cos-security-token['\"]?:\s*['\"]?[^'\",\s]+)"
)
SECRET_ENV = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "TENCENTCLOUD_SECRET_KEY")


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: list[str] | None = None) -> None:
        super().__init__()
        self.secrets = [s for s in (secrets or []) if len(s) >= 6]

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[redacted]")
        return SECRET_SHAPES.sub("[redacted]", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        return True


# The log row id of the request the current task works on, so each log line can name it.
_request_id: ContextVar[int | None] = ContextVar("aigc_bot_request_id", default=None)


def about_request(row_id: int | None) -> None:
    """Mark the rest of the current task (and tasks it starts) as work on request `row_id`."""
    _request_id.set(row_id)


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line, for log collectors; the message was already redacted by RedactingFilter."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or _request_id.get()
        if request_id is not None:
            line["request_id"] = request_id
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging(
    level: int = logging.INFO, extra_secrets: list[str] | None = None, log_format: str = "text"
) -> None:
    """Log to stderr, as plain text or JSON lines, through a filter that knows every configured secret."""
    secrets = [os.environ.get(name, "") for name in SECRET_ENV] + (extra_secrets or [])
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonLinesFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(secrets))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
