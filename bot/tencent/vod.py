"""An async Tencent Cloud VOD client: signed API 3.0 calls, the 20/s limit, and safe retries."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import SecretStr

from bot import wording
from bot.errors import AigcBotError, worth_retrying
from bot.observe import timed_vod_send
from bot.tencent import tc3
from bot.tencent.models import CreateSceneAigcImageTaskRequest
from bot.tencent.ratelimit import CREATE_TASK_LIMITER, SlidingWindowLimiter, Slot

log = logging.getLogger(__name__)

API_VERSION = "2018-07-17"
SERVICE = "vod"
CREATE_TASK = "CreateSceneAigcImageTask"
DESCRIBE_TASK = "DescribeTaskDetail"
DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=30.0)
MAX_ATTEMPTS = 5
BACKOFF_CAP_SECONDS = 8.0


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default verification (its certificate store, SSL_CERT_FILE and SSL_CERT_DIR honoured), built once
    per process: httpx builds a new context, reading the whole store again (about 30 ms of CPU), for every client
    it makes, and every client of the bot has the same settings."""
    return httpx.create_ssl_context()


class VodError(AigcBotError):
    """Tencent refused, or the call's fate is unknown. `code` is Tencent's, or ClientError.* of ours."""

    def __init__(self, code: str, message: str, request_id: str | None = None, action: str = "") -> None:
        log_text = f"{action}: {code}: {message}" if action else f"{code}: {message}"
        super().__init__(code, message, request_id, log_text=log_text)


class AlreadySubmitted(VodError):
    """Tencent already holds a task for this SessionId, so nothing new was submitted or billed."""

    def __init__(self, message: str, request_id: str | None, session_id: str) -> None:
        super().__init__("InvalidParameterValue.SessionId", message, request_id, CREATE_TASK)
        self.session_id = session_id


@dataclass(frozen=True)
class SubmitResult:
    task_id: str
    request_id: str


@dataclass(frozen=True)
class OutputFile:
    url: str | None
    file_id: str | None
    file_type: str | None
    storage_mode: str | None
    expire_time: str | None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v}


# OutputFile's fields, in order, as a FileInfo names them.
_FILE_INFO_KEYS = ("FileUrl", "FileId", "FileType", "StorageMode", "ExpireTime")


@dataclass(frozen=True)
class TaskDetail:
    task_id: str
    status: str
    progress: int | None
    err_code: int
    message: str
    outputs: list[OutputFile] = field(default_factory=list)
    create_time: str | None = None
    finish_time: str | None = None
    session_id: str | None = None
    session_context: str | None = None
    request_id: str | None = None
    begin_process_time: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in ("FINISH", "ABORTED")

    @property
    def succeeded(self) -> bool:
        return self.status == "FINISH" and self.err_code == 0

    @property
    def waiting(self) -> bool:
        return self.status == "WAITING"


def parse_scene_task(task: dict[str, Any], *, outer: dict[str, Any] | None = None) -> TaskDetail:
    """Read a SceneAigcImageTask object, from DescribeTaskDetail or from an event."""
    outer = outer or {}
    files = (task.get("Output") or {}).get("FileInfos") or []
    # The scene task's own Status knows only PROCESSING and FINISH; a queued task shows as WAITING outside it.
    status = "WAITING" if outer.get("Status") == "WAITING" else task.get("Status") or outer.get("Status")
    return TaskDetail(
        task_id=str(task.get("TaskId") or outer.get("TaskId") or ""),
        status=str(status or "PROCESSING"),
        progress=task.get("Progress"),
        err_code=int(task.get("ErrCode") or 0),
        message=str(task.get("Message") or ""),
        outputs=[OutputFile(*(f.get(key) or None for key in _FILE_INFO_KEYS)) for f in files],
        create_time=outer.get("CreateTime") or None,
        finish_time=outer.get("FinishTime") or None,
        session_id=task.get("SessionId") or None,
        session_context=task.get("SessionContext") or None,
        request_id=outer.get("RequestId"),
        begin_process_time=outer.get("BeginProcessTime") or None,
    )


@dataclass(frozen=True)
class TaskSummary:
    """One TaskSimpleInfo from DescribeTasks: enough to recognise a task, not its result."""

    task_id: str
    create_time: str | None
    session_id: str | None
    session_context: str | None


@dataclass(frozen=True)
class TaskPage:
    """One page of DescribeTasks; `scroll_token` is set while more pages remain."""

    tasks: list[TaskSummary]
    scroll_token: str | None
    request_id: str


