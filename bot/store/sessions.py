"""Which request holds a SessionId at Tencent: what tells a request whose answer was lost from a SessionId chosen
twice.

Tencent refuses a second task under a SessionId it already holds. When the refused request is the only one the log
has under that SessionId, its own earlier attempt reached Tencent and was billed, and its task is looked up. When
another request sent under it is logged, that one holds the task, and the refused copy never became a task at all.
"""

from __future__ import annotations

from bot.store.db import RequestLog, RequestRow, Status

# The error code of a request Tencent refused because another logged request holds its SessionId: never billed.
SESSION_ID_TAKEN = "SessionIdTaken"
# Rows in these statuses never reached Tencent, whatever SessionId they were logged with.
_NEVER_SENT = (Status.RECEIVED, Status.UPLOADING, Status.REFUSED, Status.INVALID)


def holder_of_session(log_db: RequestLog, session_id: str, *, besides: int) -> RequestRow | None:
    """Another request sent to Tencent under `session_id`, or None when no other request was.

    A request counts as sent once its body was logged for CreateSceneAigcImageTask (or it has a TaskId), unless it
    was refused or unusable. Of several, the one whose TaskId is known comes first, then the oldest.

    :param session_id: the SessionId Tencent refused as already taken.
    :param besides: the refused request itself, which does not count.
    """
    if not session_id:
        return None
    found = log_db.query_requests(
        "SELECT * FROM requests WHERE session_id = ? AND id != ? AND status NOT IN (?, ?, ?, ?)"
        " AND (task_id IS NOT NULL OR request_json IS NOT NULL) ORDER BY task_id IS NULL, id LIMIT 1",
        [session_id, besides, *_NEVER_SENT],
    )
    return found[0] if found else None
