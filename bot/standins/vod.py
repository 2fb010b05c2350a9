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

import bisect
import hmac
import json
import secrets
import string
import struct
import threading
import time
import uuid
import zlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.errors import BotError
from bot.standins.base import FakeServer, Handler
from bot.standins.cos import FakeCos
from bot.tencent import tc3

API_VERSION = "2018-07-17"
SERVICE = "vod"
MAX_CLOCK_SKEW = 300
CREATE = "CreateSceneAigcImageTask"
RATE_LIMIT_PER_SECOND = 20
SESSION_ID_MAX = 50
SESSION_CONTEXT_MAX = 1000
MAX_EVENTS_PER_PULL = 16
TASKS_DEFAULT_LIMIT = 10
TASKS_MAX_LIMIT = 100
TASKS_LISTED_FOR = timedelta(hours=72)
TASK_STATUS_FILTERS = frozenset({"WAITING", "PROCESSING", "FINISH"})
ACCOUNT_APPID = 1250000000
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
DEFAULT_SCRIPT: tuple[dict[str, Any], ...] = ({"Status": "PROCESSING", "Progress": 50}, {"Status": "FINISH"})
DEFAULT_FAILURE_CODE = 70000
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 57, 70),
    (42, 157, 143),
    (69, 123, 157),
    (244, 162, 97),
    (131, 56, 236),
    (255, 209, 102),
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid, solid-colour 8-bit RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


_OUTPUT_PNGS = tuple(png(4, 4, colour) for colour in PALETTE)


def output_png(index: int) -> bytes:
    """The bytes served for output number `index` of any task (4x4, colour depends on the index)."""
    return _OUTPUT_PNGS[index % len(_OUTPUT_PNGS)]


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_now() -> str:
    return iso(datetime.now(UTC))


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


def vod_file_id() -> str:
    """VOD FileIds are decimal digits only."""
    return str(secrets.randbelow(9 * 10**18) + 10**18)


def _random_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass(frozen=True)
class SignedRequest:
    """What a TC3 signature covers, exactly as the request arrived."""

    host: str
    path: str
    content_type: str
    timestamp: str
    date: str
    body: bytes
    params: dict[str, Any]


SignatureCheck = Callable[[SignedRequest, str], str]
"""Recomputes the hex signature of a request for a SecretKey."""


def own_tc3_signature(request: SignedRequest, secret_key: str) -> str:
    return tc3.signature(
        secret_key,
        service=SERVICE,
        host=request.host,
        body=request.body,
        timestamp=int(request.timestamp),
        content_type=request.content_type,
        path=request.path,
    )


# Read whenever a FakeVod is made without its own check; tests/fakes replaces it with the official SDK signer.
signature_check: SignatureCheck = own_tc3_signature


@dataclass
class VodRequest:
    action: str
    body: dict[str, Any]
    headers: dict[str, str]
    time: float
    signature_valid: bool
    raw: bytes = b""
    request_id: str = ""
    error: str | None = None
    accepted: bool = False
    dropped: bool = False


@dataclass(frozen=True)
class Timing:
    """A timed task's life on the wall clock: queued, then processing for `duration` seconds."""

    duration: float
    waiting: float = 0.0
    report_progress: bool = True


