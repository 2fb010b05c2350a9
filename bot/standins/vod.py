"""A fake Tencent Cloud VOD endpoint speaking API 3.0 (POST "/" with a JSON body, version 2018-07-17).

Authentication is the real one: every request's TC3-HMAC-SHA256 signature is recomputed from the request
exactly as received and compared in constant time. Who recomputes it is pluggable (`signature_check`): the
bot's own signer by default, so the package needs no Tencent SDK; the test suite installs the official
tencentcloud-sdk-python-common signer (tests/fakes/official_tc3.py), so the bot's signing is proven against
Tencent's own code. Answers are HTTP 200 with `{"Response": {..., "RequestId"}}`;
errors are `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`, each with a fresh uuid4 RequestId.

Choices where Tencent's behaviour is not pinned down by its documentation:
- An unknown TaskId in DescribeTaskDetail answers InvalidParameterValue.TaskId (the code VOD's own error
  list gives for "task ID does not exist"; ResourceNotFound.TaskNotExist is not in that list).
- An unsupported X-TC-Version answers NoSuchVersion (an API 3.0 common error code).
- Every action requires SubAppId to equal the fake's sub_app_id, else InvalidParameterValue.SubAppId.
- PullEvents is a long poll upstream (held up to 5 s). Here it waits at most `pull_wait_seconds` (default 0)
  and, with nothing queued, answers an empty EventSet rather than an error. Unconfirmed events are offered
  again after `event_redelivery_seconds` (default 0, i.e. on the next pull; Tencent uses 30 s).
- Only tasks finished through finish_task(), or timed tasks whose time is up, queue a
  SceneAigcImageCompleteEvent; a task that reaches FINISH by DescribeTaskDetail walking its script does not.
- A timed task (set_task_durations, set_task_duration) follows the wall clock instead of a script: WAITING for
  its queue time, then PROCESSING with Progress rising evenly from 0 to 99, then FINISH once its duration has
  passed. The scene task's own Status says PROCESSING while the task is queued (the SDK lists only PROCESSING
  and FINISH there); the outer Status says WAITING. BeginProcessTime and FinishTime are the moments the task
  began and ended, in whole seconds as Tencent writes them.
- DescribeTaskDetail has no call limit unless `describe_rate_limit_per_second` is set; then calls beyond it in
  any second answer RequestLimitExceeded and count in `describe_rate_limited`.
- A SignedHeaders list other than "content-type;host" answers AuthFailure.InvalidAuthorization, because the
  official signer only covers that list.
- DescribeTasks answers TaskSet entries shaped exactly as the SDK's TaskSimpleInfo (TaskId, Status, FileId,
  TaskType, CreateTime, BeginProcessTime, FinishTime, SessionId, SessionContext); the installed SDK's model
  has no SubTaskTypes, so none is sent. Scene AIGC tasks are listed with TaskType "SceneAigcImageTask" and an
  empty FileId; Tencent's documented TaskType list does not name them, so `list_scene_tasks = False` leaves
  them out to model a Tencent that does not list them. Filters: Status, FileId, CreateTime and FinishTime
  (TimeRange: After inclusive, Before exclusive; a value that is not ISO 8601 answers InvalidParameterValue),
  and only tasks of the last 72 hours, as documented. Order: Sort.Field CreateTime or FinishTime, Asc or Desc;
  without Sort, newest first (the documentation does not say). Limit defaults to 10; below 1 or not an integer
  answers InvalidParameterValue.Limit, above 100 InvalidParameterValue.LimitTooLarge. `tasks_page_size`, when
  set, caps a page below the Limit asked for. A ScrollToken is an opaque string naming the next record of the
  query that issued it; a token the fake never issued, or one sent with different filters, answers
  InvalidParameterValue (the error list has no ScrollToken code).

Output images are served at GET /outputs/<TaskId>/<i>.png once the task has reached a successful FINISH: by
default 4x4 PNGs whose colour depends on i, or whatever `render_output` draws. Uploaded media is served at
GET /media<MediaStoragePath> when a FakeCos is linked.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bot.standins.base import FakeServer, Handler
from bot.standins.cos import FakeCos
from bot.standins.vod_auth import SignatureCheck, VodCredentials, own_tc3_signature
from bot.standins.vod_events import VodEventQueue
from bot.standins.vod_listing import describe_tasks
from bot.standins.vod_media import UploadSession, apply_upload, commit_upload, output_png, serve_file
from bot.standins.vod_model import FakeTask, TencentError, Timing, VodRequest, iso_now
from bot.standins.vod_tasks import create_task, describe_task, new_task, queue_timed_events, task_object

API_VERSION = "2018-07-17"
CREATE = "CreateSceneAigcImageTask"
RATE_LIMIT_PER_SECOND = 20
DEFAULT_SCRIPT: tuple[dict[str, Any], ...] = ({"Status": "PROCESSING", "Progress": 50}, {"Status": "FINISH"})
DEFAULT_FAILURE_CODE = 70000

# Read whenever a FakeVod is made without its own check; tests/fakes replaces it with the official SDK signer.
signature_check: SignatureCheck = own_tc3_signature


class FakeVod(FakeServer):
    """The fake VOD a test holds: its knobs, the state its actions share, and what a test reads of it."""

    def __init__(
        self,
        secret_id: str,
        secret_key: str,
        sub_app_id: int,
        cos: FakeCos | None = None,
        output_base_url: str | None = None,
        check_signature: SignatureCheck | None = None,
    ) -> None:
        super().__init__()
        self.check_signature = check_signature or signature_check
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.credentials = VodCredentials(secret_id, secret_key)
        self.sub_app_id = sub_app_id
        self.cos = cos
        self.output_base_url = output_base_url
        self.region = "ap-guangzhou"
        # Knobs: plain attributes, read once per request.
        self.delay_seconds = 0.0
        # Tencent's per-second limit on CreateSceneAigcImageTask; 0 turns it off (used when measuring a client's
        # own overhead, where the limit would only add waiting time).
        self.rate_limit_per_second = RATE_LIMIT_PER_SECOND
        # What the rate limiters read as now; a test of the limit itself may stop it, so a slow machine cannot
        # spread its calls over more than one window.
        self.limiter_clock: Callable[[], float] = time.monotonic
        self.describe_rate_limit_per_second = 0
        self.pull_wait_seconds = 0.0
        self.event_redelivery_seconds = 0.0
        # DescribeTasks: False leaves scene AIGC tasks out of TaskSet; a number caps every page at that size.
        self.list_scene_tasks = True
        self.tasks_page_size: int | None = None
        # Seconds every new task runs on the wall clock once queued durations are used up; None follows the script.
        self.task_seconds: float | None = None
        # The bytes served for output number i of a task.
        self.render_output: Callable[[FakeTask, int], bytes] = lambda task, index: output_png(index)
        self.default_script: list[dict[str, Any]] = [dict(s) for s in DEFAULT_SCRIPT]
        self.queued_timings: deque[Timing] = deque()
        # What happened.
        self.requests: list[VodRequest] = []
        self.rate_limited = 0
        self.describe_rate_limited = 0
        self.tasks: dict[str, FakeTask] = {}
        self.sessions: set[str] = set()
        self.file_ids: set[str] = set()
        self.upload_sessions: dict[str, UploadSession] = {}
        self.events = VodEventQueue(self.lock)
        self.downloads: list[str] = []
        self.scroll_tokens: dict[str, tuple[str, int]] = {}
        # Arrival times the limiters have counted, in order of arrival.
        self.create_arrivals: list[float] = []
        self.describe_arrivals: list[float] = []
        # The arrival, on the limiter's clock, of the request this handler thread is answering.
        self._arrival = threading.local()
        self._failures: dict[str, list[tuple[str, str]]] = {}
        self._drops: dict[str, int] = {}

    # -- knobs ------------------------------------------------------------------------------------------

    def fail_next(
        self, action: str, code: str, message: str = "The fake was told to refuse this call.", times: int = 1
    ) -> None:
        """The next `times` authenticated calls of `action` answer this Tencent error instead of acting."""
        with self.lock:
            self._failures.setdefault(action, []).extend([(code, message)] * times)

    def drop_next(self, action: str, times: int = 1) -> None:
        """The next `times` calls of `action` are processed and recorded, then the socket closes unanswered."""
        with self.lock:
            self._drops[action] = self._drops.get(action, 0) + times

    def set_task_script(self, task_id: str, steps: list[dict[str, Any]]) -> None:
        """States DescribeTaskDetail walks through, one per call, staying on the last.

        `task_id` "*" sets the script of tasks created from now on; a known TaskId restarts that task's script.
        """
        if not steps:
            raise ValueError("a task script needs at least one step")
        with self.lock:
            if task_id == "*":
                self.default_script = [dict(s) for s in steps]
                return
            task = self.tasks.get(task_id)
            if task is None:
                raise KeyError(f"unknown task {task_id}")
            task.follow_script(steps)

    def set_task_durations(
        self, durations: list[float], *, waiting_seconds: float = 0.0, report_progress: bool = True
    ) -> None:
        """Tasks created from now on run on the wall clock, one duration each in turn (see Timing).

        Once every duration is used, new tasks follow the script again. `report_progress=False` keeps Progress
        at 0 until the end, as a service that reports no progress would.
        """
        with self.lock:
            self.queued_timings = deque(Timing(float(d), waiting_seconds, report_progress) for d in durations)

    def set_task_duration(self, task_id: str, seconds: float, *, waiting_seconds: float = 0.0) -> None:
        """Restart a known task on the wall clock: it finishes `waiting_seconds + seconds` from now."""
        with self.lock:
            self.tasks[task_id].run_timed(Timing(seconds, waiting_seconds))

    def add_task(self, scene: str = "outpainting", *, duration: float | None = None) -> str:
        """A task as if CreateSceneAigcImageTask had just made it (no limit, no call recorded)."""
        body = {"SubAppId": self.sub_app_id, "SceneInfo": {"Type": scene}, "FileInfos": []}
        with self.lock:
            return new_task(self, body, Timing(duration) if duration is not None else None)

    def add_file_id(self, file_id: str) -> None:
        with self.lock:
            self.file_ids.add(file_id)

    def finish_task(
        self,
        task_id: str,
        success: bool = True,
        err_code: int = DEFAULT_FAILURE_CODE,
        message: str = "The image could not be generated.",
    ) -> None:
        """Finish the task now (DescribeTaskDetail answers FINISH from here on) and queue its completion event."""
        with self.lock:
            task = self.tasks[task_id]
            final: dict[str, Any] = {"Status": "FINISH"}
            if not success:
                final.update(ErrCode=err_code, Message=message)
            task.follow_script([final])
            task.finished_at = iso_now()
            task.event_queued = True
            self.events.add_completion(task_object(self, task, final))

    # -- reading what happened --------------------------------------------------------------------------

    def calls(self, action: str) -> list[dict[str, Any]]:
        """Bodies of the calls of `action` that were authenticated and acted on (dropped answers included)."""
        with self.lock:
            return [r.body for r in self.requests if r.action == action and r.accepted]

    def task_ids(self) -> list[str]:
        with self.lock:
            return list(self.tasks)

    def timed_lengths(self) -> dict[str, float]:
        """Seconds from creation to finish of each timed task (queue time included)."""
        with self.lock:
            return {t.task_id: t.timing.waiting + t.timing.duration for t in self.tasks.values() if t.timing}

    def finish_times(self) -> dict[str, float]:
        """time.monotonic() at which each timed task finishes (or finished)."""
        with self.lock:
            return {t.task_id: at for t in self.tasks.values() if (at := t.finishes_at) is not None}

    # -- the way of a call (answer_call, below) -------------------------------------------------------

    def mark_arrival(self) -> None:
        self._arrival.at = self.limiter_clock()

    def arrival_time(self) -> float:
        """When the request this thread answers arrived, on the limiter's clock."""
        at = getattr(self._arrival, "at", None)
        return self.limiter_clock() if at is None else float(at)

    def check_sub_app(self, body: dict[str, Any]) -> None:
        if body.get("SubAppId") != self.sub_app_id:
            raise TencentError("InvalidParameterValue.SubAppId", "Incorrect SubAppId.")

    def take_injected_failure(self, action: str) -> tuple[str, str] | None:
        with self.lock:
            queued = self._failures.get(action)
            return queued.pop(0) if queued else None

    def take_drop(self, action: str) -> bool:
        with self.lock:
            drops = self._drops.get(action, 0)
            if drops:
                self._drops[action] = drops - 1
            return bool(drops)

    def handle(self, handler: Handler, method: str) -> None:
        path = urlsplit(handler.path).path
        if method in ("GET", "HEAD") and path.startswith(("/outputs/", "/media/")):
            handler.read_body()
            serve_file(self, handler, path)
        else:
            answer_call(self, handler, method, path)