def tencent_time(moment: datetime) -> str:
    """VOD's ISO 8601 form: UTC, whole seconds, a Z suffix."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_task_summary(item: dict[str, Any]) -> TaskSummary:
    return TaskSummary(
        task_id=str(item.get("TaskId") or ""),
        create_time=item.get("CreateTime") or None,
        session_id=item.get("SessionId") or None,
        session_context=item.get("SessionContext") or None,
    )


@dataclass(frozen=True)
class UploadTicket:
    bucket: str
    region: str
    session_key: str
    media_path: str
    temp_secret_id: str
    temp_secret_key: SecretStr
    temp_token: SecretStr
    request_id: str


# The domain the CreateSceneAigcImageTask page names. OTHER_ENDPOINT is the one most other VOD API pages and
# Tencent Cloud's China site name.
DEFAULT_ENDPOINT = "https://vod.intl.tencentcloudapi.com"
OTHER_ENDPOINT = "https://vod.tencentcloudapi.com"


class VodClient:
    """One client per process; share its httpx.AsyncClient for keep-alive connections."""

    def __init__(
        self,
        *,
        secret_id: str,
        secret_key: SecretStr,
        sub_app_id: int,
        region: str = "ap-guangzhou",
        endpoint: str = DEFAULT_ENDPOINT,
        http: httpx.AsyncClient | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        create_limiter: SlidingWindowLimiter = CREATE_TASK_LIMITER,
        describe_limiter: SlidingWindowLimiter | None = None,
        backoff_base: float = 0.4,
    ) -> None:
        self.secret_id = secret_id
        self._secret_key = secret_key
        self.sub_app_id = sub_app_id
        self.region = region
        self.url = endpoint.rstrip("/") + "/"
        self.host = urlsplit(self.url).netloc
        self._own_http = http is None
        self.http = http or httpx.AsyncClient(timeout=timeout, verify=tls_context())
        self._limiters = {CREATE_TASK: create_limiter}
        if describe_limiter is not None:
            self._limiters[DESCRIBE_TASK] = describe_limiter
        self.backoff_base = backoff_base

    async def aclose(self) -> None:
        if self._own_http:
            await self.http.aclose()

    async def __aenter__(self) -> VodClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP_SECONDS, self.backoff_base * 2**attempt)
        return float(ceiling / 2 + random.uniform(0, ceiling / 2))

    @timed_vod_send
    async def _send_once(self, action: str, body: bytes, slot: Slot | None = None) -> dict[str, Any]:
        headers = tc3.signed_headers(
            secret_id=self.secret_id,
            secret_key=self._secret_key.get_secret_value(),
            service=SERVICE,
            host=self.host,
            action=action,
            version=API_VERSION,
            region=self.region,
            body=body,
            timestamp=int(time.time()),
        )
        extensions: dict[str, Any] = {}
        if slot is not None:

            async def trace(event: str, info: dict[str, Any]) -> None:
                if event.endswith("send_request_body.complete"):
                    slot.mark_sent()

            extensions["trace"] = trace
        try:
            response = await self.http.post(self.url, content=body, headers=headers, extensions=extensions)
        finally:
            if slot is not None:
                slot.mark_sent()
        try:
            payload = response.json()
            answer = payload["Response"]
            if not isinstance(answer, dict):
                raise TypeError("Response is not an object")
        except (ValueError, KeyError, TypeError):
            raise VodError(
                "ClientError.BadResponse",
                wording.connections.NOT_AN_API_ANSWER.format(status_code=response.status_code),
                action=action,
            ) from None
        return answer

    def _not_connected(self, error: httpx.TransportError) -> str:
        """What stopped the connection to the endpoint from opening, in a few words."""
        if isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
            return wording.connections.CONNECT_TIMED_OUT.format(host=self.host, seconds=self.http.timeout.connect or 0)
        causes: list[BaseException] = []
        cause: BaseException | None = error
        while cause is not None and len(causes) < 8:  # the socket's own error lies a few wrappers down
            causes.append(cause)
            cause = cause.__cause__ or cause.__context__
        if any(isinstance(c, ConnectionRefusedError) for c in causes):
            return wording.connections.CONNECTION_REFUSED.format(host=self.host)
        detail = str(causes[-1]) or type(causes[-1]).__name__
        lowered = " ".join(str(c) for c in causes).lower()
        if "refused" in lowered:
            return wording.connections.CONNECTION_REFUSED.format(host=self.host)
        if "name or service" in lowered or "nodename" in lowered or "name resolution" in lowered:
            return wording.connections.NAME_NOT_RESOLVED.format(host=self.host)
        if "ssl" in lowered or "certificate" in lowered or "tls" in lowered:
            return wording.connections.TLS_FAILED.format(host=self.host, detail=detail)
        return wording.connections.NO_CONNECTION.format(host=self.host, detail=detail)

    async def call(self, action: str, params: dict[str, Any], *, dedupe_safe: bool) -> dict[str, Any]:
        """Send one API call. `dedupe_safe` says whether sending it twice can never act twice."""
        body = json.dumps(params, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            limiter = self._limiters.get(action)
            slot = await limiter.acquire() if limiter is not None else None
            try:
                answer = await self._send_once(action, body, slot)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as error:
                # The request never left this machine, so sending again cannot act twice.
                failure = VodError("ClientError.Network", self._not_connected(error), None, action)
            except httpx.TimeoutException:
                waited = wording.connections.NO_ANSWER_AFTER_SENDING.format(waited=self.http.timeout.read)
                failure = VodError("ClientError.Timeout", waited, None, action)
            except httpx.TransportError as error:
                broke = wording.connections.CONNECTION_BROKE_DETAIL.format(error=error)
                failure = VodError("ClientError.ConnectionLost", broke, None, action)
            except VodError as unreadable:
                failure = unreadable
            else:
                error_obj = answer.get("Error")
                request_id = answer.get("RequestId")
                if not error_obj:
                    return answer
                code = str(error_obj.get("Code", "UnknownError"))
                message = str(error_obj.get("Message", ""))
                if code == "InvalidParameterValue.SessionId" and action == CREATE_TASK:
                    raise AlreadySubmitted(message, request_id, str(params.get("SessionId", "")))
                failure = VodError(code, message, request_id, action)
            attempt += 1
            if not worth_retrying(failure.code, repeat_safe=dedupe_safe) or attempt >= MAX_ATTEMPTS:
                log.warning("vod %s failed: %s (request %s)", action, failure.code, failure.request_id)
                raise failure
            delay = self._backoff(attempt - 1)
            log.info("vod %s: %s, retry %d in %.1fs", action, failure.code, attempt, delay)
            await asyncio.sleep(delay)

    async def create_scene_aigc_image_task(self, request: CreateSceneAigcImageTaskRequest) -> SubmitResult:
        answer = await self.call(CREATE_TASK, request.to_wire(), dedupe_safe=bool(request.session_id))
        return SubmitResult(task_id=str(answer["TaskId"]), request_id=str(answer.get("RequestId", "")))

    async def describe_task_detail(self, task_id: str) -> TaskDetail:
        answer = await self.call(DESCRIBE_TASK, {"TaskId": task_id, "SubAppId": self.sub_app_id}, dedupe_safe=True)
        task = answer.get("SceneAigcImageTask")
        if not isinstance(task, dict):
            kind = answer.get("TaskType") or "unknown"
            raise VodError(
                "ClientError.NotSceneAigcImageTask",
                wording.connections.NOT_A_SCENE_TASK.format(task_id=task_id, kind=kind),
                answer.get("RequestId"),
                DESCRIBE_TASK,
            )
        return parse_scene_task(task, outer=answer)

    async def describe_tasks(
        self, *, created_after: datetime, created_before: datetime, limit: int = 100, scroll_token: str | None = None
    ) -> TaskPage:
        """One page of the tasks created in [created_after, created_before), oldest first."""
        params: dict[str, Any] = {
            "SubAppId": self.sub_app_id,
            "CreateTime": {"After": tencent_time(created_after), "Before": tencent_time(created_before)},
            "Sort": {"Field": "CreateTime", "Order": "Asc"},
            "Limit": limit,
        }
        if scroll_token:
            params["ScrollToken"] = scroll_token
        answer = await self.call("DescribeTasks", params, dedupe_safe=True)
        return TaskPage(
            tasks=[parse_task_summary(item) for item in answer.get("TaskSet") or [] if isinstance(item, dict)],
            scroll_token=answer.get("ScrollToken") or None,
            request_id=str(answer.get("RequestId", "")),
        )

    async def apply_upload(self, media_type: str, *, expire_time: str | None = None) -> UploadTicket:
        params: dict[str, Any] = {"SubAppId": self.sub_app_id, "MediaType": media_type}
        if expire_time:
            params["ExpireTime"] = expire_time
        answer = await self.call("ApplyUpload", params, dedupe_safe=True)
        cert = answer.get("TempCertificate") or {}
        return UploadTicket(
            bucket=str(answer["StorageBucket"]),
            region=str(answer["StorageRegion"]),
            session_key=str(answer["VodSessionKey"]),
            media_path=str(answer["MediaStoragePath"]),
            temp_secret_id=str(cert.get("SecretId", "")),
            temp_secret_key=SecretStr(str(cert.get("SecretKey", ""))),
            temp_token=SecretStr(str(cert.get("Token", ""))),
            request_id=str(answer.get("RequestId", "")),
        )

    async def commit_upload(self, session_key: str) -> str:
        answer = await self.call(
            "CommitUpload", {"SubAppId": self.sub_app_id, "VodSessionKey": session_key}, dedupe_safe=False
        )
        return str(answer["FileId"])

    async def pull_events(self) -> list[dict[str, Any]]:
        answer = await self.call("PullEvents", {"SubAppId": self.sub_app_id}, dedupe_safe=True)
        return list(answer.get("EventSet") or [])

    async def confirm_events(self, handles: list[str]) -> None:
        if handles:
            await self.call("ConfirmEvents", {"SubAppId": self.sub_app_id, "EventHandles": handles}, dedupe_safe=True)
