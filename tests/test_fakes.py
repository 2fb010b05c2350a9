"""The fakes themselves are honest: official SDKs talk to them unmodified, and wrong credentials are refused."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import requests
from qcloud_cos import CosConfig, CosS3Client, CosServiceError, cos_auth
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from tencentcloud.common import credential
from tencentcloud.common.abstract_client import AbstractClient
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.http.request import RequestInternal
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models
from tencentcloud.vod.v20180717.vod_client import VodClient

from tests.conftest import BOT_TOKEN, SECRET_ID, SECRET_KEY, SUB_APP_ID
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.fakes.cos import cos_signature
from tests.fakes.official_tc3 import official_tc3_signature
from tests.fakes.slack_limits import RateLimits
from tests.fakes.slack_signing import (
    app_mention_event,
    block_actions_payload,
    button_action,
    channel_message,
    event_callback_body,
    im_message_event,
    interactive_body,
    message_action_payload,
    signed_headers,
    slash_command_body,
    view_submission_payload,
)
from tests.fakes.vod_auth import SignedRequest, own_tc3_signature
from tests.fakes.vod_media import output_png

SID, SKEY, APP, TOKEN = SECRET_ID, SECRET_KEY, SUB_APP_ID, BOT_TOKEN
CREATE = "CreateSceneAigcImageTask"


# -- helpers (the fakes' fixtures are in conftest.py) ---------------------------------------------------------


def sdk(fake: FakeVod, secret_id: str = SID, secret_key: str = SKEY) -> VodClient:
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=fake.url.removeprefix("http://")))
    return VodClient(credential.Credential(secret_id, secret_key), "", profile)


def sdk_call(client: VodClient, action: str, params: dict[str, Any]) -> Any:
    request = getattr(models, f"{action}Request")()
    request.from_json_string(json.dumps(params))
    return getattr(client, action)(request)


def product_task(file_id: str = "", **extra: Any) -> dict[str, Any]:
    inputs = [{"Type": "File", "FileId": file_id}] if file_id else [{"Type": "Url", "Url": "https://x.test/a.png"}]
    return {
        "SubAppId": APP,
        "SceneInfo": {"Type": "product_image", "ProductImageConfig": {"Prompt": "studio", "OutputImageCount": 2}},
        "FileInfos": inputs,
        **extra,
    }


def raw_vod(
    fake: FakeVod,
    action: str,
    body: bytes,
    *,
    timestamp: int | None = None,
    version: str = "2018-07-17",
    key: str = SKEY,
    authorize: bool = True,
) -> dict[str, Any]:
    """One API call signed with the official TC3 signer, for requests the SDK will not produce."""
    host = fake.url.removeprefix("http://")
    stamp = int(time.time()) if timestamp is None else timestamp
    date = datetime.fromtimestamp(stamp, UTC).strftime("%Y-%m-%d")
    headers = {"Content-Type": "application/json", "Host": host, "X-TC-Timestamp": str(stamp)}
    request = RequestInternal(host, "POST", "/", header=dict(headers), data=body.decode("utf-8", "replace"))
    signature = AbstractClient._get_tc3_signature(None, {}, request, date, "vod", key)
    headers.update({"X-TC-Action": action, "X-TC-Version": version})
    if authorize:
        headers["Authorization"] = (
            f"TC3-HMAC-SHA256 Credential={SID}/{date}/vod/tc3_request, "
            f"SignedHeaders=content-type;host, Signature={signature}"
        )
    answer = httpx.post(fake.url + "/", content=body, headers=headers)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    return dict(answer.json()["Response"])


def error_code(answer: dict[str, Any]) -> str:
    return str(answer.get("Error", {}).get("Code", ""))


# -- VOD -----------------------------------------------------------------------------------------------


def test_official_vod_sdk_creates_a_task_and_follows_it_to_outputs(vod: FakeVod) -> None:
    vod.add_file_id("3704211000509819")
    client = sdk(vod)
    created = sdk_call(client, CREATE, product_task("3704211000509819", SessionId="s-1"))
    assert created.TaskId.startswith(f"{APP}-SceneAigcImageTask-")
    assert uuid.UUID(created.RequestId)
    assert vod.requests[-1].signature_valid and vod.calls(CREATE)[0]["SessionId"] == "s-1"

    first = sdk_call(client, "DescribeTaskDetail", {"TaskId": created.TaskId, "SubAppId": APP})
    second = sdk_call(client, "DescribeTaskDetail", {"TaskId": created.TaskId, "SubAppId": APP})
    assert (first.Status, first.SceneAigcImageTask.Progress) == ("PROCESSING", 50)
    assert first.SceneAigcImageTask.Output.FileInfos == [] and first.FinishTime == ""
    assert second.Status == "FINISH" and second.SceneAigcImageTask.ErrCode == 0
    assert second.SceneAigcImageTask.Input.SceneInfo.ProductImageConfig.OutputImageCount == 2
    urls = [f.FileUrl for f in second.SceneAigcImageTask.Output.FileInfos]
    assert urls == [f"{vod.url}/outputs/{created.TaskId}/{i}.png" for i in range(2)]
    images = [httpx.get(url) for url in urls]
    assert all(r.status_code == 200 and r.headers["content-type"] == "image/png" for r in images)
    assert [r.content for r in images] == [output_png(0), output_png(1)] and output_png(0) != output_png(1)
    assert images[0].content.startswith(b"\x89PNG\r\n\x1a\n")


def test_wrong_secrets_and_unknown_tasks_are_refused_like_tencent(vod: FakeVod) -> None:
    with pytest.raises(TencentCloudSDKException) as wrong_key:
        sdk_call(sdk(vod, secret_key="not-the-key"), CREATE, product_task())
    assert wrong_key.value.code == "AuthFailure.SignatureFailure"
    with pytest.raises(TencentCloudSDKException) as wrong_id:
        sdk_call(sdk(vod, secret_id="AKIDsomeoneelse"), CREATE, product_task())
    assert wrong_id.value.code == "AuthFailure.SecretIdNotFound"
    with pytest.raises(TencentCloudSDKException) as unknown:
        sdk_call(sdk(vod), "DescribeTaskDetail", {"TaskId": "nope", "SubAppId": APP})
    assert unknown.value.code == "InvalidParameterValue.TaskId"
    assert vod.calls(CREATE) == [] and not vod.requests[0].signature_valid


def test_protocol_errors(vod: FakeVod) -> None:
    body = json.dumps(product_task()).encode()
    old = int(time.time()) - 301
    assert error_code(raw_vod(vod, CREATE, body, timestamp=old)) == "AuthFailure.SignatureExpire"
    assert error_code(raw_vod(vod, CREATE, body, authorize=False)) == "AuthFailure.InvalidAuthorization"
    assert error_code(raw_vod(vod, CREATE, body, version="2017-01-01")) == "NoSuchVersion"
    assert error_code(raw_vod(vod, "DeleteEverything", body)) == "InvalidAction"
    assert error_code(raw_vod(vod, CREATE, b"not json")) == "InvalidParameter"
    tampered = raw_vod(vod, CREATE, body.replace(b"studio", b"studia"), key="other")
    assert error_code(tampered) == "AuthFailure.SignatureFailure"
    assert "TaskId" in raw_vod(vod, CREATE, body)
    ids = [r.request_id for r in vod.requests]
    assert len(set(ids)) == len(ids) == 7


def test_the_installed_signature_check_agrees_with_the_official_sdk() -> None:
    body = json.dumps(product_task(Prompt="ünïcode studio")).encode()
    request = SignedRequest("127.0.0.1:8080", "/", "application/json", "1765000000", "2025-12-06", body, {})
    assert own_tc3_signature(request, SKEY) == official_tc3_signature(request, SKEY)
    tampered = SignedRequest("127.0.0.1:8080", "/", "application/json", "1765000000", "2025-12-06", b"{}", {})
    assert own_tc3_signature(tampered, SKEY) != own_tc3_signature(request, SKEY)


def test_the_suite_checks_signatures_with_the_official_sdk(vod: FakeVod) -> None:
    assert vod.check_signature is official_tc3_signature


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"SubAppId": APP + 1}, "InvalidParameterValue.SubAppId"),
        ({"SceneInfo": {"Type": "make_it_pop"}}, "InvalidParameter"),
        ({"FileInfos": [{"Type": "File", "FileId": "123"}]}, "InvalidParameterValue.FileId"),
        ({"SessionId": "s" * 51}, "InvalidParameterValue.SessionIdTooLong"),
        ({"SessionContext": "c" * 1001}, "InvalidParameterValue.SessionContextTooLong"),
    ],
)
def test_create_validation(vod: FakeVod, change: dict[str, Any], code: str) -> None:
    assert error_code(raw_vod(vod, CREATE, json.dumps({**product_task(), **change}).encode())) == code
    assert vod.tasks == {}


def test_session_ids_deduplicate_and_clothes_files_are_checked(vod: FakeVod) -> None:
    body = json.dumps(product_task(SessionId="dup")).encode()
    assert "TaskId" in raw_vod(vod, CREATE, body)
    assert error_code(raw_vod(vod, CREATE, body)) == "InvalidParameterValue.SessionId"
    try_on = {
        "SubAppId": APP,
        "SceneInfo": {"Type": "ai_try_on", "AiTryOnConfig": {"ClothesFileInfos": [{"Type": "File", "FileId": "9"}]}},
        "FileInfos": [{"Type": "Url", "Url": "https://x.test/model.png"}],
    }
    assert error_code(raw_vod(vod, CREATE, json.dumps(try_on).encode())) == "InvalidParameterValue.FileId"
    vod.add_file_id("9")
    assert "TaskId" in raw_vod(vod, CREATE, json.dumps(try_on).encode())


def test_more_than_twenty_creates_in_a_second_are_rate_limited(vod: FakeVod) -> None:
    vod.limiter_clock = lambda: 1000.0  # every call in the same second, however slowly this machine sends them
    body = json.dumps(product_task()).encode()
    codes = [error_code(raw_vod(vod, CREATE, body)) for _ in range(25)]
    assert codes[:20] == [""] * 20 and codes[20:] == ["RequestLimitExceeded"] * 5
    assert vod.rate_limited == 5 and len(vod.calls(CREATE)) == 20


def test_the_rate_limit_can_be_turned_off_for_overhead_measurements(vod: FakeVod) -> None:
    vod.rate_limit_per_second = 0
    body = json.dumps(product_task()).encode()
    assert [error_code(raw_vod(vod, CREATE, body)) for _ in range(25)] == [""] * 25
    assert vod.rate_limited == 0


def test_cos_can_keep_only_sizes_and_digests(vod: FakeVod, cos: FakeCos) -> None:
    cos.keep_bodies = False
    ticket = sdk_call(sdk(vod), "ApplyUpload", {"SubAppId": APP, "MediaType": "png"})
    data = output_png(1) * 40
    answer = cos_client(cos, ticket.TempCertificate).put_object(
        Bucket=ticket.StorageBucket, Key=ticket.MediaStoragePath, Body=data, ContentType="image/png"
    )
    assert answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert cos.puts[-1].size == len(data) and cos.objects[ticket.MediaStoragePath] == b""
    committed = sdk_call(sdk(vod), "CommitUpload", {"SubAppId": APP, "VodSessionKey": ticket.VodSessionKey})
    assert committed.FileId.isdigit()


def test_fail_next_delay_and_drop_next(vod: FakeVod) -> None:
    body = json.dumps(product_task()).encode()
    vod.fail_next(CREATE, "InternalError", "boom", times=2)
    assert [error_code(raw_vod(vod, CREATE, body)) for _ in range(3)] == ["InternalError", "InternalError", ""]

    vod.delay_seconds = 0.3
    started = time.monotonic()
    raw_vod(vod, CREATE, body)
    assert time.monotonic() - started >= 0.3
    vod.delay_seconds = 0.0

    vod.drop_next(CREATE)
    with pytest.raises(httpx.RemoteProtocolError):
        raw_vod(vod, CREATE, body)
    assert len(vod.calls(CREATE)) == 3 and len(vod.tasks) == 3 and vod.requests[-1].dropped


def test_task_scripts_finish_task_and_events(vod: FakeVod) -> None:
    client = sdk(vod)
    vod.set_task_script("*", [{"Status": "FINISH", "ErrCode": 70000, "Message": "blocked"}])
    failed = sdk_call(client, CREATE, product_task()).TaskId
    detail = sdk_call(client, "DescribeTaskDetail", {"TaskId": failed, "SubAppId": APP})
    assert (detail.Status, detail.SceneAigcImageTask.ErrCode, detail.SceneAigcImageTask.Message) == (
        "FINISH",
        70000,
        "blocked",
    )
    assert httpx.get(f"{vod.url}/outputs/{failed}/0.png").status_code == 404

    vod.set_task_script("*", [{"Status": "PROCESSING", "Progress": 10}])
    task = sdk_call(client, CREATE, product_task(OutputConfig={"StorageMode": "Permanent"})).TaskId
    assert sdk_call(client, "PullEvents", {"SubAppId": APP}).EventSet == []
    vod.set_task_script(task, [{"Status": "PROCESSING", "Progress": 70}])
    assert sdk_call(client, "DescribeTaskDetail", {"TaskId": task, "SubAppId": APP}).SceneAigcImageTask.Progress == 70
    vod.finish_task(task, success=True)

    events = sdk_call(client, "PullEvents", {"SubAppId": APP}).EventSet
    assert [e.EventType for e in events] == ["SceneAigcImageCompleteEvent"]
    result = events[0].SceneAigcImageCompleteEvent
    assert result.TaskId == task and result.Status == "FINISH"
    assert all(f.FileId.isdigit() and f.StorageMode == "Permanent" for f in result.Output.FileInfos)
    assert len(sdk_call(client, "PullEvents", {"SubAppId": APP}).EventSet) == 1
    sdk_call(client, "ConfirmEvents", {"SubAppId": APP, "EventHandles": [events[0].EventHandle]})
    assert sdk_call(client, "PullEvents", {"SubAppId": APP}).EventSet == []


def test_pull_events_waits_for_an_event_when_asked(vod: FakeVod) -> None:
    client = sdk(vod)
    task = sdk_call(client, CREATE, product_task()).TaskId
    vod.pull_wait_seconds = 2.0
    threading.Timer(0.2, vod.finish_task, args=(task,)).start()
    started = time.monotonic()
    events = sdk_call(client, "PullEvents", {"SubAppId": APP}).EventSet
    assert len(events) == 1 and 0.15 < time.monotonic() - started < 1.5


# -- VOD upload + COS ----------------------------------------------------------------------------------


def cos_client(fake: FakeCos, cert: Any, secret_key: str | None = None) -> CosS3Client:
    config = CosConfig(
        Region="ap-guangzhou",
        SecretId=cert.SecretId,
        SecretKey=secret_key or cert.SecretKey,
        Token=cert.Token,
        Scheme="http",
        Domain=fake.url.removeprefix("http://"),
    )
    return CosS3Client(config, retry=0)


def test_upload_through_official_sdks(vod: FakeVod, cos: FakeCos) -> None:
    client = sdk(vod)
    ticket = sdk_call(client, "ApplyUpload", {"SubAppId": APP, "MediaType": "png"})
    assert ticket.StorageRegion == "ap-guangzhou" and ticket.MediaStoragePath.startswith(f"/{APP}/")
    assert ticket.MediaStoragePath.endswith(".png") and ticket.TempCertificate.ExpiredTime > time.time() + 3000
    with pytest.raises(TencentCloudSDKException) as early:
        sdk_call(client, "CommitUpload", {"SubAppId": APP, "VodSessionKey": ticket.VodSessionKey})
    assert early.value.code == "FailedOperation"

    data = output_png(3) * 50
    with pytest.raises(CosServiceError) as refused:
        cos_client(cos, ticket.TempCertificate, secret_key="wrong").put_object(
            Bucket=ticket.StorageBucket, Key=ticket.MediaStoragePath, Body=data
        )
    assert refused.value.get_status_code() == 403 and refused.value.get_error_code() == "SignatureDoesNotMatch"
    answer = cos_client(cos, ticket.TempCertificate).put_object(
        Bucket=ticket.StorageBucket, Key=ticket.MediaStoragePath, Body=data, ContentType="image/png"
    )
    assert answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert cos.objects[ticket.MediaStoragePath] == data
    put = cos.puts[-1]
    assert put.accepted and put.size == len(data) and put.content_type == "image/png" and not put.chunked

    committed = sdk_call(client, "CommitUpload", {"SubAppId": APP, "VodSessionKey": ticket.VodSessionKey})
    assert committed.FileId.isdigit() and len(committed.FileId) == 19
    assert httpx.get(committed.MediaUrl).content == data
    with pytest.raises(TencentCloudSDKException) as twice:
        sdk_call(client, "CommitUpload", {"SubAppId": APP, "VodSessionKey": ticket.VodSessionKey})
    assert twice.value.code == "InvalidParameterValue.VodSessionKey"
    assert sdk_call(client, CREATE, product_task(committed.FileId)).TaskId


def test_cos_chunked_put_unknown_key_and_wrong_token(vod: FakeVod, cos: FakeCos) -> None:
    ticket = sdk_call(sdk(vod), "ApplyUpload", {"SubAppId": APP, "MediaType": "jpg"})
    cert = ticket.TempCertificate
    url = cos.url + ticket.MediaStoragePath

    def signed(secret_id: str, token: str) -> Any:
        config = CosConfig(Region="ap-guangzhou", SecretId=secret_id, SecretKey=cert.SecretKey, Token=token)
        return cos_auth.CosS3Auth(config, key=ticket.MediaStoragePath)

    def body() -> Iterator[bytes]:
        yield b"a" * 70_000
        yield b"b" * 10

    token_header = {"x-cos-security-token": cert.Token}
    ok = requests.put(url, data=body(), auth=signed(cert.SecretId, cert.Token), headers=token_header)
    assert ok.status_code == 200, ok.text
    assert cos.puts[-1].chunked and cos.objects[ticket.MediaStoragePath] == b"a" * 70_000 + b"b" * 10

    stranger = requests.put(url, data=b"x", auth=signed("AKIDstranger", cert.Token))
    assert stranger.status_code == 403 and "<Code>InvalidAccessKeyId</Code>" in stranger.text
    wrong_token = requests.put(
        url, data=b"x", auth=signed(cert.SecretId, "wrong"), headers={"x-cos-security-token": "wrong"}
    )
    assert wrong_token.status_code == 403 and "<Code>AccessDenied</Code>" in wrong_token.text
    unsigned = requests.put(url, data=b"x")
    assert unsigned.status_code == 403 and unsigned.headers["content-type"] == "application/xml"


def test_cos_signature_matches_the_official_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cos_auth, "time", SimpleNamespace(time=lambda: 1_700_000_060))
    config = CosConfig(Region="ap-guangzhou", SecretId="AKIDx", SecretKey="key")
    headers = {"Content-Type": "image/png", "Content-Length": "3", "Host": "b.cos.ap-guangzhou.myqcloud.com"}
    url = "https://b.cos.ap-guangzhou.myqcloud.com/a/b c.png"
    request = SimpleNamespace(method="PUT", url=url, headers=dict(headers))
    official = cos_auth.CosS3Auth(config, key="/a/b c.png", params={"uploads": ""}, expire=3600)(request)
    fields = dict(part.split("=", 1) for part in official.headers["Authorization"].split("&"))
    ours = cos_signature(
        "key",
        method="PUT",
        path="/a/b c.png",
        params={"uploads": ""},
        headers={k.lower(): v for k, v in headers.items()},
        sign_time=fields["q-sign-time"],
        key_time=fields["q-key-time"],
    )
    assert ours == fields["q-signature"]


# -- Slack ---------------------------------------------------------------------------------------------


def test_slack_sdk_posts_and_uploads(slack: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=f"{slack.url}/api/")
    assert client.auth_test()["user_id"] == "UBOT"
    first = client.chat_postMessage(channel="C1", text="hello", blocks=[{"type": "divider"}])
    second = client.chat_postMessage(channel="C1", text="again", thread_ts=first["ts"])
    assert float(second["ts"]) > float(first["ts"]) and second["message"]["thread_ts"] == first["ts"]
    assert slack.calls_to("chat.postMessage")[0]["blocks"] == [{"type": "divider"}]

    png = output_png(2)
    upload = client.files_upload_v2(
        channel="C1", thread_ts=first["ts"], content=png, filename="out.png", title="Result", initial_comment="done"
    )
    file_id = upload["file"]["id"]
    assert slack.uploads[file_id] == png
    assert slack.completed_uploads[0]["channel_id"] == "C1"
    assert slack.completed_uploads[0]["thread_ts"] == first["ts"]
    assert slack.completed_uploads[0]["initial_comment"] == "done"
    assert client.files_info(file=file_id)["file"]["title"] == "Result"

    with pytest.raises(SlackApiError) as bad_token:
        WebClient(token="xoxb-wrong", base_url=f"{slack.url}/api/").chat_postMessage(channel="C1", text="x")
    assert bad_token.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.teleport")
    assert unknown.value.response["error"] == "unknown_method"


def test_slack_fault_injection(slack: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=f"{slack.url}/api/")
    slack.fail_next("chat.postMessage", "not_in_channel")
    slack.rate_limit_next("chat.postMessage", retry_after=7)
    slack.server_error_next("chat.postMessage")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="x")
    assert refused.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["Retry-After"] == "7"
    with pytest.raises(SlackApiError) as broken:
        client.chat_postMessage(channel="C1", text="x")
    assert broken.value.response.status_code == 500
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_slack_limits_are_enforced_only_when_asked(slack: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=f"{slack.url}/api/")
    for _ in range(5):
        assert client.chat_postMessage(channel="C1", text="x")["ok"]
    slack.enforce_limits(RateLimits(channel_burst=3))
    for _ in range(3):
        assert client.chat_postMessage(channel="C1", text="x")["ok"]
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429 and limited.value.response["error"] == "ratelimited"
    assert limited.value.response.headers["Retry-After"] == "1"
    # The limit is per channel; Tier 3 methods have one of their own.
    assert client.chat_postMessage(channel="C2", text="x")["ok"]
    assert client.chat_update(channel="C1", ts="1.2", text="y")["ok"]
    assert [c.method for c in slack.ratelimited()] == ["chat.postMessage"]


def test_slack_files_need_the_bot_token(slack: FakeSlack) -> None:
    obj = slack.add_file("F1", b"\xff\xd8jpeg", "shoe.jpg", "image/jpeg", "jpg")
    assert obj["url_private_download"] == f"{slack.url}/files-pri/T0001-F1/download/shoe.jpg"
    good = httpx.get(obj["url_private_download"], headers={"Authorization": f"Bearer {TOKEN}"})
    assert good.status_code == 200 and good.content == b"\xff\xd8jpeg" and good.headers["content-type"] == "image/jpeg"
    anonymous = httpx.get(obj["url_private_download"])
    assert anonymous.status_code == 302 and "/signin" in anonymous.headers["location"]
    assert httpx.get(obj["url_private_download"], follow_redirects=True).headers["content-type"].startswith("text/html")


def test_slack_response_url_and_wait_for(slack: FakeSlack) -> None:
    url = slack.response_url("cmd-1")
    threading.Timer(0.1, lambda: httpx.post(url, json={"text": "working", "response_type": "ephemeral"})).start()
    assert slack.wait_for_response("cmd-1")[0]["text"] == "working"

    async def post_later() -> None:
        await asyncio.sleep(0.1)
        client = AsyncWebClient(token=TOKEN, base_url=f"{slack.url}/api/")
        await client.chat_postMessage(channel="C9", text="async")

    thread = threading.Thread(target=asyncio.run, args=(post_later(),))
    thread.start()
    assert slack.wait_for("chat.postMessage", timeout=5)[0]["text"] == "async"
    thread.join()
    with pytest.raises(AssertionError, match=r"chat\.update"):
        slack.wait_for("chat.update", timeout=0.1)


# -- Slack request bodies ------------------------------------------------------------------------------


def test_slack_request_bodies_verify_and_parse() -> None:
    body = slash_command_body("product shoes", response_url="http://x/respond/a", channel_id="C7")
    headers = signed_headers("secret", body)
    verifier = SignatureVerifier("secret")
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not SignatureVerifier("other").is_valid(
        body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    )
    fields = parse_qs(body.decode())
    assert fields["command"] == ["/aigc"] and fields["text"] == ["product shoes"] and fields["channel_id"] == ["C7"]
    assert fields["trigger_id"][0]

    files = [{"id": "F1", "name": "a.png", "mimetype": "image/png", "filetype": "png"}]
    shortcut = message_action_payload(callback_id="cb", message=channel_message("look", files=files))
    decoded = json.loads(parse_qs(interactive_body(shortcut).decode())["payload"][0])
    assert decoded["type"] == "message_action" and decoded["message"]["files"] == files
    assert decoded["message_ts"] == decoded["message"]["ts"]

    submission = view_submission_payload(callback_id="form", values={"b": {"a": {"type": "plain_text_input"}}})
    assert submission["view"]["state"]["values"]["b"]["a"]["type"] == "plain_text_input"
    actions = block_actions_payload(actions=[button_action("retry", "42")])
    assert actions["container"]["type"] == "message" and actions["actions"][0]["value"] == "42"

    mention = json.loads(event_callback_body(app_mention_event("go", files=files), event_id="Ev1"))
    assert mention["type"] == "event_callback" and mention["event"]["text"] == "<@UBOT> go"
    dm = json.loads(event_callback_body(im_message_event("go", files=files)))
    assert dm["event"]["channel_type"] == "im" and dm["event"]["subtype"] == "file_share"
