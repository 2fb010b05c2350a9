"""The fake VOD's scene task actions: CreateSceneAigcImageTask, DescribeTaskDetail and the task object both show."""

from __future__ import annotations

import bisect
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.standins.vod_model import FakeTask, TencentError, Timing, iso, vod_file_id

if TYPE_CHECKING:
    from bot.standins.vod import FakeVod

SESSION_ID_MAX = 50
SESSION_CONTEXT_MAX = 1000
# Written out as Tencent documents them, not imported from bot/tencent/models.py: a stand-in that read the
# bot's own list could never catch a mistake in it.
SCENE_TYPES = frozenset(
    {
        "ai_try_on",
        "product_image",
        "outpainting",
        "change_clothes",
        "change_clothes_under",
        "change_clothes_top_wear",
        "change_clothes_bottom_wear",
        "change_clothes_full_wear",
    }
)
RATE_LIMITED = ("RequestLimitExceeded", "Your request frequency has exceeded the limit.")


def over_limit(arrivals: list[float], at: float, limit: int) -> bool:
    """Counts a call that arrived `at` into `arrivals` (sorted); True if its one-second window holds over `limit`."""
    # Counted by when the request arrived, as a gateway counts, not by when this handler thread got to it
    # after checking the signature: on a loaded machine that can be tens of milliseconds later, and out of
    # order. Every call counts, refused ones included, as with Tencent's limiter.
    bisect.insort(arrivals, at)
    del arrivals[: bisect.bisect_right(arrivals, at - 2.0)]  # long gone from any window still being counted
    in_window = bisect.bisect_right(arrivals, at) - bisect.bisect_right(arrivals, at - 1.0)
    return bool(limit) and in_window > limit


def new_task(vod: FakeVod, body: dict[str, Any], timing: Timing | None) -> str:
    """A task following the default script, or `timing`; call with the lock held."""
    task_id = f"{vod.sub_app_id}-SceneAigcImageTask-{uuid.uuid4().hex}"
    vod.tasks[task_id] = FakeTask(task_id, body, [dict(s) for s in vod.default_script], timing=timing)
    return task_id


def _input_files(body: dict[str, Any]) -> list[dict[str, Any]]:
    scene = body.get("SceneInfo") or {}
    inputs = [i for i in body.get("FileInfos") or [] if isinstance(i, dict)]
    for config in ("AiTryOnConfig", "ChangeClothesConfig"):
        inputs += [i for i in (scene.get(config) or {}).get("ClothesFileInfos") or [] if isinstance(i, dict)]
    return inputs


def create_task(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    with vod.lock:
        refused = over_limit(vod.create_arrivals, vod.arrival_time(), vod.rate_limit_per_second)
        vod.rate_limited += refused
    if refused:
        raise TencentError(*RATE_LIMITED)
    delay = vod.delay_seconds
    if delay > 0:
        time.sleep(delay)
    vod.check_sub_app(body)
    scene = body.get("SceneInfo")
    if not isinstance(scene, dict) or scene.get("Type") not in SCENE_TYPES:
        raise TencentError("InvalidParameter", "SceneInfo.Type is not a supported scene.")
    session = str(body.get("SessionId") or "")
    if len(session) > SESSION_ID_MAX:
        raise TencentError("InvalidParameterValue.SessionIdTooLong", "SessionId is too long.")
    if len(str(body.get("SessionContext") or "")) > SESSION_CONTEXT_MAX:
        raise TencentError("InvalidParameterValue.SessionContextTooLong", "SessionContext is too long.")
    with vod.lock:
        for info in _input_files(body):
            if info.get("Type") == "File" and str(info.get("FileId") or "") not in vod.file_ids:
                raise TencentError("InvalidParameterValue.FileId", "The FileId does not exist.")
        if session and session in vod.sessions:
            raise TencentError("InvalidParameterValue.SessionId", "The deduplication ID already exists.")
        if session:
            vod.sessions.add(session)
        timing = vod.queued_timings.popleft() if vod.queued_timings else None
        if timing is None and vod.task_seconds is not None:
            timing = Timing(vod.task_seconds)
        return {"TaskId": new_task(vod, body, timing)}


def _outputs(vod: FakeVod, task: FakeTask) -> list[dict[str, Any]]:
    permanent = task.storage_mode == "Permanent"
    if permanent and not task.output_file_ids:
        task.output_file_ids = [vod_file_id() for _ in range(task.output_count)]
        vod.file_ids.update(task.output_file_ids)
    base = vod.output_base_url or vod.url
    expires = "" if permanent else iso(datetime.now(UTC) + timedelta(days=7))
    output_config = task.request.get("OutputConfig") or {}
    return [
        {
            "StorageMode": task.storage_mode,
            "MediaName": str(output_config.get("MediaName") or ""),
            "ClassId": int(output_config.get("ClassId") or 0),
            "ExpireTime": expires,
            "FileType": "png",
            "FileUrl": f"{base}/outputs/{task.task_id}/{index}.png",
            "FileId": task.output_file_ids[index] if permanent else "",
        }
        for index in range(task.output_count)
    ]


def task_object(vod: FakeVod, task: FakeTask, state: dict[str, Any]) -> dict[str, Any]:
    """The SceneAigcImageTask object of DescribeTaskDetail and of the completion event; call with the lock held."""
    status = str(state.get("Status", "PROCESSING"))
    finished = status == "FINISH"
    succeeded = finished and not state.get("ErrCode")
    request = task.request
    return {
        "TaskId": task.task_id,
        "Status": "PROCESSING" if status == "WAITING" else status,
        "ErrCode": int(state.get("ErrCode", 0)),
        "Message": str(state.get("Message", "")),
        "Progress": int(state.get("Progress", 100 if finished else 0)),
        "Input": {k: request[k] for k in ("SceneInfo", "FileInfos", "OutputConfig") if k in request},
        "Output": {"FileInfos": _outputs(vod, task) if succeeded else []},
        "SessionId": str(request.get("SessionId", "")),
        "SessionContext": str(request.get("SessionContext", "")),
    }


def describe_task(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    with vod.lock:
        if over_limit(vod.describe_arrivals, vod.arrival_time(), vod.describe_rate_limit_per_second):
            vod.describe_rate_limited += 1
            raise TencentError(*RATE_LIMITED)
        task = vod.tasks.get(str(body.get("TaskId") or ""))
        if task is None:
            raise TencentError("InvalidParameterValue.TaskId", "The task does not exist.")
        state = task.state
        task.step += 1
        status = str(state.get("Status", "PROCESSING"))
        if status == "FINISH" and not task.finished_at:
            task.finished_at = task.finish_time()
        return {
            "TaskType": "SceneAigcImageTask",
            "Status": status,
            "CreateTime": task.created,
            "BeginProcessTime": task.begin_time() if status != "WAITING" else "",
            "FinishTime": task.finished_at if status == "FINISH" else "",
            "SceneAigcImageTask": task_object(vod, task, state),
        }


def queue_timed_events(vod: FakeVod) -> None:
    """A timed task's completion event appears once its time is up, as Tencent's would; call with the lock held."""
    for task in vod.tasks.values():
        if task.timing is None or task.event_queued or task.state.get("Status") != "FINISH":
            continue
        task.event_queued = True
        task.finished_at = task.finished_at or task.finish_time()
        vod.events.add_completion(task_object(vod, task, task.state))
