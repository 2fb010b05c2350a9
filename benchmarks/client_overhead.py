"""Benchmark 3: the cost of one CreateSceneAigcImageTask call in our client against the official SDK's.

Both clients build the same request, sign it (TC3-HMAC-SHA256), send it over a kept-alive connection to the
same fake VOD (in its own process, with its 20/s limit off so no call waits) and parse the answer into a
TaskId. Calls run one after another, the two clients alternating round by round. Client overhead is the CPU
time this process spends per call (the server's work is in another process); wall time per call is shown
beside it. Our client's own 20/s limiter is set wide open here: waiting is not overhead.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from tencentcloud.common.credential import Credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.vod.v20180717 import models as sdk_models
from tencentcloud.vod.v20180717.vod_client_async import VodClient as SdkVodClient

from benchmarks.fakes_host import SECRET_ID, SECRET_KEY, SUB_APP_ID, FakeHost
from benchmarks.report import Outcome
from bot.tencent.models import CreateSceneAigcImageTaskRequest
from bot.tencent.ratelimit import SlidingWindowLimiter
from bot.tencent.vod import VodClient

TARGET_RATIO = 1.0
WARMUP_CALLS = 20

Call = Callable[[dict[str, Any]], Awaitable[str]]


def request_params(tag: str, n: int) -> dict[str, Any]:
    return {
        "SubAppId": SUB_APP_ID,
        "SceneInfo": {
            "Type": "product_image",
            "ProductImageConfig": {"Prompt": "white background, soft shadow", "OutputImageCount": 2},
        },
        "FileInfos": [{"Type": "Url", "Url": f"https://shop.example/products/{n}.jpg"}],
        "OutputConfig": {"StorageMode": "Temporary", "AspectRatio": "1:1"},
        "SessionId": f"bench-{tag}-{n}",
    }


async def _measure(call: Call, tag: str, calls: int, start: int) -> tuple[float, float]:
    """CPU seconds and wall seconds per call over `calls` sequential calls."""
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(start, start + calls):
        task_id = await call(request_params(tag, n))
        if not task_id:
            raise RuntimeError(f"{tag}: no TaskId")
    return (time.process_time() - cpu) / calls, (time.perf_counter() - wall) / calls


async def _compare(vod_url: str, calls: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    ours = VodClient(
        secret_id=SECRET_ID,
        secret_key=SecretStr(SECRET_KEY),
        sub_app_id=SUB_APP_ID,
        endpoint=vod_url,
        create_limiter=SlidingWindowLimiter(10**9),
    )
    profile = ClientProfile(httpProfile=HttpProfile(protocol="http", endpoint=urlsplit(vod_url).netloc))
    official = SdkVodClient(Credential(SECRET_ID, SECRET_KEY), "ap-guangzhou", profile)

    async def call_ours(params: dict[str, Any]) -> str:
        result = await ours.create_scene_aigc_image_task(CreateSceneAigcImageTaskRequest.model_validate(params))
        return result.task_id

    async def call_official(params: dict[str, Any]) -> str:
        request = sdk_models.CreateSceneAigcImageTaskRequest()
        request._deserialize(params)
        response = await official.CreateSceneAigcImageTask(request)
        return str(response.TaskId)

    clients: dict[str, Call] = {"aigc-bot VodClient": call_ours, "tencentcloud-sdk-python async": call_official}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    try:
        for name, call in clients.items():
            await _measure(call, f"warm-{name}", WARMUP_CALLS, 0)
        for index in range(rounds):
            order = list(clients) if index % 2 == 0 else list(reversed(clients))
            for name in order:
                samples[name].append(await _measure(clients[name], name, calls, (index + 1) * calls))
    finally:
        await ours.aclose()
        await official.close()
    return samples


def run(host: FakeHost, calls: int = 400, rounds: int = 7) -> Outcome:
    host.set("vod", "rate_limit_per_second", 0)
    try:
        samples = asyncio.run(_compare(host.urls["vod"], calls, rounds))
    finally:
        host.set("vod", "rate_limit_per_second", 20)
    ours_name, official_name = list(samples)
    cpu = {name: statistics.median(s[0] for s in rows) for name, rows in samples.items()}
    wall = {name: statistics.median(s[1] for s in rows) for name, rows in samples.items()}
    ratio_cpu = cpu[ours_name] / cpu[official_name]
    ratio_wall = wall[ours_name] / wall[official_name]
    figures = []
    for name in samples:
        figures.append((f"{name} CPU per call", f"{cpu[name] * 1e6:.0f} µs"))
        figures.append((f"{name} wall per call", f"{wall[name] * 1e6:.0f} µs"))
    figures += [
        ("ratio ours/official, CPU", f"{ratio_cpu:.2f}"),
        ("ratio ours/official, wall", f"{ratio_wall:.2f}"),
    ]
    return Outcome(
        name=f"Client overhead per CreateSceneAigcImageTask: {rounds} alternating rounds of {calls} calls each",
        target=f"ratio at most {TARGET_RATIO:.1f} (medians of the rounds; CPU is the overhead, wall shown beside)",
        passed=ratio_cpu <= TARGET_RATIO,
        figures=figures,
    )
