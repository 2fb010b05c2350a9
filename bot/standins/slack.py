"""A fake Slack Web API at `{url}/api/<method>`, plus the other Slack URLs a bot touches.

Also served: the upload URLs handed out by files.getUploadURLExternal (`{url}/upload/<file id>`), private
file downloads (`{url}/files-pri/<team>-<file id>/...`, bearer token required, else a 302 to a sign-in page as
Slack does), and response_url targets (`{url}/respond/<name>`).

Arguments are accepted as JSON, form-encoded or multipart bodies and in the query string, merged into one
dict per call. Values are recorded as sent: a form-encoded `blocks` stays a JSON string.
"""

from __future__ import annotations

import json
import math
import mimetypes
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from bot.standins.base import FakeServer, Handler

SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
    b"<body><form method='post' action='/signin'><input name='email'><input type='password' name='password'>"
    b"<button>Sign in</button></form></body></html>"
)
JSON_TYPE = "application/json; charset=utf-8"


@dataclass
class SlackCall:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    time: float
    token: str = ""
    status: int = 200
    answer: dict[str, Any] | None = None


@dataclass
class PendingUpload:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    created: int = field(default_factory=lambda: int(time.time()))


def parse_body(content_type: str, raw: bytes) -> dict[str, Any]:
    """Form fields of a JSON, urlencoded or multipart body; file parts come back as bytes."""
    if not raw:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        data = json.loads(raw.decode("utf-8"))
        return dict(data) if isinstance(data, dict) else {}
    if kind == "application/x-www-form-urlencoded":
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    if kind == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        fields: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            if not isinstance(name, str):
                continue
            payload = part.get_payload(decode=True)
            value = payload if isinstance(payload, bytes) else b""
            fields[name] = value if part.get_filename() is not None else value.decode("utf-8", errors="replace")
        return fields
    return {"_raw": raw}


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# Slack's tiers as Slack publishes them, not imported from bot/slack/pacing.py: the stand-in checks the
# bot's pacing, so it must not share the bot's idea of which method is in which tier.
TIER3_METHODS = frozenset({"chat.update", "reactions.add", "conversations.info"})
TIER4_METHODS = frozenset(
    {
        "chat.postEphemeral",
        "views.open",
        "views.push",
        "views.update",
        "views.publish",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "users.info",
    }
)


@dataclass
class _Allowance:
    """A token bucket counted by when calls arrive, as Slack counts them."""

    per_second: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """0 if a call may go now (and it is counted), else the seconds until one may."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.per_second


@dataclass(frozen=True)
class RateLimits:
    """Slack's published limits (per minute unless named otherwise), with the short bursts Slack tolerates."""

    channel_per_second: float = 1.0
    channel_burst: float = 3
    workspace_per_minute: float = 400
    workspace_burst: float = 30
    tier3_per_minute: float = 50
    tier3_burst: float = 10
    tier4_per_minute: float = 100
    tier4_burst: float = 20


# Slack's limit on the blocks of a Home tab view.
HOME_MAX_BLOCKS = 100


