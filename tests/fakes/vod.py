"""A fake Tencent Cloud VOD API 3.0 endpoint.

Every request's TC3-HMAC-SHA256 signature is recomputed with the official tencentcloud-sdk-python-common
code (AbstractClient._get_tc3_signature) from the request exactly as received. Answers have the real shapes:
`{"Response": {..., "RequestId": ...}}`, errors as `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`.
Unknown TaskIds answer ResourceNotFound.TaskNotExist. PullEvents with nothing queued answers an empty EventSet.
"""

from __future__ import annotations

import hmac
import json
import random
import socket
import struct
import time
import uuid
import zlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from tencentcloud.common.abstract_client import AbstractClient
from tencentcloud.common.http.request import RequestInternal

from tests.fakes.base import FakeServer, Handler
from tests.fakes.cos import FakeCos

SCENE_TYPES = {
    "ai_try_on",
    "product_image",
    "outpainting",
    "change_clothes",
    "change_clothes_under",
    "change_clothes_top_wear",
    "change_clothes_bottom_wear",
    "change_clothes_full_wear",
}
CREATE = "CreateSceneAigcImageTask"
DEFAULT_SCRIPT: list[dict[str, Any]] = [{"Status": "PROCESSING", "Progress": 50}, {"Status": "FINISH"}]


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class VodRequest:
    action: str
    body: dict[str, Any]
    headers: dict[str, str]
    time: float
    signature_valid: bool
    error: str | None = None
    answered: bool = False


@dataclass
class FakeTask:
    task_id: str
    request: dict[str, Any]
    script: list[dict[str, Any]]
    created: str = field(default_factory=iso_now)
    step: int = 0
    finished_at: str = ""