def answer_call(vod: FakeVod, handler: Handler, method: str, path: str) -> None:
    """One API call, as through Tencent's gateway: recorded, authenticated, its version checked, an injected
    failure applied, then handed to the action it names; or, when told to, its answer dropped."""
    arrived = time.monotonic()
    vod.mark_arrival()
    raw = handler.read_body()
    action = handler.headers.get("X-TC-Action", "")
    request_id = str(uuid.uuid4())
    try:
        parsed: Any = json.loads(raw.decode("utf-8")) if raw else None
    except (ValueError, UnicodeDecodeError):
        parsed = None
    body = parsed if isinstance(parsed, dict) else {}
    record = VodRequest(action, body, dict(handler.headers), arrived, False, raw, request_id)
    with vod.lock:
        vod.requests.append(record)
    try:
        if method != "POST":
            raise TencentError("UnsupportedOperation", "This endpoint accepts POST with a JSON body only.")
        vod.credentials.authenticate(handler, path, raw, body, vod.check_signature)
        record.signature_valid = True
        if handler.headers.get("X-TC-Version") != API_VERSION:
            raise TencentError("NoSuchVersion", "The requested API version does not exist or is not supported.")
        if not isinstance(parsed, dict):
            raise TencentError("InvalidParameter", "The request body is not a valid JSON object.")
        injected = vod.take_injected_failure(action)
        if injected is not None:
            raise TencentError(*injected)
        answer = _act(vod, action, body)
        record.accepted = True
    except TencentError as error:
        record.error = error.code
        answer = {"Error": {"Code": error.code, "Message": error.message}}
    answer["RequestId"] = request_id
    if vod.take_drop(action):
        record.dropped = True
        handler.drop()
        return
    handler.reply(200, json.dumps({"Response": answer}).encode(), "application/json")


def _act(vod: FakeVod, action: str, body: dict[str, Any]) -> dict[str, Any]:
    if action == CREATE:
        return create_task(vod, body)  # its rate limit counts before any other check
    act = ACTIONS.get(action)
    if act is None:
        raise TencentError("InvalidAction", f"The action `{action}` does not exist.")
    vod.check_sub_app(body)
    return act(vod, body)


def _pull_events(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    return vod.events.pull(vod.pull_wait_seconds, vod.event_redelivery_seconds, lambda: queue_timed_events(vod))


def _confirm_events(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    return vod.events.confirm(body)


ACTIONS: dict[str, Callable[[FakeVod, dict[str, Any]], dict[str, Any]]] = {
    "DescribeTaskDetail": describe_task,
    "DescribeTasks": describe_tasks,
    "ApplyUpload": apply_upload,
    "CommitUpload": commit_upload,
    "PullEvents": _pull_events,
    "ConfirmEvents": _confirm_events,
}


__all__ = ["FakeVod"]
