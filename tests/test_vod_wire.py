"""The real VOD client against the fake VOD and COS servers, whose signatures the official SDKs check."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.errors import advise
from bot.slack.files import DownloadTooLarge, download_to_temp_file
from bot.tencent.models import build_request
from bot.tencent.ratelimit import SlidingWindowLimiter
from bot.tencent.upload import upload_image_file
from bot.tencent.vod import AlreadySubmitted, VodClient, VodError
from tests.conftest import SECRET_ID, SECRET_KEY, SUB_APP_ID, PNG_1x1
from tests.fakes import FakeCos, FakeVod
from tests.test_errors import API_PAGE_CODES

CREATE = "CreateSceneAigcImageTask"
DESCRIBE = "DescribeTaskDetail"


def client(vod: FakeVod, *, key: str = SECRET_KEY, limiter: SlidingWindowLimiter | None = None) -> VodClient:
    return VodClient(
        secret_id=SECRET_ID,
        secret_key=SecretStr(key),
        sub_app_id=SUB_APP_ID,
        endpoint=vod.url,
        create_limiter=limiter or SlidingWindowLimiter(20, 1.0),
        backoff_base=0.05,
    )


def body(scene: str, **extra: Any) -> dict[str, Any]:
    url = {"Type": "Url", "Url": "https://shop.example/a.png"}
    scenes: dict[str, dict[str, Any]] = {
        "ai_try_on": {
            "SceneInfo": {
                "Type": "ai_try_on",
                "AiTryOnConfig": {"Model": "WAND-tryon-1.0-lite", "ClothesFileInfos": [url], "Prompt": "tuck in"},
            },
            "OutputConfig": {"Resolution": "2K"},
        },
        "product_image": {
            "SceneInfo": {"Type": "product_image", "ProductImageConfig": {"Prompt": "marble", "OutputImageCount": 2}},
            "OutputConfig": {"AspectRatio": "4:5", "StorageMode": "Temporary", "EncodeConfig": {"Format": "PNG"}},
        },
        "outpainting": {"SceneInfo": {"Type": "outpainting"}, "OutputConfig": {"AspectRatio": "21:9"}},
        "change_clothes": {"SceneInfo": {"Type": "change_clothes", "ChangeClothesConfig": {"ClothesFileInfos": [url]}}},
    }
    return {"SubAppId": SUB_APP_ID, "FileInfos": [url], **scenes[scene], **extra}


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def submit(vod: FakeVod, data: dict[str, Any], **kwargs: Any) -> Any:
    async with client(vod, **kwargs) as api:
        return await api.create_scene_aigc_image_task(build_request(data))


@pytest.mark.parametrize("scene", ["ai_try_on", "product_image", "outpainting", "change_clothes"])
def test_every_scene_is_signed_serialised_and_accepted(vod: FakeVod, scene: str) -> None:
    data = body(scene, SessionId=f"s-{scene}", TasksPriority=3)
    result = run(submit(vod, data))
    assert result.task_id.startswith(f"{SUB_APP_ID}-SceneAigcImageTask-")
    assert result.request_id
    assert vod.calls(CREATE) == [data]
    assert all(r.signature_valid for r in vod.requests)


def test_wrong_secret_key_is_refused_with_admin_advice(vod: FakeVod) -> None:
    with pytest.raises(VodError) as caught:
        run(submit(vod, body("outpainting"), key="not-the-key"))
    assert caught.value.code == "AuthFailure.SignatureFailure"
    assert caught.value.advice.audience == "admin"
    assert caught.value.request_id
    assert vod.calls(CREATE) == []


@pytest.mark.parametrize("code", API_PAGE_CODES)
def test_every_api_page_error_reaches_the_user_mapped(vod: FakeVod, code: str) -> None:
    vod.fail_next(CREATE, code, "server says no")
    with pytest.raises(VodError) as caught:
        run(submit(vod, body("outpainting")))
    error = caught.value
    assert error.code == code
    text = error.user_text()
    assert advise(code).summary in text
    assert f"Code: {code}" in text
    assert f"RequestId: {error.request_id}" in text


def test_a_burst_of_100_never_exceeds_20_per_second_at_the_server(vod: FakeVod) -> None:
    async def burst() -> list[Any]:
        async with client(vod) as api:
            request = build_request(body("outpainting"))
            return await asyncio.gather(*(api.create_scene_aigc_image_task(request) for _ in range(100)))

    started = time.monotonic()
    results = run(burst())
    elapsed = time.monotonic() - started
    assert len({r.task_id for r in results}) == 100
    assert vod.rate_limited == 0
    arrivals = sorted(r.time for r in vod.requests if r.action == CREATE)
    assert len(arrivals) == 100
    worst = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert worst <= 20
    assert elapsed >= 4.0  # 100 calls at 20/s need at least four full windows after the first


def test_rate_limited_answers_are_retried_even_without_session_id(vod: FakeVod) -> None:
    vod.fail_next(CREATE, "RequestLimitExceeded", "slow down", times=2)
    run(submit(vod, body("outpainting")))
    assert len([r for r in vod.requests if r.action == CREATE]) == 3
    assert len(vod.calls(CREATE)) == 1


def test_lost_answer_without_session_id_is_not_resent(vod: FakeVod) -> None:
    vod.drop_next(CREATE)
    with pytest.raises(VodError) as caught:
        run(submit(vod, body("outpainting")))
    assert caught.value.code.startswith("ClientError.")
    assert "may" in caught.value.advice.summary.lower() or "may" in caught.value.advice.remedy.lower()
    assert len(vod.calls(CREATE)) == 1


def test_lost_answer_with_session_id_is_resent_and_reported_already_submitted(vod: FakeVod) -> None:
    vod.drop_next(CREATE)
    with pytest.raises(AlreadySubmitted) as caught:
        run(submit(vod, body("outpainting", SessionId="slack-T1-123")))
    assert len([r for r in vod.requests if r.action == CREATE]) == 2  # the first, lost, and its resend
    assert caught.value.advice.audience != "user"
    assert "already" in caught.value.advice.summary.lower()
    accepted = vod.calls(CREATE)
    assert len(accepted) == 1  # the retry reached Tencent but created nothing


def test_internal_error_is_retried_only_with_a_session_id(vod: FakeVod) -> None:
    vod.fail_next(CREATE, "InternalError")
    with pytest.raises(VodError, match="InternalError"):
        run(submit(vod, body("outpainting")))
    vod.fail_next(CREATE, "InternalError")
    run(submit(vod, body("outpainting", SessionId="dedupe-me")))
    assert len([r for r in vod.requests if r.action == CREATE]) == 3  # one each, then the resend


def test_upload_streams_to_cos_and_yields_the_committed_file_id(vod: FakeVod, cos: FakeCos, tmp_path: Path) -> None:
    image = tmp_path / "mug.png"
    image.write_bytes(PNG_1x1 + b"\x00" * 300_000)

    async def go() -> Any:
        async with client(vod) as api:
            uploaded = await upload_image_file(
                api, image, cos_endpoint=cos.url, max_bytes=10_000_000, expire_time="2026-12-01T00:00:00Z"
            )
            data = body("outpainting", FileInfos=[{"Type": "File", "FileId": uploaded.file_id}])
            return uploaded, await api.create_scene_aigc_image_task(build_request(data))

    uploaded, result = run(go())
    assert uploaded.file_id.isdigit()
    assert uploaded.kind.media_type == "png"
    apply = vod.calls("ApplyUpload")[0]
    assert apply["MediaType"] == "png"
    assert apply["ExpireTime"] == "2026-12-01T00:00:00Z"
    assert list(cos.objects.values()) == [image.read_bytes()]
    assert result.task_id


def test_unknown_file_id_is_refused_by_tencent_and_explained(vod: FakeVod) -> None:
    data = body("outpainting", FileInfos=[{"Type": "File", "FileId": "1234567890"}])
    with pytest.raises(VodError) as caught:
        run(submit(vod, data))
    assert caught.value.code == "InvalidParameterValue.FileId"
    assert "file" in caught.value.user_text().lower()


def test_task_detail_reports_progress_then_outputs(vod: FakeVod) -> None:
    async def go() -> tuple[Any, Any]:
        async with client(vod) as api:
            result = await api.create_scene_aigc_image_task(build_request(body("product_image")))
            return await api.describe_task_detail(result.task_id), await api.describe_task_detail(result.task_id)

    first, second = run(go())
    assert first.status == "PROCESSING" and not first.finished
    assert second.succeeded
    assert len(second.outputs) == 2
    assert all(o.url and o.url.startswith("http://127.0.0.1") for o in second.outputs)


def test_a_result_downloads_to_a_temporary_file_and_a_refused_one_leaves_nothing(
    vod: FakeVod, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    async def go() -> tuple[bytes, list[type[BaseException]]]:
        async with client(vod) as api:
            result = await api.create_scene_aigc_image_task(build_request(body("outpainting")))
            while not (detail := await api.describe_task_detail(result.task_id)).finished:
                pass
            url = str(detail.outputs[0].url)
            path = await download_to_temp_file(api.http, url, max_bytes=10_000_000, prefix="aigc-result-")
            whole = path.read_bytes()
            path.unlink()
            refused: list[type[BaseException]] = []
            for too_small, target in ((len(whole) - 1, url), (len(whole), url + "-missing")):
                with pytest.raises((DownloadTooLarge, httpx.HTTPStatusError)) as caught:
                    await download_to_temp_file(api.http, target, max_bytes=too_small, prefix="aigc-result-")
                refused.append(caught.type)
            return whole, refused

    whole, refused = run(go())
    assert len(whole) > 0
    assert refused == [DownloadTooLarge, httpx.HTTPStatusError]
    assert list(tmp_path.iterdir()) == []
