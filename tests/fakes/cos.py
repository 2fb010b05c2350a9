"""A fake Tencent COS bucket endpoint (path style) that checks the COS request signature.

The expected signature is computed by the official cos-python-sdk-v5 signer (qcloud_cos.CosS3Auth) from the
request as received, so a client that signs differently from Tencent's own SDK is refused with 403.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

from qcloud_cos import CosConfig, cos_auth

from tests.fakes.base import FakeServer, Handler

_SIGNER_CLOCK = threading.Lock()


def official_signature(
    secret_id: str, secret_key: str, method: str, path: str, headers: dict[str, str], start: int, end: int
) -> str:
    """q-signature as Tencent's SDK computes it for this key time and these signed headers."""
    with _SIGNER_CLOCK:
        real_time = cos_auth.time
        # The SDK signs from "now - 60" to "now + expire"; pin now so its key time equals the request's.
        cos_auth.time = SimpleNamespace(time=lambda: start + 60)
        try:
            config = CosConfig(Region="ap-guangzhou", SecretId=secret_id, SecretKey=secret_key)
            signer = cos_auth.CosS3Auth(config, key=path, expire=end - start - 60)
            request = SimpleNamespace(method=method, url=f"http://cos.invalid{path}", headers=dict(headers))
            authorization = signer(request).headers["Authorization"]
        finally:
            cos_auth.time = real_time
    return authorization.split("q-signature=")[1]


@dataclass
class CosPut:
    path: str
    headers: dict[str, str]
    size: int
    content_type: str
    chunked: bool
    accepted: bool


def _error(code: str, message: str) -> bytes:
    xml = f"<?xml version='1.0' encoding='utf-8' ?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    return xml.encode()


class FakeCos(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.credentials: dict[str, tuple[str, str]] = {}
        self.objects: dict[str, bytes] = {}
        self.puts: list[CosPut] = []

    def allow(self, secret_id: str, secret_key: str, token: str) -> None:
        with self.lock:
            self.credentials[secret_id] = (secret_key, token)

    def _check(self, handler: Handler, path: str) -> tuple[str, str] | None:
        auth = handler.headers.get("Authorization", "")
        fields = dict(part.split("=", 1) for part in auth.split("&") if "=" in part)
        if fields.get("q-sign-algorithm") != "sha1" or "q-signature" not in fields:
            return ("AccessDenied", "missing or malformed Authorization")
        with self.lock:
            known = self.credentials.get(fields.get("q-ak", ""))
        if known is None:
            return ("InvalidAccessKeyId", "unknown temporary SecretId")
        secret_key, token = known
        start, _, end = fields.get("q-sign-time", "").partition(";")
        if not (start.isdigit() and end.isdigit()) or not int(start) <= time.time() <= int(end):
            return ("RequestTimeTooSkewed", "q-sign-time does not cover now")
        if handler.headers.get("x-cos-security-token") != token:
            return ("InvalidToken", "x-cos-security-token does not match the temporary credential")
        header_names = [h for h in fields.get("q-header-list", "").split(";") if h]
        signed = {}
        for name in header_names:
            value = handler.headers.get(name)
            if value is None:
                return ("SignatureDoesNotMatch", f"signed header {name} is absent")
            signed[name] = value
        if "host" not in header_names:
            return ("SignatureDoesNotMatch", "the host header must be signed")
        expected = official_signature(fields["q-ak"], secret_key, handler.command, path, signed, int(start), int(end))
        if not hmac.compare_digest(expected, fields["q-signature"]):
            return ("SignatureDoesNotMatch", "the request signature does not match")
        return None

    def handle(self, handler: Handler, method: str) -> None:
        path = unquote(urlsplit(handler.path).path)
        if method != "PUT":
            handler.reply(405, _error("MethodNotAllowed", method), "application/xml")
            return
        chunked = handler.headers.get("Transfer-Encoding", "").lower() == "chunked"
        body = handler.read_body()
        problem = self._check(handler, path)
        record = CosPut(
            path, dict(handler.headers), len(body), handler.headers.get("Content-Type", ""), chunked, problem is None
        )
        with self.lock:
            self.puts.append(record)
            if problem is None:
                self.objects[path] = body
        if problem is not None:
            handler.reply(403, _error(*problem), "application/xml")
            return
        handler.reply(200, b"", "application/xml", {"ETag": f'"{hashlib.md5(body).hexdigest()}"'})

    def start(self) -> FakeCos:
        super().start()
        return self

    def __enter__(self) -> FakeCos:
        return self.start()


__all__ = ["FakeCos", "official_signature"]
