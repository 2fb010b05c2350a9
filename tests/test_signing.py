"""Our TC3 and COS signatures must equal what Tencent's official SDKs compute for the same request."""

import json
from types import SimpleNamespace

import pytest

from bot.tencent import cos, tc3

tencent_common = pytest.importorskip("tencentcloud.common.abstract_client")
RequestInternal = pytest.importorskip("tencentcloud.common.http.request").RequestInternal


@pytest.mark.parametrize("timestamp", [1_700_000_000, 1_767_225_599, 1_767_225_600])
@pytest.mark.parametrize("body", [{"SubAppId": 1}, {"SceneInfo": {"Type": "product_image"}, "Prompt": "红色背景 ✨"}])
def test_tc3_signature_matches_official_sdk(timestamp: int, body: dict) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
    headers = tc3.signed_headers(
        secret_id="AKIDexample",
        secret_key="secret-key",
        service="vod",
        host="vod.tencentcloudapi.com",
        action="CreateSceneAigcImageTask",
        version="2018-07-17",
        region="ap-guangzhou",
        body=raw,
        timestamp=timestamp,
    )
    request = RequestInternal("vod.tencentcloudapi.com", "POST", "/", header=dict(headers), data=raw.decode("utf-8"))
    date = headers["Authorization"].split("Credential=")[1].split("/")[1]
    official = tencent_common.AbstractClient._get_tc3_signature(
        SimpleNamespace(), body, request, date, "vod", "secret-key"
    )
    assert headers["Authorization"].endswith(f"Signature={official}")


def test_cos_signature_matches_official_sdk() -> None:
    cos_auth = pytest.importorskip("qcloud_cos.cos_auth")
    cos_config = pytest.importorskip("qcloud_cos").CosConfig
    config = cos_config(Region="ap-guangzhou", SecretId="tmpid", SecretKey="tmpkey", Token="tok")
    signer = cos_auth.CosS3Auth(config, key="/1500/abc/def.png", expire=3600)
    headers = {
        "Content-Length": "12",
        "Content-Type": "image/png",
        "Host": "bucket.cos.ap-guangzhou.myqcloud.com",
    }
    prepared = SimpleNamespace(
        method="PUT",
        url="https://bucket.cos.ap-guangzhou.myqcloud.com/1500/abc/def.png",
        headers=dict(headers),
    )
    official = signer(prepared).headers["Authorization"]
    start = int(official.split("q-sign-time=")[1].split(";")[0])
    ours = cos.authorization(
        secret_id="tmpid",
        secret_key="tmpkey",
        method="PUT",
        path="/1500/abc/def.png",
        headers=headers,
        start=start,
        lifetime=3600 + 60,
    )
    assert ours == official
