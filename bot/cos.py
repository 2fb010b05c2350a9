"""PUT one object to Tencent COS with temporary credentials, signed with the COS request signature."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator, Mapping
from urllib.parse import quote

import httpx


class CosUploadError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"COS refused the upload: HTTP {status} {code} {message}".strip())
        self.status = status
        self.code = code


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
    chunks: AsyncIterator[bytes],
    size: int,
    content_type: str,
    secret_id: str,
    secret_key: str,
    token: str,
) -> str:
    """Stream `size` bytes to `base_url + path`; return the ETag. The body is never held whole in memory."""
    url = base_url + quote(path, safe="/-_.~")
    host = httpx.URL(url).netloc.decode("ascii")
    signed = {"Content-Length": str(size), "Content-Type": content_type, "Host": host}
    auth = authorization(
        secret_id=secret_id,
        secret_key=secret_key,
        method="PUT",
        path=path,
        headers=signed,
        start=int(time.time()) - 60,
    )
    headers = {**signed, "Authorization": auth, "x-cos-security-token": token}
    response = await http.put(url, content=chunks, headers=headers)
    if response.status_code // 100 != 2:
        code, message = _error_fields(response.text)
        raise CosUploadError(response.status_code, code, message)
    return str(response.headers.get("ETag", "")).strip('"')


def _error_fields(xml_text: str) -> tuple[str, str]:
    def between(tag: str) -> str:
        start, end = xml_text.find(f"<{tag}>"), xml_text.find(f"</{tag}>")
        return xml_text[start + len(tag) + 2 : end] if 0 <= start < end else ""

    return between("Code") or "Unknown", between("Message")
