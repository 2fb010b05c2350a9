"""The fake VOD's signature check done by Tencent's own SDK (tencentcloud-sdk-python-common), a test dependency."""

from __future__ import annotations

from tencentcloud.common.abstract_client import AbstractClient
from tencentcloud.common.http.request import RequestInternal

from bot.standins.vod_auth import SERVICE, SignedRequest


def official_tc3_signature(request: SignedRequest, secret_key: str) -> str:
    internal = RequestInternal(
        request.host,
        "POST",
        request.path,
        header={"Content-Type": request.content_type, "Host": request.host, "X-TC-Timestamp": request.timestamp},
        data=_payload_for_signer(request.body),
    )
    return str(AbstractClient._get_tc3_signature(None, request.params, internal, request.date, SERVICE, secret_key))


def _payload_for_signer(raw: bytes) -> str | bytes:
    # The signer hashes str as UTF-8 and bytes as-is; bytes keep a non-UTF-8 body hashable exactly as sent.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