class TencentError(Exception):
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
    ) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sub_app_id = sub_app_id
        self.cos = cos
        self.output_base_url = output_base_url
        self.requests: list[VodRequest] = []
        self.delay_seconds = 0.0
        self.rate_limited = 0
        self.tasks: dict[str, FakeTask] = {}
        self.sessions: set[str] = set()
        self.file_ids: set[str] = set()
        self.upload_sessions: dict[str, dict[str, Any]] = {}
        self.events: dict[str, dict[str, Any]] = {}
        self._failures: dict[str, deque[tuple[str, str]]] = {}
        self._drops: dict[str, int] = {}
        self._scripts: dict[str, list[dict[str, Any]]] = {}
        self._create_arrivals: deque[float] = deque()

    # -- knobs ----------------------------------------------------------------------------------------

    def fail_next(self, action: str, code: str, message: str = "refused by the fake", times: int = 1) -> None:
        with self.lock:
            self._failures.setdefault(action, deque()).extend([(code, message)] * times)

    def drop_next(self, action: str, times: int = 1) -> None:
        with self.lock:
            self._drops[action] = self._drops.get(action, 0) + times

    def set_task_script(self, task_id: str, steps: list[dict[str, Any]]) -> None:
        with self.lock:
            self._scripts[task_id] = steps

    def add_file_id(self, file_id: str) -> None:
        with self.lock:
            self.file_ids.add(file_id)

    def calls(self, action: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r.body for r in self.requests if r.action == action and r.answered and r.error is None]

    def finish_task(self, task_id: str, success: bool = True) -> None:
        with self.lock:
            task = self.tasks[task_id]
            final = {"Status": "FINISH"} if success else {"Status": "FINISH", "ErrCode": 70000, "Message": "failed"}
            task.script = [final]
            task.step = 0
            self._queue_event(task)

    # -- wire -------------------------------------------------------------------------------------------

    def handle(self, handler: Handler, method: str) -> None:
        if method == "GET" and handler.path.startswith("/outputs/"):
            self._serve_output(handler)
            return
        raw = handler.read_body()
        action = handler.headers.get("X-TC-Action", "")
        headers = dict(handler.headers)
        request_id = str(uuid.uuid4())
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except (ValueError, UnicodeDecodeError):
            body = {}
        record = VodRequest(action, body, headers, time.monotonic(), False)
        with self.lock:
            self.requests.append(record)
        try:
            self._authenticate(handler, raw, body)
            record.signature_valid = True
            if not isinstance(body, dict) or not raw:
                raise TencentError("InvalidParameter", "the body must be a JSON object")
            if handler.headers.get("X-TC-Version") != "2018-07-17":
                raise TencentError("NoSuchVersion", "the API version does not exist")
            with self.lock:
                queued = self._failures.get(action)
                injected = queued.popleft() if queued else None
            if injected:
                raise TencentError(*injected)
            answer = self._dispatch(action, body)
        except TencentError as error:
            record.error = error.code
            answer = {"Error": {"Code": error.code, "Message": error.message}}
        answer["RequestId"] = request_id
        record.answered = True
        with self.lock:
            drop = self._drops.get(action, 0)
            if drop:
                self._drops[action] = drop - 1
        if drop:
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.reply(200, json.dumps({"Response": answer}).encode(), "application/json")

    def _authenticate(self, handler: Handler, raw: bytes, body: Any) -> None:
        auth = handler.headers.get("Authorization", "")
        if not auth.startswith("TC3-HMAC-SHA256 "):
            raise TencentError("AuthFailure.InvalidAuthorization", "Authorization is missing or malformed")
        try:
            parts = dict(p.strip().split("=", 1) for p in auth[len("TC3-HMAC-SHA256 ") :].split(","))
            secret_id, date, service, terminator = parts["Credential"].split("/")
            signature = parts["Signature"]
        except (KeyError, ValueError):
            raise TencentError("AuthFailure.InvalidAuthorization", "Authorization is malformed") from None
        if secret_id != self.secret_id:
            raise TencentError("AuthFailure.SecretIdNotFound", "the SecretId does not exist")
        stamp = handler.headers.get("X-TC-Timestamp", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
            raise TencentError("AuthFailure.SignatureExpire", "the signature has expired")
        if parts.get("SignedHeaders") != "content-type;host" or service != "vod" or terminator != "tc3_request":
            raise TencentError("AuthFailure.InvalidAuthorization", "unexpected credential scope")
        request = RequestInternal(
            handler.headers.get("Host", ""),
            "POST",
            "/",
            header={
                "Content-Type": handler.headers.get("Content-Type", ""),
                "Host": handler.headers.get("Host", ""),
                "X-TC-Timestamp": stamp,
            },
            data=raw.decode("utf-8", errors="replace"),
        )
        expected = AbstractClient._get_tc3_signature(SimpleNamespace(), body, request, date, "vod", self.secret_key)
        if not hmac.compare_digest(expected, signature):
            raise TencentError("AuthFailure.SignatureFailure", "the request signature does not match")

    def _dispatch(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        handlers = {
            CREATE: self._create,
            "DescribeTaskDetail": self._describe,
            "ApplyUpload": self._apply_upload,
            "CommitUpload": self._commit_upload,
            "PullEvents": self._pull_events,
            "ConfirmEvents": self._confirm_events,
        }
        if action not in handlers:
            raise TencentError("InvalidAction", f"the action {action} does not exist")
        return handlers[action](body)

    # -- actions -----------------------------------------------------------------------------------------

    def _file_infos(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        scene = body.get("SceneInfo") or {}
        inputs = list(body.get("FileInfos") or [])
        for config in ("AiTryOnConfig", "ChangeClothesConfig"):
            inputs += list((scene.get(config) or {}).get("ClothesFileInfos") or [])
        return inputs

    def _create(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            now = time.monotonic()
            while self._create_arrivals and now - self._create_arrivals[0] >= 1.0:
                self._create_arrivals.popleft()
            self._create_arrivals.append(now)
            if len(self._create_arrivals) > 20:
                self.rate_limited += 1
                raise TencentError("RequestLimitExceeded", "more than 20 requests in one second")
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        if body.get("SubAppId") != self.sub_app_id:
            raise TencentError("InvalidParameterValue.SubAppId", "incorrect application id")
        scene_type = (body.get("SceneInfo") or {}).get("Type")
        if scene_type not in SCENE_TYPES:
            raise TencentError("InvalidParameter", "SceneInfo.Type is invalid")
        session = str(body.get("SessionId") or "")
        if len(session) > 50:
            raise TencentError("InvalidParameterValue.SessionIdTooLong", "SessionId is too long")
        if len(str(body.get("SessionContext") or "")) > 1000:
            raise TencentError("InvalidParameterValue.SessionContextTooLong", "SessionContext is too long")
        with self.lock:
            for info in self._file_infos(body):
                if info.get("Type") == "File" and info.get("FileId") not in self.file_ids:
                    raise TencentError("InvalidParameterValue.FileId", "The FileId does not exist.")
            if session and session in self.sessions:
                raise TencentError("InvalidParameterValue.SessionId", "The deduplication ID already exists.")
            if session:
                self.sessions.add(session)
            task_id = f"{self.sub_app_id}-SceneAigcImageTask-{uuid.uuid4().hex}"
            script = self._scripts.get("*", DEFAULT_SCRIPT)
            self.tasks[task_id] = FakeTask(task_id, body, list(script))
        return {"TaskId": task_id}

    def _task_object(self, task: FakeTask, state: dict[str, Any]) -> dict[str, Any]:
        body = task.request
        finished = state.get("Status") == "FINISH"
        ok = finished and not state.get("ErrCode")
        count = int(((body.get("SceneInfo") or {}).get("ProductImageConfig") or {}).get("OutputImageCount") or 1)
        storage = (body.get("OutputConfig") or {}).get("StorageMode", "Temporary")
        base = self.output_base_url or self.url
        outputs = (
            [
                {
                    "StorageMode": storage,
                    "FileType": "png",
                    "FileUrl": f"{base}/outputs/{task.task_id}/{i}.png",
                    "FileId": str(random.randint(10**18, 10**19 - 1)) if storage == "Permanent" else "",
                    "MediaName": "",
                    "ClassId": 0,
                    "ExpireTime": "",
                }
                for i in range(count)
            ]
            if ok
            else []
        )
        return {
            "TaskId": task.task_id,
            "Status": state.get("Status", "PROCESSING"),
            "ErrCode": state.get("ErrCode", 0),
            "Message": state.get("Message", ""),
            "Progress": state.get("Progress", 100 if finished else 0),
            "Input": {k: body[k] for k in ("SceneInfo", "FileInfos", "OutputConfig") if k in body},
            "Output": {"FileInfos": outputs},
            "SessionId": body.get("SessionId", ""),
            "SessionContext": body.get("SessionContext", ""),
        }

    def _describe(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            task = self.tasks.get(str(body.get("TaskId")))
            if task is None:
                raise TencentError("ResourceNotFound.TaskNotExist", "the task does not exist")
            state = task.script[min(task.step, len(task.script) - 1)]
            task.step += 1
            if state.get("Status") == "FINISH" and not task.finished_at:
                task.finished_at = iso_now()
            return {
                "TaskType": "SceneAigcImageTask",
                "Status": state.get("Status", "PROCESSING"),
                "CreateTime": task.created,
                "BeginProcessTime": task.created,
                "FinishTime": task.finished_at,
                "SceneAigcImageTask": self._task_object(task, state),
            }

    def _queue_event(self, task: FakeTask) -> None:
        handle = uuid.uuid4().hex
        self.events[handle] = {
            "EventHandle": handle,
            "EventType": "SceneAigcImageCompleteEvent",
            "SceneAigcImageCompleteEvent": self._task_object(task, task.script[-1]),
        }

    def _pull_events(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            return {"EventSet": list(self.events.values())[:16]}

    def _confirm_events(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            for handle in body.get("EventHandles") or []:
                self.events.pop(handle, None)
        return {}

    def _apply_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        media_type = str(body.get("MediaType") or "")
        if not media_type:
            raise TencentError("MissingParameter", "MediaType is required")
        key = uuid.uuid4().hex
        path = f"/{self.sub_app_id}/{uuid.uuid4().hex}/{uuid.uuid4().hex}.{media_type}"
        temp = {
            "SecretId": f"AKIDtmp{uuid.uuid4().hex[:16]}",
            "SecretKey": uuid.uuid4().hex,
            "Token": uuid.uuid4().hex * 2,
            "ExpiredTime": int(time.time()) + 3600,
        }
        with self.lock:
            self.upload_sessions[key] = {"path": path, "committed": False}
        if self.cos is not None:
            self.cos.allow(temp["SecretId"], temp["SecretKey"], temp["Token"])
        return {
            "StorageBucket": f"vodbucket-{self.sub_app_id}",
            "StorageRegion": "ap-guangzhou",
            "VodSessionKey": key,
            "MediaStoragePath": path,
            "CoverStoragePath": "",
            "TempCertificate": temp,
        }

    def _commit_upload(self, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            session = self.upload_sessions.get(str(body.get("VodSessionKey")))
            if session is None or session["committed"]:
                raise TencentError("InvalidParameterValue.VodSessionKey", "the VodSessionKey is invalid")
            if self.cos is not None and session["path"] not in self.cos.objects:
                raise TencentError("FailedOperation", "the uploaded file was not found")
            session["committed"] = True
            file_id = str(random.randint(10**18, 10**19 - 1))
            self.file_ids.add(file_id)
        return {"FileId": file_id, "MediaUrl": f"{self.url}/media{session['path']}", "CoverUrl": ""}

    def _serve_output(self, handler: Handler) -> None:
        index = sum(handler.path.encode()) % 200
        handler.reply(200, png(4, 4, (index, 120, 255 - index)), "image/png")

    def start(self) -> FakeVod:
        super().start()
        return self

    def __enter__(self) -> FakeVod:
        return self.start()
