"""TC3-HMAC-SHA256 for the fake VOD: the key pairs it accepts, and the check of each request's Authorization."""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.standins.base import Handler
from bot.standins.vod_model import TencentError
from bot.tencent import tc3

SERVICE = "vod"
MAX_CLOCK_SKEW = 300


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


class VodCredentials:
    """The key pairs the fake VOD accepts, and the check of a request's TC3 Authorization against them."""

    def __init__(self, secret_id: str, secret_key: str) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, tuple[str, str | None]] = {secret_id: (secret_key, None)}

    def add(self, secret_id: str, secret_key: str, token: str | None = None) -> None:
        """Also accept this key pair; with `token`, X-TC-Token must equal it (temporary credentials)."""
        with self._lock:
            self._keys[secret_id] = (secret_key, token)

    def authenticate(
        self, handler: Handler, path: str, raw: bytes, params: dict[str, Any], check: SignatureCheck
    ) -> None:
        """Raises the TencentError Tencent answers a request with when its signature does not hold."""
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
        with self._lock:
            credential = self._keys.get(secret_id)
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
        expected = check(request, secret_key)
        utc_date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        if date != utc_date or not hmac.compare_digest(expected, signature):
            raise TencentError("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