@dataclass
class FakeTask:
    task_id: str
    request: dict[str, Any]
    script: list[dict[str, Any]]
    created: str = field(default_factory=iso_now)
    step: int = 0
    finished_at: str = ""
    output_file_ids: list[str] = field(default_factory=list)
    timing: Timing | None = None
    started_mono: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    event_queued: bool = False

    @property
    def state(self) -> dict[str, Any]:
        if self.timing is not None:
            return self.timed_state(time.monotonic())
        return self.script[min(self.step, len(self.script) - 1)]

    def timed_state(self, now: float) -> dict[str, Any]:
        timing = self.timing
        assert timing is not None
        running = now - self.started_mono - timing.waiting
        if running < 0:
            return {"Status": "WAITING", "Progress": 0}
        if running < timing.duration:
            progress = min(99, int(100 * running / timing.duration)) if timing.report_progress else 0
            return {"Status": "PROCESSING", "Progress": progress}
        return {"Status": "FINISH"}

    @property
    def finishes_at(self) -> float | None:
        """time.monotonic() at which a timed task finishes (system-wide on Linux, so other processes can compare)."""
        if self.timing is None:
            return None
        return self.started_mono + self.timing.waiting + self.timing.duration

    def wall_time(self, offset: float) -> str:
        return iso(datetime.fromtimestamp(self.started_wall + offset, UTC))

    @property
    def output_count(self) -> int:
        config = (self.request.get("SceneInfo") or {}).get("ProductImageConfig") or {}
        return int(config.get("OutputImageCount") or 1)

    @property
    def storage_mode(self) -> str:
        return str((self.request.get("OutputConfig") or {}).get("StorageMode") or "Temporary")


@dataclass
class UploadSession:
    key: str
    bucket: str
    region: str
    path: str
    secret_id: str
    secret_key: str
    token: str
    expired_time: int
    file_id: str | None = None


