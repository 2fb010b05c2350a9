"""DescribeTasks: the fake answers exactly the SDK's shapes, and the client pages through it with ScrollToken."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException

from bot.follow.recovery import find_task
from bot.tencent.vod import VodClient, tencent_time
from tests.conftest import SECRET_ID, SECRET_KEY, SUB_APP_ID
from tests.fakes import FakeVod
from tests.test_fakes import product_task, sdk, sdk_call

CREATE = "CreateSceneAigcImageTask"
LIST = "DescribeTasks"


def window(minutes: int = 10) -> dict[str, str]:
    now = datetime.now(UTC)
    return {"After": tencent_time(now - timedelta(minutes=minutes)), "Before": tencent_time(now + timedelta(minutes=1))}


def submit_outside(vod: FakeVod, count: int, prefix: str = "other") -> list[str]:
    """Tasks someone else submitted to the same VOD application."""
    client = sdk(vod)
    return [
        sdk_call(client, CREATE, product_task(SessionId=f"{prefix}-{i}", SessionContext=f"ctx {i}")).TaskId
        for i in range(count)
    ]


def test_describe_tasks_pages_task_simple_infos_the_official_sdk_reads_without_leftovers(vod: FakeVod) -> None:
    task_ids = submit_outside(vod, 3)
    client = sdk(vod)
    query = {"SubAppId": SUB_APP_ID, "CreateTime": window(), "Sort": {"Field": "CreateTime", "Order": "Asc"}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the SDK warns about any field its model does not have
        first = sdk_call(client, LIST, {**query, "Limit": 2})
        second = sdk_call(client, LIST, {**query, "Limit": 2, "ScrollToken": first.ScrollToken})
    assert [t.TaskId for t in first.TaskSet + second.TaskSet] == task_ids
    assert first.ScrollToken and not second.ScrollToken and first.RequestId != second.RequestId
    listed = first.TaskSet[0]
    assert (listed.TaskType, listed.Status, listed.SessionId, listed.SessionContext) == (
        "SceneAigcImageTask",
        "PROCESSING",
        "other-0",
        "ctx 0",
    )
    assert listed.CreateTime.endswith("Z") and listed.BeginProcessTime == listed.CreateTime
    assert listed.FinishTime == ""
    default = sdk_call(client, LIST, {"SubAppId": SUB_APP_ID})
    assert [t.TaskId for t in default.TaskSet] == task_ids[::-1], "newest first without Sort"
    later = sdk_call(client, LIST, {"SubAppId": SUB_APP_ID, "CreateTime": {"After": window()["Before"]}})
    assert later.TaskSet == [] and later.ScrollToken is None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"SubAppId": 42}, "InvalidParameterValue.SubAppId"),
        ({"Limit": 0}, "InvalidParameterValue.Limit"),
        ({"Limit": 101}, "InvalidParameterValue.LimitTooLarge"),
        ({"ScrollToken": "never-issued"}, "InvalidParameterValue"),
        ({"CreateTime": {"After": "yesterday"}}, "InvalidParameterValue"),
        ({"Status": "DONE"}, "InvalidParameterValue"),
    ],
)
def test_describe_tasks_refuses_bad_parameters(vod: FakeVod, change: dict[str, Any], code: str) -> None:
    with pytest.raises(TencentCloudSDKException) as refused:
        sdk_call(sdk(vod), LIST, {"SubAppId": SUB_APP_ID, **change})
    assert refused.value.code == code


def test_describe_tasks_knobs_hide_scene_tasks_and_shrink_pages(vod: FakeVod) -> None:
    submit_outside(vod, 3)
    client = sdk(vod)
    vod.tasks_page_size = 1
    page = sdk_call(client, LIST, {"SubAppId": SUB_APP_ID, "Limit": 100})
    assert len(page.TaskSet) == 1 and page.ScrollToken
    with pytest.raises(TencentCloudSDKException) as other_query:
        sdk_call(client, LIST, {"SubAppId": SUB_APP_ID, "Status": "FINISH", "ScrollToken": page.ScrollToken})
    assert other_query.value.code == "InvalidParameterValue", "a token only continues the query that issued it"
    vod.list_scene_tasks = False
    assert sdk_call(client, LIST, {"SubAppId": SUB_APP_ID}).TaskSet == []


def test_find_task_follows_scroll_tokens_to_the_matching_session(vod: FakeVod) -> None:
    submit_outside(vod, 5)
    [wanted] = submit_outside(vod, 1, prefix="wanted")
    vod.tasks_page_size = 2
    row = {"id": 7, "created_at": tencent_time(datetime.now(UTC)), "session_id": "wanted-0"}

    async def look() -> Any:
        async with VodClient(
            secret_id=SECRET_ID, secret_key=SecretStr(SECRET_KEY), sub_app_id=SUB_APP_ID, endpoint=vod.url
        ) as api:
            return await find_task(api, row)

    found = asyncio.run(look())
    assert found is not None and found.task_id == wanted and found.session_id == "wanted-0"
    calls = vod.calls(LIST)
    assert len(calls) == 3 and "ScrollToken" not in calls[0]
    assert all(c["ScrollToken"] for c in calls[1:]) and calls[1]["ScrollToken"] != calls[2]["ScrollToken"]
    assert all(c["CreateTime"] == calls[0]["CreateTime"] for c in calls)