def _elements(value: Any) -> Iterator[dict[str, Any]]:
    """Every block and element in a view, at any depth."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _elements(item)
    elif isinstance(value, list):
        for item in value:
            yield from _elements(item)


def _bad_image(element: dict[str, Any]) -> bool:
    """An image block or element Slack would refuse: it needs an image_url (or slack_file) and alt_text."""
    if element.get("type") != "image":
        return False
    return not (element.get("image_url") or element.get("slack_file")) or not element.get("alt_text")


class FakeSlack(FakeServer):
    def __init__(self, bot_token: str, team_id: str = "T0001", bot_user_id: str = "UBOT") -> None:
        super().__init__()
        self.bot_token = bot_token
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.bot_id = "B0001"
        self.app_id = "A0001"
        self.team_domain = "acme"
        # Socket Mode: apps.connections.open answers socket_mode_url when called with app_token.
        self.app_token: str | None = None
        self.socket_mode_url: str | None = None
        # Directory data; tests may add entries.
        self.usergroups: dict[str, list[str]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        # What happened.
        self.calls: list[SlackCall] = []
        self.responses: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        # views.publish: every Home view published, per user, oldest first.
        self.home_views: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_bytes: dict[str, bytes] = {}
        self.uploads: dict[str, bytes] = {}
        self.completed_uploads: list[dict[str, Any]] = []
        self.downloads: list[str] = []
        self.peak_downloads = 0  # most file downloads in progress at once
        self._downloading = 0
        # Knob: how long each file download takes before its bytes are sent.
        self.download_seconds = 0.0
        self._pending_uploads: dict[str, PendingUpload] = {}
        self._changed = threading.Condition(self.lock)
        self._faults: dict[str, list[tuple[str, Any]]] = {}
        self._download_faults: list[int] = []
        self._ts = 1_700_000_000_000_100
        # Off unless a test calls enforce_limits.
        self._limits: RateLimits | None = None
        self._limit_scale = 1.0
        self._allowances: dict[tuple[str, ...], _Allowance] = {}

    # -- knobs ------------------------------------------------------------------------------------------

    def fail_next(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        """The next `times` calls of `method` answer {"ok": false, "error": error}."""
        with self.lock:
            self._faults.setdefault(method, []).extend([("error", error)] * times)

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 429 with Retry-After."""
        with self.lock:
            self._faults.setdefault(method, []).extend([("ratelimited", retry_after)] * times)

    def server_error_next(self, method: str, times: int = 1) -> None:
        """The next `times` calls of `method` answer HTTP 500 with a non-JSON body."""
        with self.lock:
            self._faults.setdefault(method, []).extend([("5xx", None)] * times)

    def enforce_limits(self, limits: RateLimits | None = None, scale: float = 1.0) -> None:
        """From now on, answer calls past Slack's rate limits (every rate times `scale`) as Slack does: HTTP 429,
        a Retry-After header in whole seconds, and {"ok": false, "error": "ratelimited"}."""
        with self.lock:
            self._limits, self._limit_scale = limits or RateLimits(), scale
            self._allowances.clear()

    def lift_limits(self) -> None:
        """Back to answering every call, however fast they come."""
        with self.lock:
            self._limits = None
            self._allowances.clear()

    def ratelimited(self) -> list[SlackCall]:
        """The calls answered 429."""
        with self.lock:
            return [c for c in self.calls if c.status == 429]

    def _allowance(self, key: tuple[str, ...], per_second: float, burst: float) -> _Allowance:
        found = self._allowances.get(key)
        if found is None:
            found = self._allowances[key] = _Allowance(per_second * self._limit_scale, burst)
        return found

    def _over_limit(self, name: str, args: dict[str, Any], now: float) -> float:
        """Seconds to wait if this call goes past a limit, else 0 (and the call is counted). Lock held."""
        limits = self._limits
        if limits is None:
            return 0.0
        allowances: list[_Allowance] = []
        if name == "chat.postMessage":
            channel = str(args.get("channel") or "")
            allowances.append(self._allowance((name, channel), limits.channel_per_second, limits.channel_burst))
            allowances.append(self._allowance((name,), limits.workspace_per_minute / 60, limits.workspace_burst))
        elif name in TIER3_METHODS:
            allowances.append(self._allowance((name,), limits.tier3_per_minute / 60, limits.tier3_burst))
        elif name in TIER4_METHODS:
            allowances.append(self._allowance((name,), limits.tier4_per_minute / 60, limits.tier4_burst))
        for index, allowance in enumerate(allowances):
            wait = allowance.take(now)
            if wait:
                for taken in allowances[:index]:
                    taken.tokens += 1  # a refused call counts against nothing
                return wait
        return 0.0

    def fail_downloads(self, status: int = 503, times: int = 1) -> None:
        """The next `times` authorised file downloads answer HTTP `status` with an HTML error page."""
        with self.lock:
            self._download_faults.extend([status] * times)

    def add_file(self, file_id: str, data: bytes, name: str, mimetype: str, filetype: str) -> dict[str, Any]:
        """Register a file the bot may look up (files.info) and download with its token."""
        obj = self._file_object(file_id, name, name, mimetype, filetype, len(data), user="U100")
        with self.lock:
            self.files[file_id] = obj
            self.file_bytes[file_id] = data
        return dict(obj)

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{quote(name, safe='')}"

    # -- reading what happened ------------------------------------------------------------------------------

    def calls_to(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c.args for c in self.calls if c.method == method]

    def responses_to(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r["body"] for r in self.responses if r["name"] == name]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until `count` calls of `method` were recorded; returns all of them."""
        return self._wait(lambda: self.calls_to(method), count, timeout, f"call(s) to {method}")

    def wait_for_response(self, name: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """Block until `count` POSTs reached response_url(name); returns their bodies."""
        return self._wait(lambda: self.responses_to(name), count, timeout, f"POST(s) to response_url {name!r}")

    def _wait(
        self, seen: Callable[[], list[dict[str, Any]]], count: int, timeout: float, what: str
    ) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(found := seen()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    names = [r["name"] for r in self.responses]
                    raise AssertionError(
                        f"expected {count} {what} within {timeout}s, got {len(found)}; "
                        f"API calls seen: {methods}; response_url posts seen: {names}"
                    )
                self._changed.wait(remaining)
            return found

    def uploaded_bytes(self) -> list[bytes]:
        with self.lock:
            return list(self.uploads.values())

    # -- wire -----------------------------------------------------------------------------------------------

    def handle(self, handler: Handler, method: str) -> None:
        split = urlsplit(handler.path)
        path = split.path
        raw = handler.read_body()
        content_type = handler.headers.get("Content-Type", "")
        if path.startswith("/api/"):
            self._api(handler, path[len("/api/") :], raw, split.query)
        elif path.startswith("/files-pri/") and method in ("GET", "HEAD"):
            self._download(handler, path)
        elif path.startswith("/upload/") and method in ("POST", "PUT"):
            self._upload(handler, path.rsplit("/", 1)[1], content_type, raw)
        elif path.startswith("/respond/") and method == "POST":
            try:
                body = parse_body(content_type, raw)
            except ValueError:
                handler.reply(400, b"invalid_payload", "text/html")
                return
            with self._changed:
                self.responses.append({"name": path[len("/respond/") :], "body": body, "time": time.monotonic()})
                self._changed.notify_all()
            handler.reply(200, b"ok", "text/html")
        elif path == "/signin":
            handler.reply(200, SIGN_IN_PAGE, "text/html; charset=utf-8")
        else:
            handler.reply(404, b"<html><body>Not found</body></html>", "text/html")

    def _upload(self, handler: Handler, file_id: str, content_type: str, raw: bytes) -> None:
        data = raw
        if content_type.lower().startswith("multipart/"):
            fields = parse_body(content_type, raw)
            named = fields.get("file")
            files = [v for v in fields.values() if isinstance(v, bytes)]
            data = named if isinstance(named, bytes) else (files[0] if files else b"")
        with self._changed:
            pending = self._pending_uploads.get(file_id)
            if pending is not None:
                pending.data = data
                self.uploads[file_id] = data
                self._changed.notify_all()
        if pending is None:
            handler.reply(404, b"not found", "text/plain")
            return
        handler.reply(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")

    def _download(self, handler: Handler, path: str) -> None:
        if handler.headers.get("Authorization") != f"Bearer {self.bot_token}":
            # What Slack does for a private file URL without a valid token: redirect to its sign-in page.
            location = f"{self.url}/signin?redir={quote(path, safe='')}"
            handler.reply(302, SIGN_IN_PAGE, "text/html; charset=utf-8", {"Location": location})
            return
        segment = path.split("/")[2] if path.count("/") >= 2 else ""
        team, _, file_id = segment.partition("-")
        with self.lock:
            data = self.file_bytes.get(file_id) if team == self.team_id else None
            mimetype = str(self.files.get(file_id, {}).get("mimetype", "application/octet-stream"))
            self.downloads.append(file_id)
            fault = self._download_faults.pop(0) if self._download_faults else None
        if fault is not None:
            handler.reply(fault, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        if data is None:
            handler.reply(404, b"<html><body>File not found</body></html>", "text/html")
            return
        with self.lock:
            self._downloading += 1
            self.peak_downloads = max(self.peak_downloads, self._downloading)
        try:
            if self.download_seconds:
                time.sleep(self.download_seconds)
            handler.reply(200, data, mimetype)
        finally:
            with self.lock:
                self._downloading -= 1

    def _api(self, handler: Handler, name: str, raw: bytes, query: str) -> None:
        try:
            args = parse_body(handler.headers.get("Content-Type", ""), raw)
        except ValueError:
            handler.reply(200, b'{"ok":false,"error":"invalid_json"}', JSON_TYPE)
            return
        args.update(dict(parse_qsl(query, keep_blank_values=True)))
        token = handler.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.get("token", ""))
        call = SlackCall(name, args, dict(handler.headers), time.monotonic(), token)
        with self._changed:
            self.calls.append(call)
            faults = self._faults.get(name)
            fault = faults.pop(0) if faults else None
            if fault is None and (wait := self._over_limit(name, args, call.time)):
                fault = ("ratelimited", max(1, math.ceil(wait)))
        headers: dict[str, str] = {}
        if fault is not None and fault[0] == "ratelimited":
            call.status, answer = 429, {"ok": False, "error": "ratelimited"}
            headers["Retry-After"] = str(fault[1])
        elif fault is not None and fault[0] == "5xx":
            call.status, answer = 500, {}
        elif name == "apps.connections.open" and self.app_token and token == self.app_token:
            answer = {"ok": True, "url": self.socket_mode_url}
        elif not token:
            answer = {"ok": False, "error": "not_authed"}
        elif token != self.bot_token:
            answer = {"ok": False, "error": "invalid_auth"}
        elif fault is not None:
            answer = {"ok": False, "error": fault[1]}
        else:
            with self.lock:
                answer = self._answer(name, args)
        call.answer = answer
        with self._changed:
            self._changed.notify_all()
        if call.status == 500:
            handler.reply(500, b"<html><body>Internal Server Error</body></html>", "text/html")
            return
        handler.reply(call.status, json.dumps(answer).encode(), JSON_TYPE, headers)

    # -- method answers (called with the lock held) --------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _file_object(
        self, file_id: str, name: str, title: str, mimetype: str, filetype: str, size: int, user: str
    ) -> dict[str, Any]:
        now = int(time.time())
        return {
            "id": file_id,
            "created": now,
            "timestamp": now,
            "name": name,
            "title": title,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": user,
            "user_team": self.team_id,
            "mode": "hosted",
            "editable": False,
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "size": size,
            "url_private": f"{self.url}/files-pri/{self.team_id}-{file_id}/{name}",
            "url_private_download": f"{self.url}/files-pri/{self.team_id}-{file_id}/download/{name}",
            "permalink": f"https://{self.team_domain}.slack.com/files/{user}/{file_id}/{name}",
        }

    def _answer(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        handler = self._methods().get(name)
        if handler is None:
            return {"ok": False, "error": "unknown_method"}
        return handler(args)

    def _methods(self) -> dict[str, Callable[[dict[str, Any]], dict[str, Any]]]:
        return {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.postEphemeral": self._post_ephemeral,
            "chat.update": self._update,
            "chat.getPermalink": self._permalink,
            "views.open": self._view_open,
            "views.push": self._view_open,
            "views.update": self._view_update,
            "views.publish": self._view_publish,
            "conversations.info": self._conversation_info,
            "users.info": self._user_info,
            "usergroups.users.list": self._usergroup_users,
            "files.info": self._file_info,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete_upload,
        }

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": "Acme",
            "user": "aigc",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _message(self, args: dict[str, Any], ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.team_id,
            "text": str(args.get("text") or ""),
            "ts": ts,
        }
        for key in ("blocks", "attachments", "metadata"):
            if args.get(key):
                message[key] = _maybe_json(args[key])
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        return message

    @staticmethod
    def _has_content(args: dict[str, Any]) -> bool:
        return any(args.get(key) for key in ("text", "blocks", "attachments"))

    def _post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not self._has_content(args):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        message = self._message(args, ts)
        self.messages.append({"channel": channel, **message})
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("user"):
            return {"ok": False, "error": "user_not_in_channel"}
        if not self._has_content(args):
            return {"ok": False, "error": "no_text"}
        return {"ok": True, "message_ts": self._next_ts()}

    def _update(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._message(args, ts)
        for index, posted in enumerate(self.messages):
            if posted["channel"] == channel and posted["ts"] == ts:
                self.messages[index] = {"channel": channel, **message}
        return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _permalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        link = f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _view_object(self, view_id: str, view: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "id": view_id,
            "team_id": self.team_id,
            "type": view.get("type", "modal"),
            "title": view.get("title"),
            "submit": view.get("submit"),
            "close": view.get("close"),
            "blocks": view.get("blocks", []),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": view.get("external_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": (previous or {}).get("root_view_id", view_id),
            "previous_view_id": None,
            "app_id": self.app_id,
            "bot_id": self.bot_id,
        }

    def _view_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_arguments"}
        view = _maybe_json(args.get("view"))
        if not isinstance(view, dict) or "blocks" not in view:
            return {"ok": False, "error": "invalid_arguments"}
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        obj = self._view_object(view_id, view, None)
        self.views[view_id] = obj
        return {"ok": True, "view": obj}

    def _view_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view = _maybe_json(args.get("view"))
        view_id = str(args.get("view_id") or "")
        if not view_id and args.get("external_id"):
            view_id = next((k for k, v in self.views.items() if v["external_id"] == args["external_id"]), "")
            if not view_id:
                return {"ok": False, "error": "not_found"}
        if not view_id or not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        previous = self.views.get(view_id)
        if previous is not None and args.get("hash") and args["hash"] != previous["hash"]:
            return {"ok": False, "error": "hash_conflict"}
        obj = self._view_object(view_id, view, previous)
        self.views[view_id] = obj
        return {"ok": True, "view": obj}

    def _view_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user_id") or "")
        view = _maybe_json(args.get("view"))
        if not user:
            return {"ok": False, "error": "invalid_arguments"}
        if not isinstance(view, dict) or view.get("type") != "home" or not isinstance(view.get("blocks"), list):
            return {"ok": False, "error": "invalid_arguments"}
        if len(view["blocks"]) > HOME_MAX_BLOCKS or any(_bad_image(element) for element in _elements(view)):
            return {"ok": False, "error": "invalid_blocks"}
        view_id = f"V{uuid.uuid4().hex[:10].upper()}"
        obj = self._view_object(view_id, view, None)
        self.home_views.setdefault(user, []).append(obj)
        return {"ok": True, "view": obj}

    def _conversation_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = str(args.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        known = self.channels.get(channel, {})
        is_im = channel.startswith("D")
        obj = {
            "id": channel,
            "name": "" if is_im else f"channel-{channel.lower()}",
            "is_channel": not is_im and not channel.startswith("G"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": self.team_id,
            **known,
        }
        return {"ok": True, "channel": obj}

    def _user_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = str(args.get("user") or "")
        if not user:
            return {"ok": False, "error": "user_not_found"}
        known = self.users.get(user, {})
        obj = {
            "id": user,
            "team_id": self.team_id,
            "name": user.lower(),
            "real_name": f"User {user}",
            "deleted": False,
            "is_admin": False,
            "is_owner": False,
            "is_bot": user == self.bot_user_id,
            "tz": "UTC",
            "tz_offset": 0,
            "profile": {"display_name": user.lower(), "real_name": f"User {user}"},
            **known,
        }
        return {"ok": True, "user": obj}

    def _usergroup_users(self, args: dict[str, Any]) -> dict[str, Any]:
        group = str(args.get("usergroup") or "")
        if group not in self.usergroups:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(self.usergroups[group])}

    def _file_info(self, args: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(str(args.get("file") or ""))
        if found is None:
            return {"ok": False, "error": "file_not_found"}
        return {"ok": True, "file": dict(found), "comments": [], "response_metadata": {"next_cursor": ""}}

    def _get_upload_url(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "")
        length = str(args.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{uuid.uuid4().hex[:10].upper()}"
        self._pending_uploads[file_id] = PendingUpload(file_id, filename, int(length))
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _complete_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _maybe_json(args.get("files"))
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        completed: list[dict[str, Any]] = []
        for entry in files:
            pending = self._pending_uploads.get(str((entry or {}).get("id")))
            if pending is None:
                return {"ok": False, "error": "file_not_found"}
            data = pending.data or b""
            extension = pending.filename.rsplit(".", 1)[-1].lower() if "." in pending.filename else "binary"
            mimetype = mimetypes.guess_type(pending.filename)[0] or "application/octet-stream"
            title = str(entry.get("title") or pending.filename)
            obj = self._file_object(
                pending.file_id, pending.filename, title, mimetype, extension, len(data), self.bot_user_id
            )
            self.files[pending.file_id] = obj
            self.file_bytes[pending.file_id] = data
            completed.append(obj)
        channel = args.get("channel_id") or ""
        self.completed_uploads.append(
            {
                "channel_id": channel,
                "channels": args.get("channels"),
                "thread_ts": args.get("thread_ts"),
                "initial_comment": args.get("initial_comment"),
                "files": [dict(f) for f in completed],
            }
        )
        return {"ok": True, "files": [dict(f) for f in completed]}


__all__ = ["FakeSlack", "RateLimits", "SlackCall", "parse_body"]
