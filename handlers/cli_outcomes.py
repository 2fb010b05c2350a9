"""What `aigc-bot submit` says when Tencent Cloud gave no usable answer, in words for the person at the terminal.

Slack users read the advice table's sentences (bot/errors.py), which point them at the workspace admin. The
person at the terminal is that admin, so this says what was tried, what happened, and whether anything can
have been billed, and nothing else.
"""

from __future__ import annotations

from bot import wording
from bot.store.db import RequestRow

# The bot's own codes for a call that got no usable answer (bot/tencent/vod.py).
NO_ANSWER_CODES = frozenset(
    {"ClientError.Network", "ClientError.Timeout", "ClientError.ConnectionLost", "ClientError.BadResponse"}
)
# And for an image upload to Tencent Cloud storage that got none (bot/tencent/cos.py); it comes before any task.
UPLOAD_NO_ANSWER_CODES = frozenset({"Cos.Network", "Cos.Timeout", "Cos.ConnectionLost"})


def no_answer_text(row: RequestRow, endpoint: str) -> str | None:
    """The lines for a logged request that got no answer from Tencent Cloud; None for any other outcome."""
    # A connection that never opened sent nothing; and until the request body is logged, only uploads ran.
    sent = row.get("error_code") != "ClientError.Network" and bool(row.get("request_json"))
    happened = str(row.get("error_message") or "no answer")
    return no_answer(str(row.get("error_code") or ""), happened, endpoint, row.get("session_id") if sent else None)


def no_answer(code: str, happened: str, endpoint: str, sent_with_session_id: str | None) -> str | None:
    """What was tried, what happened, and whether it can have been billed; None when an answer did come."""
    if code in UPLOAD_NO_ANSWER_CODES:
        return (
            f"{wording.terminal.UPLOAD_NOT_ANSWERED.format(happened=happened)}\n{wording.terminal.UPLOAD_NOTHING_SENT}"
        )
    if code not in NO_ANSWER_CODES:
        return None
    after = (
        wording.terminal.MAYBE_BILLED.format(session_id=sent_with_session_id)
        if sent_with_session_id
        else wording.terminal.NOTHING_SENT
    )
    return f"{wording.terminal.NOT_ANSWERED.format(happened=happened, endpoint=endpoint)}\n{after}"
