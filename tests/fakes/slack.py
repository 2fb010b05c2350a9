"""A fake Slack Web API (`{url}/api/<method>`), file host, upload target and response_url receiver."""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.base import FakeServer, Handler


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    time: float


def _parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(raw.decode("utf-8"))
        return dict(data) if isinstance(data, dict) else {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    if content_type.startswith("multipart/form-data"):
        boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
        fields: dict[str, Any] = {}
        for part in raw.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' not in head:
                continue
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            value = value.removesuffix(b"\r\n")
            fields[name] = value if b"filename=" in head else value.decode("utf-8", errors="replace")
        return fields
    return {"_raw": raw}


class FakeSlack(FakeServer):
    def __init__(self, bot_token: str, team_id: str = "T0001", bot_user_id: str = "UBOT") -> None:
        super().__init__()
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.calls: list[SlackCall] = []
        self.responses: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.uploads: dict[str, bytes] = {}
        self.downloads: list[str] = []
        self.usergroups: dict[str, list[str]] = {}
        self.app_token: str | None = None
        self.socket_mode_url: str | None = None
        self._changed = threading.Condition(self.lock)
        self._faults: dict[str, list[tuple[str, Any]]] = {}
        self._ts = 1_700_000_000_000_100

    # -- knobs ------------------------------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        with self.lock:
            self._faults.setdefault(method, []).extend([("error", error)] * times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        with self.lock:
            self._faults.setdefault(method, []).extend([("ratelimited", retry_after)] * times)

    def server_error_next(self, method: str, times: int = 1) -> None:
        with self.lock:
            self._faults.setdefault(method, []).extend([("5xx", None)] * times)

    def add_file(self, file_id: str, data: bytes, name: str, mimetype: str, filetype: str) -> dict[str, Any]:
        obj = {
            "id": file_id,
            "name": name,
            "title": name,
            "mimetype": mimetype,
            "filetype": filetype,
            "size": len(data),
            "user": "U100",
            "is_external": False,
            "url_private": f"{self.url}/files-pri/{self.team_id}-{file_id}/{name}",
            "url_private_download": f"{self.url}/files-pri/{self.team_id}-{file_id}/download/{name}",
        }
        with self.lock:
            self.files[file_id] = obj
            self.file_bytes[file_id] = data
        return dict(obj)

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{name}"

    # -- reading what happened ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c.args for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.calls_to(method)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(f"expected {count} call(s) to {method}; saw {seen}")
                self._changed.wait(remaining)
            return self.calls_to(method)

    def uploaded_bytes(self) -> list[bytes]:
        with self.lock:
            return list(self.uploads.values())

    # -- wire -----------------------------------------------------------------------------------------------

    def handle(self, handler: Handler, method: str) -> None:
        path = urlsplit(handler.path).path
        raw = handler.read_body() if method in ("POST", "PUT") else b""
        if path.startswith("/api/"):
            self._api(handler, path[len("/api/") :], raw)
        elif path.startswith("/files-pri/"):
            self._download(handler, path)
        elif path.startswith("/upload/"):
            with self._changed:
                self.uploads[path.rsplit("/", 1)[1]] = (
                    _parse_body(handler.headers.get("Content-Type", ""), raw).get("file", raw)
                    if handler.headers.get("Content-Type", "").startswith("multipart/")
                    else raw
                )
                self._changed.notify_all()
            handler.reply(200, b"OK - uploaded", "text/plain")
        elif path.startswith("/respond/"):
            body = _parse_body(handler.headers.get("Content-Type", ""), raw)
            with self._changed:
                self.responses.append({"name": path.rsplit("/", 1)[1], "body": body})
                self._changed.notify_all()
            handler.reply(200, b"ok", "text/plain")
        else:
            handler.reply(404, b"not found", "text/plain")

    def _download(self, handler: Handler, path: str) -> None:
        if handler.headers.get("Authorization") != f"Bearer {self.bot_token}":
            # Slack answers an unauthenticated file request with its sign-in page.
            handler.reply(302, b"", "text/html", {"Location": f"{self.url}/signin"})
            return
        file_id = path.split("/")[2].split("-", 1)[1]
        with self.lock:
            data = self.file_bytes.get(file_id)
            self.downloads.append(file_id)
        if data is None:
            handler.reply(404, b"<html>not found</html>", "text/html")
            return
        handler.reply(200, data, str(self.files[file_id]["mimetype"]))

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _api(self, handler: Handler, name: str, raw: bytes) -> None:
        args = _parse_body(handler.headers.get("Content-Type", ""), raw)
        args.update(dict(parse_qsl(urlsplit(handler.path).query)))
        with self._changed:
            self.calls.append(SlackCall(name, args, dict(handler.headers), time.monotonic()))
            faults = self._faults.get(name)
            fault = faults.pop(0) if faults else None
            self._changed.notify_all()
        if fault and fault[0] == "ratelimited":
            handler.reply(
                429, b'{"ok":false,"error":"ratelimited"}', "application/json", {"Retry-After": str(fault[1])}
            )
            return
        if fault and fault[0] == "5xx":
            handler.reply(500, b"upstream error", "text/plain")
            return
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ") or str(args.get("token", ""))
        if name == "apps.connections.open" and self.app_token and token == self.app_token:
            answer: dict[str, Any] = {"ok": True, "url": self.socket_mode_url}
        elif token != self.bot_token:
            answer = {"ok": False, "error": "invalid_auth"}
        elif fault:
            answer = {"ok": False, "error": fault[1]}
        else:
            answer = self._answer(name, args)
        handler.reply(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

    def _answer(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        ok: dict[str, Any] = {"ok": True}
        if name == "auth.test":
            return {
                **ok,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "aigc",
                "team_id": self.team_id,
                "user_id": self.bot_user_id,
                "bot_id": "B0001",
            }
        if name in ("chat.postMessage", "chat.update"):
            ts = args.get("ts") if name == "chat.update" else None
            ts = ts or self._next_ts()
            return {
                **ok,
                "channel": args.get("channel"),
                "ts": ts,
                "message": {"text": args.get("text", ""), "ts": ts, "bot_id": "B0001"},
            }
        if name == "chat.postEphemeral":
            return {**ok, "message_ts": self._next_ts()}
        if name == "chat.getPermalink":
            return {**ok, "permalink": f"https://acme.slack.com/archives/{args.get('channel')}/p1"}
        if name in ("views.open", "views.update", "views.push"):
            view = args.get("view")
            view = json.loads(view) if isinstance(view, str) else (view or {})
            return {
                **ok,
                "view": {**view, "id": args.get("view_id") or f"V{uuid.uuid4().hex[:8]}", "hash": uuid.uuid4().hex},
            }
        if name == "files.info":
            found = self.files.get(str(args.get("file")))
            return {**ok, "file": found} if found else {"ok": False, "error": "file_not_found"}
        if name == "files.getUploadURLExternal":
            file_id = f"F{uuid.uuid4().hex[:10].upper()}"
            return {**ok, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if name == "files.completeUploadExternal":
            files = args.get("files")
            files = json.loads(files) if isinstance(files, str) else (files or [])
            return {**ok, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}
        if name == "usergroups.users.list":
            return {**ok, "users": self.usergroups.get(str(args.get("usergroup")), [])}
        if name in ("conversations.info", "users.info"):
            return {**ok}
        return {"ok": False, "error": "unknown_method"}

    def start(self) -> FakeSlack:
        super().start()
        return self

    def __enter__(self) -> FakeSlack:
        return self.start()
