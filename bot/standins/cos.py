"""A fake Tencent COS bucket endpoint, path style: objects live at `{fake.url}{MediaStoragePath}`.

Requests are authenticated the way COS does it (XML API request signature, `q-sign-algorithm=sha1&q-ak=...`),
in the Authorization header or in the query string. The signature is recomputed here from the documented
algorithm; tests/test_fakes.py proves it agrees with the official cos-python-sdk-v5 signer (CosS3Auth), which
cannot serve as the oracle itself because it reads the wall clock and only knows a fixed set of signable
headers. Only temporary credentials registered with allow() are accepted, and `x-cos-security-token` must
carry that credential's token. Refusals are HTTP 403 with a COS XML error body.

Knobs for the next PUTs, taken in order, one per PUT: fail_puts() answers a given HTTP status and COS error
code, drop_puts() resets the connection without an answer, slow_puts() waits before answering normally.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import socket
import struct
import time
import uuid
from base64 import b64encode
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

from bot.errors import BotError
from bot.standins.base import FakeServer, Handler


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _canonical(pairs: Mapping[str, str]) -> str:
    encoded = sorted((_encode(k).lower(), _encode(v)) for k, v in pairs.items())
    return "&".join(f"{k}={v}" for k, v in encoded)


def cos_signature(
    secret_key: str,
    *,
    method: str,
    path: str,
    params: Mapping[str, str],
    headers: Mapping[str, str],
    sign_time: str,
    key_time: str,
) -> str:
    """q-signature over exactly these (unencoded) params and headers, per the COS request signature spec."""
    http_string = f"{method.lower()}\n{path}\n{_canonical(params)}\n{_canonical(headers)}\n"
    string_to_sign = f"sha1\n{sign_time}\n{hashlib.sha1(http_string.encode('utf-8')).hexdigest()}\n"
    sign_key = hmac.new(secret_key.encode("utf-8"), key_time.encode("utf-8"), hashlib.sha1).hexdigest()
    return hmac.new(sign_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).hexdigest()


@dataclass
class CosPut:
    path: str
    headers: dict[str, str]
    size: int
    content_type: str
    chunked: bool
    accepted: bool
    error: str | None = None
    time: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class PutFault:
    """What to do to one PUT instead of (or before) answering it normally."""

    status: int = 0  # answer this HTTP status with `code`; 0 means no error answer
    code: str = ""
    message: str = ""
    drop: bool = False  # reset the connection instead of answering
    after_bytes: int | None = None  # when dropping, how much of the body to read first (None: all of it)
    delay: float = 0.0  # seconds to wait before answering


@dataclass
class TempCredential:
    secret_key: str
    token: str
    expires_at: float | None


class CosError(BotError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message


class FakeCos(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.credentials: dict[str, TempCredential] = {}
        self.objects: dict[str, bytes] = {}
        self.object_types: dict[str, str] = {}
        self.puts: list[CosPut] = []
        self.refused: list[tuple[str, str]] = []
        # Knob: False keeps only each object's size and digest, so a load test's uploads do not pile up here.
        self.keep_bodies = True
        self.put_faults: list[PutFault] = []

    # -- knobs and reading -------------------------------------------------------------------------

    def allow(self, secret_id: str, secret_key: str, token: str, expired_time: int | None = None) -> None:
        """Accept requests signed with this temporary credential (until `expired_time`, epoch seconds)."""
        with self.lock:
            self.credentials[secret_id] = TempCredential(secret_key, token, expired_time)

    def fail_puts(self, status: int, code: str, message: str = "", times: int = 1) -> None:
        """Answer the next `times` PUTs with HTTP `status` and COS error `code` (after reading their body)."""
        self._add_faults(PutFault(status=status, code=code, message=message or f"{code} (injected)"), times)

    def drop_puts(self, times: int = 1, after_bytes: int | None = None) -> None:
        """Reset the connection of the next `times` PUTs after reading `after_bytes` of the body (or all of it)."""
        self._add_faults(PutFault(drop=True, after_bytes=after_bytes), times)

    def slow_puts(self, seconds: float, times: int = 1) -> None:
        """Wait `seconds` before answering each of the next `times` PUTs."""
        self._add_faults(PutFault(delay=seconds), times)

    def _add_faults(self, fault: PutFault, times: int) -> None:
        with self.lock:
            self.put_faults.extend([fault] * times)

    def _next_fault(self) -> PutFault | None:
        with self.lock:
            return self.put_faults.pop(0) if self.put_faults else None

    def has_object(self, path: str) -> bool:
        with self.lock:
            return path in self.objects

    def accepted_puts(self) -> list[CosPut]:
        with self.lock:
            return [p for p in self.puts if p.accepted]

    # -- wire -------------------------------------------------------------------------------------------

    def handle(self, handler: Handler, method: str) -> None:
        split = urlsplit(handler.path)
        path = unquote(split.path)
        query = dict(parse_qsl(split.query, keep_blank_values=True))
        request_id = b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if method == "PUT":
            self._put(handler, path, query, request_id)
            return
        if method in ("GET", "HEAD"):
            handler.read_body()
            try:
                self._authenticate(handler, method, path, query)
                with self.lock:
                    data = self.objects.get(path)
                    kind = self.object_types.get(path, "application/octet-stream")
                if data is None:
                    raise CosError(404, "NoSuchKey", "The specified key does not exist.")
            except CosError as error:
                self._refuse(handler, path, request_id, error)
                return
            etag = f'"{hashlib.md5(data).hexdigest()}"'
            handler.reply(200, data, kind, {"ETag": etag, "x-cos-request-id": request_id})
            return
        handler.read_body()
        self._refuse(handler, path, request_id, CosError(405, "MethodNotAllowed", f"{method} is not allowed here."))

    def _put(self, handler: Handler, path: str, query: dict[str, str], request_id: str) -> None:
        chunked = handler.chunked
        content_type = handler.headers.get("Content-Type", "")
        keep = self.keep_bodies
        fault = self._next_fault()
        limit = fault.after_bytes if fault is not None and fault.drop else None
        buffer = bytearray()
        digest = hashlib.md5()
        size = 0
        for piece in handler.iter_body():
            size += len(piece)
            if keep:
                buffer += piece
            digest.update(piece)
            if limit is not None and size >= limit:
                break
        body = bytes(buffer)
        record = CosPut(path, dict(handler.headers), size, content_type, chunked, False)
        if fault is not None and self._apply_fault(handler, path, request_id, record, fault):
            return
        try:
            self._authenticate(handler, "PUT", path, query)
            expected_md5 = handler.headers.get("Content-MD5")
            if expected_md5 is not None and expected_md5 != b64encode(digest.digest()).decode():
                raise CosError(400, "InvalidDigest", "The Content-MD5 you specified did not match what was received.")
        except CosError as error:
            record.error = error.code
            with self.lock:
                self.puts.append(record)
            self._refuse(handler, path, request_id, error)
            return
        record.accepted = True
        with self.lock:
            self.puts.append(record)
            self.objects[path] = body
            self.object_types[path] = content_type or "application/octet-stream"
        handler.reply(200, b"", "application/xml", {"ETag": f'"{digest.hexdigest()}"', "x-cos-request-id": request_id})

    def _apply_fault(self, handler: Handler, path: str, request_id: str, record: CosPut, fault: PutFault) -> bool:
        """Carry out an injected fault; True when it took the place of the normal answer."""
        if fault.delay:
            time.sleep(fault.delay)
        if fault.drop:
            record.error = "ConnectionReset"
            with self.lock:
                self.puts.append(record)
            _reset(handler)
            return True
        if fault.status:
            record.error = fault.code
            with self.lock:
                self.puts.append(record)
            self._refuse(handler, path, request_id, CosError(fault.status, fault.code, fault.message))
            return True
        return False

    def _refuse(self, handler: Handler, path: str, request_id: str, error: CosError) -> None:
        with self.lock:
            self.refused.append((path, error.code))
        resource = escape(handler.headers.get("Host", "") + path)
        xml = (
            "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n"
            f"\t<Code>{escape(error.code)}</Code>\n\t<Message>{escape(error.message)}</Message>\n"
            f"\t<Resource>{resource}</Resource>\n\t<RequestId>{request_id}</RequestId>\n"
            f"\t<TraceId>{uuid.uuid4().hex}</TraceId>\n</Error>"
        )
        handler.reply(error.status, xml.encode(), "application/xml", {"x-cos-request-id": request_id})

    def _authenticate(self, handler: Handler, method: str, path: str, query: dict[str, str]) -> None:
        header = handler.headers.get("Authorization")
        if header:
            fields = dict(parse_qsl(header, keep_blank_values=True))
            url_params = query
        elif "q-signature" in query:
            fields = {k: v for k, v in query.items() if k.startswith("q-")}
            url_params = {k: v for k, v in query.items() if not k.startswith("q-")}
        else:
            raise CosError(403, "AccessDenied", "Access Denied.")
        needed = ("q-sign-algorithm", "q-ak", "q-sign-time", "q-key-time", "q-header-list", "q-url-param-list")
        if fields.get("q-sign-algorithm") != "sha1" or not all(k in fields for k in (*needed, "q-signature")):
            raise CosError(403, "AccessDenied", "The Authorization field is malformed.")
        with self.lock:
            credential = self.credentials.get(fields["q-ak"])
        if credential is None:
            raise CosError(403, "InvalidAccessKeyId", "The access key Id format you provided is invalid.")
        now = time.time()
        for name in ("q-sign-time", "q-key-time"):
            start, _, end = fields[name].partition(";")
            if not (start.isdigit() and end.isdigit()) or int(start) > int(end):
                raise CosError(403, "AccessDenied", f"{name} is malformed.")
            if not int(start) <= now <= int(end):
                raise CosError(403, "AccessDenied", "Request has expired")
        if credential.expires_at is not None and now > credential.expires_at:
            raise CosError(403, "AccessDenied", "The temporary credential has expired.")
        token = handler.headers.get("x-cos-security-token") or query.get("x-cos-security-token")
        if token != credential.token:
            raise CosError(403, "AccessDenied", "The x-cos-security-token does not match the temporary credential.")

        signed_headers: dict[str, str] = {}
        for name in filter(None, fields["q-header-list"].split(";")):
            value = handler.headers.get(unquote(name))
            if value is None:
                raise CosError(403, "SignatureDoesNotMatch", f"The signed header {name} is absent from the request.")
            signed_headers[name] = value
        signed_params: dict[str, str] = {}
        lowered = {_encode(k).lower(): v for k, v in url_params.items()}
        for name in filter(None, fields["q-url-param-list"].split(";")):
            if name not in lowered:
                raise CosError(403, "SignatureDoesNotMatch", f"The signed parameter {name} is absent from the URL.")
            signed_params[name] = lowered[name]

        candidates = [signed_headers]
        host = signed_headers.get("host", "")
        if ":" in host:
            # Official SDKs sign the URL's hostname, which omits the port; real COS never runs on an explicit port,
            # so for this loopback endpoint the port-less spelling of Host is equally valid.
            candidates.append({**signed_headers, "host": host.rsplit(":", 1)[0]})
        for candidate in candidates:
            expected = cos_signature(
                credential.secret_key,
                method=method,
                path=path,
                params=signed_params,
                headers=candidate,
                sign_time=fields["q-sign-time"],
                key_time=fields["q-key-time"],
            )
            if hmac.compare_digest(expected, fields["q-signature"]):
                return
        raise CosError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )


def _reset(handler: Handler) -> None:
    """Close the connection with a TCP reset (SO_LINGER 0), the way a crashed server or middlebox drops it."""
    handler.close_connection = True
    with contextlib.suppress(OSError):
        handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        handler.connection.close()


__all__ = ["CosPut", "FakeCos", "PutFault", "cos_signature"]