class TencentError(BotError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class FakeVod(FakeServer):
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
        # What happened.
        self.requests: list[VodRequest] = []
        self.rate_limited = 0
        self.describe_rate_limited = 0
        self.tasks: dict[str, FakeTask] = {}
        self.sessions: set[str] = set()
        self.file_ids: set[str] = set()
        self.upload_sessions: dict[str, UploadSession] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self.downloads: list[str] = []
        self._credentials: dict[str, tuple[str, str | None]] = {secret_id: (secret_key, None)}
        self._event_hidden_until: dict[str, float] = {}
        self._events_changed = threading.Condition(self.lock)
        self._failures: dict[str, list[tuple[str, str]]] = {}
        self._drops: dict[str, int] = {}
        self._default_script: list[dict[str, Any]] = [dict(s) for s in DEFAULT_SCRIPT]
        # Arrival times the limiters have counted, in order of arrival.
        self._create_arrivals: list[float] = []
        self._describe_arrivals: list[float] = []
        # The arrival, on the limiter's clock, of the request this handler thread is answering.
        self._arrival = threading.local()
        self._timings: deque[Timing] = deque()
        self._scroll_tokens: dict[str, tuple[str, int]] = {}

    # -- knobs ------------------------------------------------------------------------------------------

    def add_credential(self, secret_id: str, secret_key: str, token: str | None = None) -> None:
        """Also accept this key pair; with `token`, X-TC-Token must equal it (temporary credentials)."""
        with self.lock:
            self._credentials[secret_id] = (secret_key, token)

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
                self._default_script = [dict(s) for s in steps]
                return
            task = self.tasks.get(task_id)
            if task is None:
                raise KeyError(f"unknown task {task_id}")
            task.script = [dict(s) for s in steps]
            task.step = 0
            task.finished_at = ""
            task.timing = None

    def set_task_durations(
        self, durations: list[float], *, waiting_seconds: float = 0.0, report_progress: bool = True
    ) -> None:
        """Tasks created from now on run on the wall clock, one duration each in turn (see Timing).

        Once every duration is used, new tasks follow the script again. `report_progress=False` keeps Progress
        at 0 until the end, as a service that reports no progress would.
        """
        with self.lock:
            self._timings = deque(Timing(float(d), waiting_seconds, report_progress) for d in durations)

    def set_task_duration(self, task_id: str, seconds: float, *, waiting_seconds: float = 0.0) -> None:
        """Restart a known task on the wall clock: it finishes `waiting_seconds + seconds` from now."""
        with self.lock:
            task = self.tasks[task_id]
            task.timing = Timing(seconds, waiting_seconds)
            task.started_mono, task.started_wall = time.monotonic(), time.time()
            task.finished_at = ""

    def add_task(self, scene: str = "outpainting", *, duration: float | None = None) -> str:
        """A task as if CreateSceneAigcImageTask had just made it (no limit, no call recorded)."""
        body = {"SubAppId": self.sub_app_id, "SceneInfo": {"Type": scene}, "FileInfos": []}
        timing = Timing(duration) if duration is not None else None
        with self.lock:
            task_id = f"{self.sub_app_id}-SceneAigcImageTask-{uuid.uuid4().hex}"
            self.tasks[task_id] = FakeTask(task_id, body, [dict(s) for s in self._default_script], timing=timing)
        return task_id

    def timed_lengths(self) -> dict[str, float]:
        """Seconds from creation to finish of each timed task (queue time included)."""
        with self.lock:
            return {t.task_id: t.timing.waiting + t.timing.duration for t in self.tasks.values() if t.timing}

    def finish_times(self) -> dict[str, float]:
        """time.monotonic() at which each timed task finishes (or finished)."""
        with self.lock:
            return {t.task_id: at for t in self.tasks.values() if (at := t.finishes_at) is not None}

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
            task.script = [final]
            task.step = 0
            task.timing = None
            task.finished_at = iso_now()
            task.event_queued = True
            handle = uuid.uuid4().hex
            self.events[handle] = {
                "EventHandle": handle,
                "EventType": "SceneAigcImageCompleteEvent",
                "SceneAigcImageCompleteEvent": self._task_object(task, final),
            }
            self._events_changed.notify_all()

    # -- reading what happened --------------------------------------------------------------------------

    def calls(self, action: str) -> list[dict[str, Any]]:
        """Bodies of the calls of `action` that were authenticated and acted on (dropped answers included)."""
        with self.lock:
            return [r.body for r in self.requests if r.action == action and r.accepted]

    def task_ids(self) -> list[str]:
        with self.lock:
            return list(self.tasks)

    # -- wire -------------------------------------------------------------------------------------------

    def handle(self, handler: Handler, method: str) -> None:
        path = urlsplit(handler.path).path
        if method in ("GET", "HEAD") and path.startswith(("/outputs/", "/media/")):
            handler.read_body()
            self._serve_file(handler, path)
            return
        arrived = time.monotonic()
        self._arrival.at = self.limiter_clock()
        raw = handler.read_body()
        action = handler.headers.get("X-TC-Action", "")
        request_id = str(uuid.uuid4())
        try:
            parsed: Any = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        body = parsed if isinstance(parsed, dict) else {}
        record = VodRequest(action, body, dict(handler.headers), arrived, False, raw, request_id)
        with self.lock:
            self.requests.append(record)
        try:
            if method != "POST":
                raise TencentError("UnsupportedOperation", "This endpoint accepts POST with a JSON body only.")
            self._authenticate(handler, path, raw, body)
            record.signature_valid = True
            if handler.headers.get("X-TC-Version") != API_VERSION:
                raise TencentError("NoSuchVersion", "The requested API version does not exist or is not supported.")
            if not isinstance(parsed, dict):
                raise TencentError("InvalidParameter", "The request body is not a valid JSON object.")
            with self.lock:
                queued = self._failures.get(action)
                injected = queued.pop(0) if queued else None
            if injected is not None:
                raise TencentError(*injected)
            answer = self._dispatch(action, body)
            record.accepted = True
        except TencentError as error:
            record.error = error.code
            answer = {"Error": {"Code": error.code, "Message": error.message}}
        answer["RequestId"] = request_id
        with self.lock:
            drops = self._drops.get(action, 0)
            if drops:
                self._drops[action] = drops - 1
        if drops:
            record.dropped = True
            handler.drop()
            return
        handler.reply(200, json.dumps({"Response": answer}).encode(), "application/json")

    def _authenticate(self, handler: Handler, path: str, raw: bytes, params: dict[str, Any]) -> None:
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            raise TencentError("AuthFailure.InvalidAuthorization", "Authorization is missing or not TC3-HMAC-SHA256.")
        try:
            parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 ") :].split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
            signed_headers = parts["SignedHeaders"]
            signature = parts["Signature"]
        except (KeyError, ValueError):
            raise TencentError("AuthFailure.InvalidAuthorization", "The Authorization header is malformed.") from None
        if service != SERVICE or terminator != "tc3_request":
            raise TencentError("AuthFailure.InvalidAuthorization", "Bad credential scope.")
        if signed_headers != "content-type;host":
            raise TencentError("AuthFailure.InvalidAuthorization", "SignedHeaders must be content-type;host.")
        with self.lock:
            credential = self._credentials.get(secret_id)
        if credential is None:
            raise TencentError("AuthFailure.SecretIdNotFound", "The SecretId is not found, please ensure it is valid.")
        secret_key, token = credential
        stamp = handler.headers.get("X-TC-Timestamp", "")
        if not stamp:
            raise TencentError("MissingParameter", "The request is missing the required header X-TC-Timestamp.")
        if not stamp.isdigit():
            raise TencentError("InvalidParameter", "X-TC-Timestamp must be an integer Unix timestamp.")
        if abs(time.time() - int(stamp)) > MAX_CLOCK_SKEW:
            raise TencentError(
                "AuthFailure.SignatureExpire", "Signature expired: the timestamp is more than 300 s from server time."
            )
        if token is not None and handler.headers.get("X-TC-Token") != token:
            raise TencentError("AuthFailure.TokenFailure", "The X-TC-Token does not belong to this SecretId.")
        request = SignedRequest(
            host=handler.headers.get("Host", ""),
            path=path or "/",
            content_type=handler.headers.get("Content-Type", ""),
            timestamp=stamp,
            date=date,
            body=raw,
            params=params,
        )
        expected = self.check_signature(request, secret_key)
        utc_date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        if date != utc_date or not hmac.compare_digest(expected, signature):
            raise TencentError("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")

    def _dispatch(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if action == CREATE:
            return self._create(body)
        actions = {
            "DescribeTaskDetail": self._describe,
            "DescribeTasks": self._describe_tasks,
            "ApplyUpload": self._apply_upload,
            "CommitUpload": self._commit_upload,
            "PullEvents": self._pull_events,
            "ConfirmEvents": self._confirm_events,
        }
        if action not in actions:
            raise TencentError("InvalidAction", f"The action `{action}` does not exist.")
        self._check_sub_app(body)
        return actions[action](body)

    def _check_sub_app(self, body: dict[str, Any]) -> None:
        if body.get("SubAppId") != self.sub_app_id:
            raise TencentError("InvalidParameterValue.SubAppId", "Incorrect SubAppId.")

    # -- CreateSceneAigcImageTask -------------------------------------------------------------------------

    def _rate_limited(self) -> bool:
        with self.lock:
            refused = self._over_limit(self._create_arrivals, self.rate_limit_per_second)
            self.rate_limited += refused
            return refused

    def _over_limit(self, arrivals: list[float], limit: int) -> bool:
        # Counted by when the request arrived, as a gateway counts, not by when this handler thread got to it
        # after checking the signature: on a loaded machine that can be tens of milliseconds later, and out of
        # order. Every call counts, refused ones included, as with Tencent's limiter.
        at = getattr(self._arrival, "at", None)
        if at is None:
            at = self.limiter_clock()
        bisect.insort(arrivals, at)
        del arrivals[: bisect.bisect_right(arrivals, at - 2.0)]  # long gone from any window still being counted
        in_window = bisect.bisect_right(arrivals, at) - bisect.bisect_right(arrivals, at - 1.0)
        return bool(limit) and in_window > limit

    @staticmethod
    def _input_files(body: dict[str, Any]) -> list[dict[str, Any]]:
        scene = body.get("SceneInfo") or {}
        inputs = [i for i in body.get("FileInfos") or [] if isinstance(i, dict)]
        for config in ("AiTryOnConfig", "ChangeClothesConfig"):
            inputs += [i for i in (scene.get(config) or {}).get("ClothesFileInfos") or [] if isinstance(i, dict)]
        return inputs

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        if self._rate_limited():
            raise TencentError("RequestLimitExceeded", "Your request frequency has exceeded the limit.")
        delay = self.delay_seconds
        if delay > 0:
            time.sleep(delay)
        self._check_sub_app(body)
        scene = body.get("SceneInfo")
        if not isinstance(scene, dict) or scene.get("Type") not in SCENE_TYPES:
            raise TencentError("InvalidParameter", "SceneInfo.Type is not a supported scene.")
        session = str(body.get("SessionId") or "")
        if len(session) > SESSION_ID_MAX:
            raise TencentError("InvalidParameterValue.SessionIdTooLong", "SessionId is too long.")
        if len(str(body.get("SessionContext") or "")) > SESSION_CONTEXT_MAX:
            raise TencentError("InvalidParameterValue.SessionContextTooLong", "SessionContext is too long.")
        with self.lock:
            for info in self._input_files(body):
                if info.get("Type") == "File" and str(info.get("FileId") or "") not in self.file_ids:
                    raise TencentError("InvalidParameterValue.FileId", "The FileId does not exist.")
            if session and session in self.sessions:
                raise TencentError("InvalidParameterValue.SessionId", "The deduplication ID already exists.")
            if session:
                self.sessions.add(session)
            task_id = f"{self.sub_app_id}-SceneAigcImageTask-{uuid.uuid4().hex}"
            timing = self._timings.popleft() if self._timings else None
            if timing is None and self.task_seconds is not None:
                timing = Timing(self.task_seconds)
            self.tasks[task_id] = FakeTask(task_id, body, [dict(s) for s in self._default_script], timing=timing)
        return {"TaskId": task_id}

    # -- DescribeTaskDetail and events ---------------------------------------------------------------------

    def _outputs(self, task: FakeTask) -> list[dict[str, Any]]:
        permanent = task.storage_mode == "Permanent"
        if permanent and not task.output_file_ids:
            task.output_file_ids = [vod_file_id() for _ in range(task.output_count)]
            self.file_ids.update(task.output_file_ids)
        base = self.output_base_url or self.url
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

    def _task_object(self, task: FakeTask, state: dict[str, Any]) -> dict[str, Any]:
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
            "Output": {"FileInfos": self._outputs(task) if succeeded else []},
            "SessionId": str(request.get("SessionId", "")),
            "SessionContext": str(request.get("SessionContext", "")),
        }

    def _describe(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if self._over_limit(self._describe_arrivals, self.describe_rate_limit_per_second):
                self.describe_rate_limited += 1
                raise TencentError("RequestLimitExceeded", "Your request frequency has exceeded the limit.")
            task = self.tasks.get(str(body.get("TaskId") or ""))
            if task is None:
                raise TencentError("InvalidParameterValue.TaskId", "The task does not exist.")
            state = task.state
            task.step += 1
            status = str(state.get("Status", "PROCESSING"))
            if status == "FINISH" and not task.finished_at:
                task.finished_at = self._finish_time(task)
            return {
                "TaskType": "SceneAigcImageTask",
                "Status": status,
                "CreateTime": task.created,
                "BeginProcessTime": self._begin_time(task) if status != "WAITING" else "",
                "FinishTime": task.finished_at if status == "FINISH" else "",
                "SceneAigcImageTask": self._task_object(task, state),
            }

    @staticmethod
    def _begin_time(task: FakeTask) -> str:
        return task.wall_time(task.timing.waiting) if task.timing is not None else task.created

    @staticmethod
    def _finish_time(task: FakeTask) -> str:
        if task.timing is not None:
            return task.wall_time(task.timing.waiting + task.timing.duration)
        return iso_now()

    # -- DescribeTasks -----------------------------------------------------------------------------------

    def _describe_tasks(self, body: dict[str, Any]) -> dict[str, Any]:
        limit = self._tasks_limit(body.get("Limit"))
        _check_task_filters(body)
        query = json.dumps({k: v for k, v in body.items() if k not in ("Limit", "ScrollToken")}, sort_keys=True)
        with self.lock:
            start = self._scroll_start(body.get("ScrollToken"), query)
            matching = self._sorted_tasks(body.get("Sort"), [t for t in self.tasks.values() if self._listed(t, body)])
            page = matching[start : start + limit]
            answer: dict[str, Any] = {"TaskSet": [self._task_simple_info(t) for t in page]}
            if start + limit < len(matching):
                token = uuid.uuid4().hex
                self._scroll_tokens[token] = (query, start + limit)
                answer["ScrollToken"] = token
        return answer

    def _tasks_limit(self, value: Any) -> int:
        if value is None:
            limit = TASKS_DEFAULT_LIMIT
        elif not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise TencentError("InvalidParameterValue.Limit", "Limit must be an integer from 1 to 100.")
        elif value > TASKS_MAX_LIMIT:
            raise TencentError("InvalidParameterValue.LimitTooLarge", "Limit is larger than 100.")
        else:
            limit = value
        return min(limit, self.tasks_page_size or limit)

    def _scroll_start(self, token: Any, query: str) -> int:
        if token is None or token == "":
            return 0
        issued = self._scroll_tokens.get(str(token))
        if issued is None or issued[0] != query:
            raise TencentError("InvalidParameterValue", "The ScrollToken is invalid.")
        return issued[1]

    def _listed(self, task: FakeTask, body: dict[str, Any]) -> bool:
        if not self.list_scene_tasks:
            return False
        created = _parse_time(task.created)
        if created < datetime.now(UTC) - TASKS_LISTED_FOR:
            return False
        status = body.get("Status")
        if status is not None and self._simple_status(task) != status:
            return False
        if body.get("FileId"):
            return False  # a scene task has no single FileId to match
        if not _in_range(created, body.get("CreateTime")):
            return False
        if body.get("FinishTime") is not None:
            return bool(task.finished_at) and _in_range(_parse_time(task.finished_at), body.get("FinishTime"))
        return True

    @staticmethod
    def _sorted_tasks(sort: Any, tasks: list[FakeTask]) -> list[FakeTask]:
        field_name = "finished_at" if sort and sort["Field"] == "FinishTime" else "created"
        # Times have whole seconds; the stable sort keeps creation order within one, and Desc is its exact reverse.
        ascending = sorted(tasks, key=lambda t: str(getattr(t, field_name)))
        descending = sort is None or sort.get("Order") == "Desc"
        return ascending[::-1] if descending else ascending

    @staticmethod
    def _simple_status(task: FakeTask) -> str:
        status = str(task.state.get("Status", "PROCESSING"))
        if task.timing is not None and status == "FINISH":
            task.finished_at = task.finished_at or FakeVod._finish_time(task)
        return "FINISH" if task.finished_at and status == "FINISH" else status

    def _task_simple_info(self, task: FakeTask) -> dict[str, Any]:
        status = self._simple_status(task)
        return {
            "TaskId": task.task_id,
            "Status": status,
            "FileId": "",
            "TaskType": "SceneAigcImageTask",
            "CreateTime": task.created,
            "BeginProcessTime": self._begin_time(task) if status != "WAITING" else "",
            "FinishTime": task.finished_at if status == "FINISH" else "",
            "SessionId": str(task.request.get("SessionId", "")),
            "SessionContext": str(task.request.get("SessionContext", "")),
        }

    def _queue_timed_events(self) -> None:
        """A timed task's completion event appears once its time is up, as Tencent's would."""
        for task in self.tasks.values():
            if task.timing is None or task.event_queued or task.state.get("Status") != "FINISH":
                continue
            task.event_queued = True
            task.finished_at = task.finished_at or self._finish_time(task)
            handle = uuid.uuid4().hex
            self.events[handle] = {
                "EventHandle": handle,
                "EventType": "SceneAigcImageCompleteEvent",
                "SceneAigcImageCompleteEvent": self._task_object(task, task.state),
            }

    def _visible_events(self, now: float) -> list[dict[str, Any]]:
        self._queue_timed_events()
        visible = [e for h, e in self.events.items() if self._event_hidden_until.get(h, 0.0) <= now]
        return visible[:MAX_EVENTS_PER_PULL]

    def _pull_events(self, body: dict[str, Any]) -> dict[str, Any]:
        deadline = time.monotonic() + self.pull_wait_seconds
        with self._events_changed:
            while True:
                now = time.monotonic()
                events = self._visible_events(now)
                if events or now >= deadline:
                    break
                self._events_changed.wait(deadline - now)
            for event in events:
                self._event_hidden_until[event["EventHandle"]] = now + self.event_redelivery_seconds
            return {"EventSet": [json.loads(json.dumps(e)) for e in events]}

    def _confirm_events(self, body: dict[str, Any]) -> dict[str, Any]:
        handles = body.get("EventHandles")
        if not isinstance(handles, list) or not handles:
            raise TencentError("MissingParameter", "EventHandles is required.")
        if len(handles) > MAX_EVENTS_PER_PULL:
            raise TencentError("InvalidParameterValue", "At most 16 EventHandles per call.")
        with self.lock:
            for handle in handles:
                self.events.pop(str(handle), None)
                self._event_hidden_until.pop(str(handle), None)
        return {}

    # -- uploads --------------------------------------------------------------------------------------------

    def _apply_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        media_type = str(body.get("MediaType") or "")
        if not media_type:
            raise TencentError("MissingParameter", "MediaType is required.")
        session = UploadSession(
            key=_random_text(48),
            bucket=f"vodgzp{self.sub_app_id}-{ACCOUNT_APPID}",
            region=self.region,
            path=f"/{self.sub_app_id}/{uuid.uuid4().hex}/{uuid.uuid4().hex}.{media_type}",
            secret_id="AKID" + _random_text(32),
            secret_key=_random_text(32),
            token=_random_text(120),
            expired_time=int(time.time()) + 3600,
        )
        with self.lock:
            self.upload_sessions[session.key] = session
        if self.cos is not None:
            self.cos.allow(session.secret_id, session.secret_key, session.token, session.expired_time)
        return {
            "StorageBucket": session.bucket,
            "StorageRegion": session.region,
            "VodSessionKey": session.key,
            "MediaStoragePath": session.path,
            "CoverStoragePath": "",
            "TempCertificate": {
                "SecretId": session.secret_id,
                "SecretKey": session.secret_key,
                "Token": session.token,
                "ExpiredTime": session.expired_time,
            },
        }

    def _commit_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            session = self.upload_sessions.get(str(body.get("VodSessionKey") or ""))
            if session is None or session.file_id is not None:
                raise TencentError("InvalidParameterValue.VodSessionKey", "The VodSessionKey is invalid.")
            if self.cos is not None and not self.cos.has_object(session.path):
                raise TencentError("FailedOperation", "Operation failed: the uploaded media was not found.")
            session.file_id = vod_file_id()
            self.file_ids.add(session.file_id)
        return {"FileId": session.file_id, "MediaUrl": f"{self.url}/media{session.path}", "CoverUrl": ""}

    # -- file downloads -------------------------------------------------------------------------------------

    def _serve_file(self, handler: Handler, path: str) -> None:
        data: bytes | None = None
        if path.startswith("/outputs/"):
            task_id, _, name = path[len("/outputs/") :].partition("/")
            index_text = name.removesuffix(".png")
            with self.lock:
                task = self.tasks.get(task_id)
                done = task is not None and task.state.get("Status") == "FINISH" and not task.state.get("ErrCode")
                if done and task is not None and index_text.isdigit() and int(index_text) < task.output_count:
                    data = self.render_output(task, int(index_text))
        elif self.cos is not None:
            with self.cos.lock:
                data = self.cos.objects.get(path[len("/media") :])
        with self.lock:
            self.downloads.append(path)
        if data is None:
            body = b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>NoSuchKey</Code></Error>"
            handler.reply(404, body, "application/xml")
            return
        handler.reply(200, data, "image/png" if path.endswith(".png") else "application/octet-stream")


__all__ = [
    "FakeTask",
    "FakeVod",
    "SignatureCheck",
    "SignedRequest",
    "TencentError",
    "Timing",
    "VodRequest",
    "output_png",
    "own_tc3_signature",
    "png",
]
