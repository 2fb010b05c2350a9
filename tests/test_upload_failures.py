"""Failures on the way to Tencent Cloud storage (COS): passing ones are retried, the rest are explained.

Every test here runs the real upload code against the fake VOD and COS, with faults injected into the
fake COS's answers to the PUT that carries the image.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import AigcBotError, advise
from bot.images.limits import ImageLimits
from bot.images.prepare import ImagePreparer
from bot.slack.files import SlackDownloadFailed, SlackFileUploader
from bot.store.db import RequestLog
from bot.tencent import cos as cos_upload
from bot.tencent.cos import CosUploadError
from bot.tencent.upload import upload_image_file
from bot.tencent.vod import UploadTicket, VodClient
from tests.conftest import SECRET_ID, SECRET_KEY, SUB_APP_ID, PNG_1x1, RunningBot, rows, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.fakes.slack_signing import app_mention_event

CREATE = "CreateSceneAigcImageTask"
BIG_PNG = PNG_1x1 + bytes(range(256)) * 1200  # ~300 KB: several chunks, so a reset can land mid-body


def api(vod: FakeVod) -> VodClient:
    return VodClient(secret_id=SECRET_ID, secret_key=SecretStr(SECRET_KEY), sub_app_id=SUB_APP_ID, endpoint=vod.url)


def upload(vod: FakeVod, cos: FakeCos | str, image: Path, **kwargs: Any) -> str:
    """Upload `image` through VOD to the fake COS (or to the storage address given as text)."""
    endpoint = cos if isinstance(cos, str) else cos.url

    async def go() -> str:
        async with api(vod) as client:
            uploaded = await upload_image_file(
                client, image, cos_endpoint=endpoint, max_bytes=10_000_000, expire_time=None, **kwargs
            )
            return uploaded.file_id

    return asyncio.run(go())


@pytest.fixture
def image(tmp_path: Path) -> Path:
    path = tmp_path / "mug.png"
    path.write_bytes(BIG_PNG)
    return path


# -- the upload itself ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code"), [(503, "SlowDown"), (500, "InternalError"), (503, "ServiceUnavailable")])
def test_a_passing_refusal_is_retried_and_the_whole_image_arrives(
    vod: FakeVod, cos: FakeCos, image: Path, status: int, code: str
) -> None:
    cos.fail_puts(status, code)
    assert upload(vod, cos, image).isdigit()
    assert [put.error for put in cos.puts] == [code, None]
    assert list(cos.objects.values()) == [BIG_PNG]
    assert len(vod.calls("CommitUpload")) == 1


def test_a_connection_reset_during_the_put_is_retried_with_the_whole_body(
    vod: FakeVod, cos: FakeCos, image: Path
) -> None:
    cos.drop_puts(after_bytes=64 * 1024)
    upload(vod, cos, image)
    first, second = cos.puts
    assert first.error == "ConnectionReset" and first.size < len(BIG_PNG)
    assert second.accepted and second.size == len(BIG_PNG)
    assert list(cos.objects.values()) == [BIG_PNG]


def test_a_slow_answer_times_out_and_the_retry_succeeds(cos: FakeCos, vod: FakeVod) -> None:
    ticket = asyncio.run(_ticket(vod))
    cos.slow_puts(1.0)

    async def go() -> str:
        async with httpx.AsyncClient(timeout=0.3) as http:
            return await cos_upload.put_object(
                http,
                base_url=cos.url,
                path=ticket.media_path,
                open_body=lambda: _chunks(PNG_1x1),
                size=len(PNG_1x1),
                content_type="image/png",
                secret_id=ticket.temp_secret_id,
                secret_key=ticket.temp_secret_key.get_secret_value(),
                token=ticket.temp_token.get_secret_value(),
                backoff=0.05,
            )

    # The client gives up after 0.3 s and the fake answers after 1 s, so only a retry can have succeeded.
    assert asyncio.run(go())
    assert cos.objects == {ticket.media_path: PNG_1x1}


def test_passing_failures_that_never_clear_end_in_the_mapped_error(vod: FakeVod, cos: FakeCos, image: Path) -> None:
    cos.fail_puts(503, "SlowDown", times=3)
    with pytest.raises(CosUploadError) as caught:
        upload(vod, cos, image, put_attempts=3, put_backoff=0.01)
    error = caught.value
    assert isinstance(error, AigcBotError)
    assert (error.code, error.status, error.advice.retryable) == ("Cos.SlowDown", 503, True)
    assert error.request_id  # COS's own RequestId, for support
    assert len(cos.puts) == 3 and cos.objects == {}
    assert vod.calls("CommitUpload") == []


@pytest.mark.parametrize("code", ["AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId"])
def test_a_refusal_that_will_not_change_is_not_retried(vod: FakeVod, cos: FakeCos, image: Path, code: str) -> None:
    cos.fail_puts(403, code, times=3)
    with pytest.raises(CosUploadError) as caught:
        upload(vod, cos, image)
    assert caught.value.code == f"Cos.{code}"
    assert not caught.value.advice.retryable
    assert len(cos.puts) == 1


def test_an_error_answer_without_a_cos_code_is_still_named(vod: FakeVod, cos: FakeCos, image: Path) -> None:
    cos.fail_puts(400, "")
    with pytest.raises(CosUploadError) as caught:
        upload(vod, cos, image)
    assert caught.value.code == "Cos.HttpError"
    assert "Code: Cos.HttpError" in caught.value.user_text()


def test_an_unreachable_storage_endpoint_is_a_network_error(vod: FakeVod, image: Path) -> None:
    closed = FakeCos().start()
    endpoint = closed.url
    closed.stop()
    with pytest.raises(CosUploadError) as caught:
        upload(vod, endpoint, image, put_backoff=0.01)
    assert caught.value.code == "Cos.Network"
    assert caught.value.advice.retryable


async def _ticket(vod: FakeVod) -> UploadTicket:
    async with api(vod) as client:
        return await client.apply_upload("png", expire_time=None)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


# -- what a Slack user sees -----------------------------------------------------------------------------


def _mention_with_image(bot: RunningBot, slack: FakeSlack, ts: str) -> None:
    shared = slack.add_file("FUP1", BIG_PNG, "mug.png", "image/png", "png")
    event = app_mention_event("product on marble", channel="C700", ts=ts, files=[shared])
    assert bot.event(event, event_id=f"Ev{ts}").status_code == 200


def test_slack_a_slowdown_once_is_retried_and_the_request_is_submitted(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    cos.fail_puts(503, "SlowDown")
    _mention_with_image(bot, slack, "1700000700.000100")
    db = bot.settings.aigc_bot_db
    row = wait_until(lambda: next((r for r in rows(db) if r["status"] == "submitted"), None), what="submitted row")
    assert row["task_id"]
    assert len(vod.calls(CREATE)) == 1
    assert [put.error for put in cos.puts] == ["SlowDown", None]


def test_slack_access_denied_is_explained_in_the_thread_and_nothing_is_submitted(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    cos.fail_puts(403, "AccessDenied", "Access Denied.")
    _mention_with_image(bot, slack, "1700000800.000100")
    db = bot.settings.aigc_bot_db
    row = wait_until(lambda: next((r for r in rows(db) if r["status"] == "failed"), None), what="failed row")
    assert row["error_code"] == "Cos.AccessDenied"
    assert row["request_id"]
    replies = wait_until(
        lambda: [
            c["text"]
            for c in slack.calls_to("chat.postMessage")
            if c.get("thread_ts") == "1700000800.000100" and c["text"].startswith(":warning:")
        ],
        what="the explanation in the thread",
    )
    reply = replies[0]
    assert reply.lower().count("nothing was submitted or billed") == 1
    assert advise("Cos.AccessDenied").summary in reply
    assert f"Code: Cos.AccessDenied · RequestId: {row['request_id']}" in reply
    assert "Something went wrong on my side" not in reply
    wait_until(lambda: slack.calls_to("chat.update"), what="parent update")
    assert slack.calls_to("chat.update")[-1]["text"].endswith(":x: failed")
    assert vod.calls(CREATE) == []
    assert len(cos.puts) == 1


def test_a_slack_download_that_cannot_connect_is_a_download_failure_not_a_bad_file(
    vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    gone = FakeCos().start()  # any loopback server, stopped so its port refuses connections
    api_url = f"{gone.url}/api/"
    gone.stop()

    async def no_lookup(slack_file_id: str) -> dict[str, Any]:
        raise AssertionError("the file's details were given")

    async def go() -> str:
        async with api(vod) as client, httpx.AsyncClient() as http:
            uploader = SlackFileUploader(
                vod=client,
                log_db=log_db,
                http=http,
                bot_token="xoxb-test",
                api_url=api_url,
                file_info=no_lookup,
                preparer=ImagePreparer(ImageLimits(4096, 10_000_000, 100_000_000, 50_000_000)),
                cos_endpoint=cos.url,
                expire_days=0,
            )
            known = {"name": "mug.png", "size": 100, "url_private_download": f"{api_url}files/F9"}
            return await uploader.file_id_for("F9", known)

    log_db = RequestLog(tmp_path / "log.db")
    with pytest.raises(SlackDownloadFailed) as caught:
        try:
            asyncio.run(go())
        finally:
            log_db.close()
    assert caught.value.code == "Slack.DownloadFailed" and caught.value.advice.retryable
    assert not isinstance(caught.value, ValueError)  # not the user's fault, so not reported as bad input
    assert vod.calls("ApplyUpload") == []


def test_slack_a_file_download_that_fails_once_is_retried_and_the_request_is_submitted(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    slack.fail_downloads(503)
    _mention_with_image(bot, slack, "1700000900.000100")
    db = bot.settings.aigc_bot_db
    row = wait_until(lambda: next((r for r in rows(db) if r["status"] == "submitted"), None), what="submitted row")
    assert row["task_id"] and len(vod.calls(CREATE)) == 1
    assert slack.downloads == ["FUP1", "FUP1"]


def test_slack_a_file_download_that_keeps_failing_is_explained_and_nothing_is_submitted(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    slack.fail_downloads(503, times=3)
    _mention_with_image(bot, slack, "1700001000.000100")
    db = bot.settings.aigc_bot_db
    row = wait_until(lambda: next((r for r in rows(db) if r["status"] == "failed"), None), what="failed row")
    assert row["error_code"] == "Slack.DownloadFailed"
    replies = wait_until(
        lambda: [
            c["text"]
            for c in slack.calls_to("chat.postMessage")
            if c.get("thread_ts") == "1700001000.000100" and c["text"].startswith(":warning:")
        ],
        what="the explanation in the thread",
    )
    assert replies[0].lower().count("nothing was submitted or billed") == 1
    assert "Code: Slack.DownloadFailed" in replies[0]
    assert slack.downloads == ["FUP1"] * 3 and vod.calls(CREATE) == [] and cos.puts == []
