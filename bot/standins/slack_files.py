"""The fake Slack's files: files.info and the two-step external upload, the upload URLs it hands out, and
private file downloads (bearer token required, else a 302 to a sign-in page as Slack does)."""

from __future__ import annotations

import mimetypes
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from bot.standins.base import Handler
from bot.standins.slack_bodies import maybe_json, parse_body

if TYPE_CHECKING:
    from bot.standins.slack import FakeSlack

SIGN_IN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in | Slack</title></head>"
    b"<body><form method='post' action='/signin'><input name='email'><input type='password' name='password'>"
    b"<button>Sign in</button></form></body></html>"
)


@dataclass
class PendingUpload:
    file_id: str
    filename: str
    length: int
    data: bytes | None = None
    created: int = field(default_factory=lambda: int(time.time()))


def file_object(
    slack: FakeSlack, file_id: str, name: str, title: str, mimetype: str, filetype: str, size: int, user: str
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
        "user_team": slack.team_id,
        "mode": "hosted",
        "editable": False,
        "is_external": False,
        "external_type": "",
        "is_public": False,
        "size": size,
        "url_private": f"{slack.url}/files-pri/{slack.team_id}-{file_id}/{name}",
        "url_private_download": f"{slack.url}/files-pri/{slack.team_id}-{file_id}/download/{name}",
        "permalink": f"https://{slack.team_domain}.slack.com/files/{user}/{file_id}/{name}",
    }


def file_info(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    found = slack.files.get(str(args.get("file") or ""))
    if found is None:
        return {"ok": False, "error": "file_not_found"}
    return {"ok": True, "file": dict(found), "comments": [], "response_metadata": {"next_cursor": ""}}


def get_upload_url(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    filename = str(args.get("filename") or "")
    length = str(args.get("length") or "")
    if not filename or not length.isdigit():
        return {"ok": False, "error": "invalid_arguments"}
    file_id = f"F{uuid.uuid4().hex[:10].upper()}"
    slack.pending_uploads[file_id] = PendingUpload(file_id, filename, int(length))
    return {"ok": True, "upload_url": f"{slack.url}/upload/{file_id}", "file_id": file_id}


def complete_upload(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    files = maybe_json(args.get("files"))
    if not isinstance(files, list) or not files:
        return {"ok": False, "error": "invalid_arguments"}
    completed: list[dict[str, Any]] = []
    for entry in files:
        pending = slack.pending_uploads.get(str((entry or {}).get("id")))
        if pending is None:
            return {"ok": False, "error": "file_not_found"}
        data = pending.data or b""
        extension = pending.filename.rsplit(".", 1)[-1].lower() if "." in pending.filename else "binary"
        mimetype = mimetypes.guess_type(pending.filename)[0] or "application/octet-stream"
        title = str(entry.get("title") or pending.filename)
        obj = file_object(
            slack, pending.file_id, pending.filename, title, mimetype, extension, len(data), slack.bot_user_id
        )
        slack.files[pending.file_id] = obj
        slack.file_bytes[pending.file_id] = data
        completed.append(obj)
    channel = args.get("channel_id") or ""
    slack.completed_uploads.append(
        {
            "channel_id": channel,
            "channels": args.get("channels"),
            "thread_ts": args.get("thread_ts"),
            "initial_comment": args.get("initial_comment"),
            "files": [dict(f) for f in completed],
        }
    )
    return {"ok": True, "files": [dict(f) for f in completed]}


def receive_upload(slack: FakeSlack, handler: Handler, file_id: str, content_type: str, raw: bytes) -> None:
    """The bytes sent to an upload URL, raw or as a multipart file part."""
    data = raw
    if content_type.lower().startswith("multipart/"):
        fields = parse_body(content_type, raw)
        named = fields.get("file")
        files = [v for v in fields.values() if isinstance(v, bytes)]
        data = named if isinstance(named, bytes) else (files[0] if files else b"")
    with slack.changed:
        pending = slack.pending_uploads.get(file_id)
        if pending is not None:
            pending.data = data
            slack.uploads[file_id] = data
            slack.changed.notify_all()
    if pending is None:
        handler.reply(404, b"not found", "text/plain")
        return
    handler.reply(200, f"OK - {len(data)}".encode(), "text/plain; charset=utf-8")


def serve_download(slack: FakeSlack, handler: Handler, path: str) -> None:
    if handler.headers.get("Authorization") != f"Bearer {slack.bot_token}":
        # What Slack does for a private file URL without a valid token: redirect to its sign-in page.
        location = f"{slack.url}/signin?redir={quote(path, safe='')}"
        handler.reply(302, SIGN_IN_PAGE, "text/html; charset=utf-8", {"Location": location})
        return
    segment = path.split("/")[2] if path.count("/") >= 2 else ""
    team, _, file_id = segment.partition("-")
    with slack.lock:
        data = slack.file_bytes.get(file_id) if team == slack.team_id else None
        mimetype = str(slack.files.get(file_id, {}).get("mimetype", "application/octet-stream"))
        slack.downloads.append(file_id)
        fault = slack.download_faults.pop(0) if slack.download_faults else None
    if fault is not None:
        handler.reply(fault, b"<html><body>Service Unavailable</body></html>", "text/html")
        return
    if data is None:
        handler.reply(404, b"<html><body>File not found</body></html>", "text/html")
        return
    with slack.lock:
        slack.downloads_in_progress += 1
        slack.peak_downloads = max(slack.peak_downloads, slack.downloads_in_progress)
    try:
        if slack.download_seconds:
            time.sleep(slack.download_seconds)
        handler.reply(200, data, mimetype)
    finally:
        with slack.lock:
            slack.downloads_in_progress -= 1
