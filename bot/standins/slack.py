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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from bot.standins.base import FakeServer, Handler
from bot.standins.slack_bodies import parse_body
from bot.standins.slack_chat import permalink, post_ephemeral, post_message, update
from bot.standins.slack_directory import auth_test, conversation_info, user_info, usergroup_users
from bot.standins.slack_files import (
    SIGN_IN_PAGE,
    PendingUpload,
    complete_upload,
    file_info,
    file_object,
    get_upload_url,
    receive_upload,
    serve_download,
)
from bot.standins.slack_limits import RateLimits, TierLimiter
from bot.standins.slack_views import view_open, view_publish, view_update

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


class FakeSlack(FakeServer):
    """The fake Slack a test holds: its knobs, the state its methods share, and waiting for what the bot sends."""

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
        self.downloads_in_progress = 0
        # Knob: how long each file download takes before its bytes are sent.
        self.download_seconds = 0.0
        self.pending_uploads: dict[str, PendingUpload] = {}
        # Notified whenever a call, a response_url post or an upload arrives.
        self.changed = threading.Condition(self.lock)
        self.download_faults: list[int] = []
        self.last_ts = 1_700_000_000_000_100
        self.limiter = TierLimiter()  # off unless a test calls enforce_limits
        self._faults: dict[str, list[tuple[str, Any]]] = {}

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
            self.limiter.enforce(limits or RateLimits(), scale)

    def lift_limits(self) -> None:
        """Back to answering every call, however fast they come."""
        with self.lock:
            self.limiter.lift()

    def fail_downloads(self, status: int = 503, times: int = 1) -> None:
        """The next `times` authorised file downloads answer HTTP `status` with an HTML error page."""
        with self.lock:
            self.download_faults.extend([status] * times)

    def add_file(self, file_id: str, data: bytes, name: str, mimetype: str, filetype: str) -> dict[str, Any]:
        """Register a file the bot may look up (files.info) and download with its token."""
        obj = file_object(self, file_id, name, name, mimetype, filetype, len(data), user="U100")
        with self.lock:
            self.files[file_id] = obj
            self.file_bytes[file_id] = data
        return dict(obj)

    def response_url(self, name: str) -> str:
        return f"{self.url}/respond/{quote(name, safe='')}"

    # -- reading what happened ------------------------------------------------------------------------------

    def ratelimited(self) -> list[SlackCall]:
        """The calls answered 429."""
        with self.lock:
            return [c for c in self.calls if c.status == 429]

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
        with self.changed:
            while len(found := seen()) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    methods = [c.method for c in self.calls]
                    names = [r["name"] for r in self.responses]
                    raise AssertionError(
                        f"expected {count} {what} within {timeout}s, got {len(found)}; "
                        f"API calls seen: {methods}; response_url posts seen: {names}"
                    )
                self.changed.wait(remaining)
            return found

    def uploaded_bytes(self) -> list[bytes]:
        with self.lock:
            return list(self.uploads.values())

    # -- wire -----------------------------------------------------------------------------------------------

    def record_call(self, call: SlackCall) -> tuple[str, Any] | None:
        """Record an API call; returns the fault it meets, injected or a rate limit, if any."""
        with self.changed:
            self.calls.append(call)
            faults = self._faults.get(call.method)
            fault = faults.pop(0) if faults else None
            if fault is None and (wait := self.limiter.wait(call.method, call.args, call.time)):
                fault = ("ratelimited", max(1, math.ceil(wait)))
        return fault

    def handle(self, handler: Handler, method: str) -> None:
        split = urlsplit(handler.path)
        path = split.path
        raw = handler.read_body()
        content_type = handler.headers.get("Content-Type", "")
        if path.startswith("/api/"):
            answer_api_call(self, handler, path[len("/api/") :], raw, split.query)
        elif path.startswith("/files-pri/") and method in ("GET", "HEAD"):
            serve_download(self, handler, path)
        elif path.startswith("/upload/") and method in ("POST", "PUT"):
            receive_upload(self, handler, path.rsplit("/", 1)[1], content_type, raw)
        elif path.startswith("/respond/") and method == "POST":
            try:
                body = parse_body(content_type, raw)
            except ValueError:
                handler.reply(400, b"invalid_payload", "text/html")
                return
            with self.changed:
                self.responses.append({"name": path[len("/respond/") :], "body": body, "time": time.monotonic()})
                self.changed.notify_all()
            handler.reply(200, b"ok", "text/html")
        elif path == "/signin":
            handler.reply(200, SIGN_IN_PAGE, "text/html; charset=utf-8")
        else:
            handler.reply(404, b"<html><body>Not found</body></html>", "text/html")


def answer_api_call(slack: FakeSlack, handler: Handler, name: str, raw: bytes, query: str) -> None:
    """One Web API call: recorded, then answered by its fault, its token's refusal, or its method."""
    try:
        args = parse_body(handler.headers.get("Content-Type", ""), raw)
    except ValueError:
        handler.reply(200, b'{"ok":false,"error":"invalid_json"}', JSON_TYPE)
        return
    args.update(dict(parse_qsl(query, keep_blank_values=True)))
    token = handler.headers.get("Authorization", "").removeprefix("Bearer ").strip() or str(args.get("token", ""))
    call = SlackCall(name, args, dict(handler.headers), time.monotonic(), token)
    fault = slack.record_call(call)
    headers: dict[str, str] = {}
    if fault is not None and fault[0] == "ratelimited":
        call.status, answer = 429, {"ok": False, "error": "ratelimited"}
        headers["Retry-After"] = str(fault[1])
    elif fault is not None and fault[0] == "5xx":
        call.status, answer = 500, {}
    elif name == "apps.connections.open" and slack.app_token and token == slack.app_token:
        answer = {"ok": True, "url": slack.socket_mode_url}
    elif not token:
        answer = {"ok": False, "error": "not_authed"}
    elif token != slack.bot_token:
        answer = {"ok": False, "error": "invalid_auth"}
    elif fault is not None:
        answer = {"ok": False, "error": fault[1]}
    else:
        method = METHODS.get(name)
        with slack.lock:
            answer = method(slack, args) if method is not None else {"ok": False, "error": "unknown_method"}
    call.answer = answer
    with slack.changed:
        slack.changed.notify_all()
    if call.status == 500:
        handler.reply(500, b"<html><body>Internal Server Error</body></html>", "text/html")
        return
    handler.reply(call.status, json.dumps(answer).encode(), JSON_TYPE, headers)


# The Web API methods the fake answers; each is called with the fake's lock held.
METHODS: dict[str, Callable[[FakeSlack, dict[str, Any]], dict[str, Any]]] = {
    "auth.test": auth_test,
    "chat.postMessage": post_message,
    "chat.postEphemeral": post_ephemeral,
    "chat.update": update,
    "chat.getPermalink": permalink,
    "views.open": view_open,
    "views.push": view_open,
    "views.update": view_update,
    "views.publish": view_publish,
    "conversations.info": conversation_info,
    "users.info": user_info,
    "usergroups.users.list": usergroup_users,
    "files.info": file_info,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}

__all__ = ["FakeSlack", "SlackCall"]
