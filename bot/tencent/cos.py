"""PUT one object to Tencent COS with temporary credentials, signed with the COS request signature.

An upload is not billed, so a PUT that failed for a passing reason (COS 5xx or SlowDown, a timeout, a
dropped or refused connection) is simply sent again, body and all, after a short backoff.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping
from urllib.parse import quote

import httpx

from bot import wording
from bot.errors import AigcBotError

log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF = 0.2
# COS codes that say "not now" rather than "not this": trying the same PUT again may well succeed.
_PASSING_CODES = frozenset({"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"})
# The bot's own codes for a PUT that got no usable answer at all.
TIMEOUT = "Timeout"
CONNECTION_LOST = "ConnectionLost"
NETWORK = "Network"
_NETWORK_CODES = frozenset({TIMEOUT, CONNECTION_LOST, NETWORK})
# What a PUT that got no answer is called, and said to be: the first kind of failure that matches names it.
_NO_ANSWER = (
    (httpx.TimeoutException, TIMEOUT, wording.connections.COS_TIMED_OUT),
    (httpx.ConnectError, NETWORK, wording.connections.COS_UNREACHABLE),
    (httpx.TransportError, CONNECTION_LOST, wording.connections.CONNECTION_BROKE),
)


class CosUploadError(AigcBotError):
    """The upload to COS failed. `code` is `Cos.<COS code>`; `cos_code` is COS's own spelling, `status` the
    HTTP status (0 when no answer came back)."""

    def __init__(self, status: int, code: str, message: str, request_id: str | None = None) -> None:
        self.status = status
        self.cos_code = code
        prefixed = f"Cos.{code}" if code else "Cos.HttpError"
        answer = f"HTTP {status} " if status else ""
        log_text = wording.connections.COS_REFUSED.format(answer=answer, code=code, message=message).strip()
        super().__init__(prefixed, message, request_id, log_text=log_text)

    @property
    def passing(self) -> bool:
        """Whether sending the same PUT again soon is likely to work."""
        return self.status >= 500 or self.status == 429 or self.cos_code in _PASSING_CODES | _NETWORK_CODES


BodyOpener = Callable[[], AsyncIterator[bytes]]


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def _pairs(items: Mapping[str, str]) -> tuple[str, str]:
    encoded = sorted((_encode(k).lower(), _encode(v)) for k, v in items.items())
    return ";".join(k for k, _ in encoded), "&".join(f"{k}={v}" for k, v in encoded)


def authorization(
    *,
    secret_id: str,
    secret_key: str,
    method: str,
    path: str,
    headers: Mapping[str, str],
    params: Mapping[str, str] | None = None,
    start: int,
    lifetime: int = 3600,
) -> str:
    """The `Authorization` value for a COS XML API request, signing exactly `headers` and `params`."""
    key_time = f"{start};{start + lifetime}"
    header_list, http_headers = _pairs(headers)
    param_list, http_params = _pairs(params or {})
    http_string = f"{method.lower()}\n{path}\n{http_params}\n{http_headers}\n"
    string_to_sign = f"sha1\n{key_time}\n{hashlib.sha1(http_string.encode('utf-8')).hexdigest()}\n"
    sign_key = hmac.new(secret_key.encode("utf-8"), key_time.encode("utf-8"), hashlib.sha1).hexdigest()
    signature = hmac.new(sign_key.encode("utf-8"), string_to_sign.encode("utf-8"), hashlib.sha1).hexdigest()
    return (
        f"q-sign-algorithm=sha1&q-ak={secret_id}&q-sign-time={key_time}&q-key-time={key_time}"
        f"&q-header-list={header_list}&q-url-param-list={param_list}&q-signature={signature}"
    )


def bucket_base_url(bucket: str, region: str, override: str | None) -> str:
    return override.rstrip("/") if override else f"https://{bucket}.cos.{region}.myqcloud.com"


async def put_object(
    http: httpx.AsyncClient,
    *,
    base_url: str,
    path: str,
    open_body: BodyOpener,
    size: int,
    content_type: str,
    secret_id: str,
    secret_key: str,
    token: str,
    attempts: int = DEFAULT_ATTEMPTS,
    backoff: float = DEFAULT_BACKOFF,
) -> str:
    """Stream `size` bytes to `base_url + path`; return the ETag. The body is never held whole in memory.

    `open_body` is called once per attempt, so a retried PUT sends the whole body again from its start.
    Passing failures are tried up to `attempts` times, waiting `backoff`, then twice that, and so on.
    """
    url = base_url + quote(path, safe="/-_.~")
    signed = {"Content-Length": str(size), "Content-Type": content_type, "Host": httpx.URL(url).netloc.decode("ascii")}

    async def put_once() -> str:
        start = int(time.time()) - 60
        auth = authorization(
            secret_id=secret_id, secret_key=secret_key, method="PUT", path=path, headers=signed, start=start
        )
        body = open_body()
        try:
            response = await http.put(
                url, content=body, headers={**signed, "Authorization": auth, "x-cos-security-token": token}
            )
        except httpx.TransportError as error:
            code, sentence = next((code, said) for kind, code, said in _NO_ANSWER if isinstance(error, kind))
            raise CosUploadError(0, code, sentence.format(error_kind=type(error).__name__)) from None
        finally:
            # A broken transfer leaves the body half read; close it now rather than whenever it is collected.
            closer = getattr(body, "aclose", None)
            if closer is not None:
                await closer()
        if response.status_code // 100 != 2:
            code, message, request_id = _error_fields(response.text)
            raise CosUploadError(
                response.status_code, code, message, request_id or response.headers.get("x-cos-request-id")
            )
        return str(response.headers.get("ETag", "")).strip('"')

    for attempt in range(1, max(attempts, 1) + 1):
        try:
            return await put_once()
        except CosUploadError as failure:
            if not failure.passing or attempt >= attempts:
                raise
            log.warning("upload attempt %d of %d failed (%s); trying again", attempt, attempts, failure.code)
        await asyncio.sleep(backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _error_fields(xml_text: str) -> tuple[str, str, str | None]:
    """Code, Message and RequestId of a COS XML error body; an empty code when COS sent none."""

    def between(tag: str) -> str:
        start, end = xml_text.find(f"<{tag}>"), xml_text.find(f"</{tag}>")
        return xml_text[start + len(tag) + 2 : end].strip() if 0 <= start < end else ""

    return between("Code"), between("Message"), between("RequestId") or None
