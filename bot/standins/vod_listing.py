"""The fake VOD's DescribeTasks: filtering, sorting and paging with ScrollTokens over the scene tasks it holds."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.standins.vod_model import FakeTask, TencentError

if TYPE_CHECKING:
    from bot.standins.vod import FakeVod

TASKS_DEFAULT_LIMIT = 10
TASKS_MAX_LIMIT = 100
TASKS_LISTED_FOR = timedelta(hours=72)
TASK_STATUS_FILTERS = frozenset({"WAITING", "PROCESSING", "FINISH"})


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise TencentError("InvalidParameterValue", f"{text!r} is not an ISO 8601 time.") from None
    if moment.tzinfo is None:
        raise TencentError("InvalidParameterValue", f"{text!r} has no time zone.")
    return moment


def _in_range(moment: datetime, time_range: Any) -> bool:
    """TimeRange: After is inclusive, Before exclusive; either may be left out."""
    if time_range is None:
        return True
    if not isinstance(time_range, dict):
        raise TencentError("InvalidParameterValue", "A time range must be an object with After and Before.")
    after, before = (_parse_time(str(v)) if v else None for v in (time_range.get("After"), time_range.get("Before")))
    return (after is None or moment >= after) and (before is None or moment < before)


def _check_task_filters(body: dict[str, Any]) -> None:
    """DescribeTasks refuses a malformed filter even when no task would match it."""
    status = body.get("Status")
    if status is not None and status not in TASK_STATUS_FILTERS:
        raise TencentError("InvalidParameterValue", "Status must be WAITING, PROCESSING or FINISH.")
    for name in ("CreateTime", "FinishTime"):
        _in_range(datetime.now(UTC), body.get(name))
    sort = body.get("Sort")
    if sort is None:
        return
    if not isinstance(sort, dict) or sort.get("Field") not in ("CreateTime", "FinishTime"):
        raise TencentError("InvalidParameterValue", "Sort.Field must be CreateTime or FinishTime.")
    if sort.get("Order", "Asc") not in ("Asc", "Desc"):
        raise TencentError("InvalidParameterValue", "Sort.Order must be Asc or Desc.")


def describe_tasks(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    limit = _tasks_limit(body.get("Limit"), vod.tasks_page_size)
    _check_task_filters(body)
    query = json.dumps({k: v for k, v in body.items() if k not in ("Limit", "ScrollToken")}, sort_keys=True)
    with vod.lock:
        start = _scroll_start(vod.scroll_tokens, body.get("ScrollToken"), query)
        listed = [t for t in vod.tasks.values() if vod.list_scene_tasks and _listed(t, body)]
        matching = _sorted_tasks(body.get("Sort"), listed)
        page = matching[start : start + limit]
        answer: dict[str, Any] = {"TaskSet": [_task_simple_info(t) for t in page]}
        if start + limit < len(matching):
            token = uuid.uuid4().hex
            vod.scroll_tokens[token] = (query, start + limit)
            answer["ScrollToken"] = token
    return answer


def _tasks_limit(value: Any, page_size: int | None) -> int:
    if value is None:
        limit = TASKS_DEFAULT_LIMIT
    elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TencentError("InvalidParameterValue.Limit", "Limit must be an integer from 1 to 100.")
    elif value > TASKS_MAX_LIMIT:
        raise TencentError("InvalidParameterValue.LimitTooLarge", "Limit is larger than 100.")
    else:
        limit = value
    return min(limit, page_size or limit)


def _scroll_start(issued_tokens: dict[str, tuple[str, int]], token: Any, query: str) -> int:
    if token is None or token == "":
        return 0
    issued = issued_tokens.get(str(token))
    if issued is None or issued[0] != query:
        raise TencentError("InvalidParameterValue", "The ScrollToken is invalid.")
    return issued[1]


def _listed(task: FakeTask, body: dict[str, Any]) -> bool:
    created = _parse_time(task.created)
    if created < datetime.now(UTC) - TASKS_LISTED_FOR:
        return False
    status = body.get("Status")
    if status is not None and _simple_status(task) != status:
        return False
    if body.get("FileId"):
        return False  # a scene task has no single FileId to match
    if not _in_range(created, body.get("CreateTime")):
        return False
    if body.get("FinishTime") is not None:
        return bool(task.finished_at) and _in_range(_parse_time(task.finished_at), body.get("FinishTime"))
    return True


def _sorted_tasks(sort: Any, tasks: list[FakeTask]) -> list[FakeTask]:
    field_name = "finished_at" if sort and sort["Field"] == "FinishTime" else "created"
    # Times have whole seconds; the stable sort keeps creation order within one, and Desc is its exact reverse.
    ascending = sorted(tasks, key=lambda t: str(getattr(t, field_name)))
    descending = sort is None or sort.get("Order") == "Desc"
    return ascending[::-1] if descending else ascending


def _simple_status(task: FakeTask) -> str:
    status = str(task.state.get("Status", "PROCESSING"))
    if task.timing is not None and status == "FINISH":
        task.finished_at = task.finished_at or task.finish_time()
    return "FINISH" if task.finished_at and status == "FINISH" else status


def _task_simple_info(task: FakeTask) -> dict[str, Any]:
    status = _simple_status(task)
    return {
        "TaskId": task.task_id,
        "Status": status,
        "FileId": "",
        "TaskType": "SceneAigcImageTask",
        "CreateTime": task.created,
        "BeginProcessTime": task.begin_time() if status != "WAITING" else "",
        "FinishTime": task.finished_at if status == "FINISH" else "",
        "SessionId": str(task.request.get("SessionId", "")),
        "SessionContext": str(task.request.get("SessionContext", "")),
    }
