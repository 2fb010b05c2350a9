"""Media in and out of the fake VOD: ApplyUpload and CommitUpload, and GET of output images and uploaded media."""

from __future__ import annotations

import secrets
import string
import struct
import time
import uuid
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.standins.base import Handler
from bot.standins.vod_model import TencentError, vod_file_id

if TYPE_CHECKING:
    from bot.standins.vod import FakeVod

ACCOUNT_APPID = 1250000000


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


def _random_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def apply_upload(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    media_type = str(body.get("MediaType") or "")
    if not media_type:
        raise TencentError("MissingParameter", "MediaType is required.")
    session = UploadSession(
        key=_random_text(48),
        bucket=f"vodgzp{vod.sub_app_id}-{ACCOUNT_APPID}",
        region=vod.region,
        path=f"/{vod.sub_app_id}/{uuid.uuid4().hex}/{uuid.uuid4().hex}.{media_type}",
        secret_id="AKID" + _random_text(32),
        secret_key=_random_text(32),
        token=_random_text(120),
        expired_time=int(time.time()) + 3600,
    )
    with vod.lock:
        vod.upload_sessions[session.key] = session
    if vod.cos is not None:
        vod.cos.allow(session.secret_id, session.secret_key, session.token, session.expired_time)
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


def commit_upload(vod: FakeVod, body: dict[str, Any]) -> dict[str, Any]:
    with vod.lock:
        session = vod.upload_sessions.get(str(body.get("VodSessionKey") or ""))
        if session is None or session.file_id is not None:
            raise TencentError("InvalidParameterValue.VodSessionKey", "The VodSessionKey is invalid.")
        if vod.cos is not None and not vod.cos.has_object(session.path):
            raise TencentError("FailedOperation", "Operation failed: the uploaded media was not found.")
        session.file_id = vod_file_id()
        vod.file_ids.add(session.file_id)
    return {"FileId": session.file_id, "MediaUrl": f"{vod.url}/media{session.path}", "CoverUrl": ""}


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


def serve_file(vod: FakeVod, handler: Handler, path: str) -> None:
    """GET /outputs/<TaskId>/<i>.png once the task succeeded, or /media<MediaStoragePath> from the linked COS."""
    data: bytes | None = None
    if path.startswith("/outputs/"):
        task_id, _, name = path[len("/outputs/") :].partition("/")
        index_text = name.removesuffix(".png")
        with vod.lock:
            task = vod.tasks.get(task_id)
            done = task is not None and task.state.get("Status") == "FINISH" and not task.state.get("ErrCode")
            if done and task is not None and index_text.isdigit() and int(index_text) < task.output_count:
                data = vod.render_output(task, int(index_text))
    elif vod.cos is not None:
        with vod.cos.lock:
            data = vod.cos.objects.get(path[len("/media") :])
    with vod.lock:
        vod.downloads.append(path)
    if data is None:
        body = b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>NoSuchKey</Code></Error>"
        handler.reply(404, body, "application/xml")
        return
    handler.reply(200, data, "image/png" if path.endswith(".png") else "application/octet-stream")
