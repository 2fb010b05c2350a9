import pytest

from bot.tencent.models import ASPECT_RATIOS, FileInfo, RequestInvalid, build_request
from bot.tencent.scenes import TaskOptions, TaskSpec, build_task_request

F1 = {"Type": "File", "FileId": "3704211000509819"}
F2 = {"Type": "File", "FileId": "3704211000509820"}
URL = {"Type": "Url", "Url": "https://example.com/a.png"}


def problems(data: dict) -> list[str]:
    with pytest.raises(RequestInvalid) as caught:
        build_request(data)
    return caught.value.problems


def test_api_page_example_round_trips_exactly() -> None:
    body = {
        "SubAppId": 251440382,
        "SceneInfo": {"Type": "change_clothes", "ChangeClothesConfig": {"ClothesFileInfos": [F1]}},
        "FileInfos": [F2],
        "OutputConfig": {"StorageMode": "Temporary", "MediaName": "myfile", "ClassId": 0},
        "SessionId": "mysession",
        "SessionContext": "mySessionContext",
        "TasksPriority": 10,
        "ExtInfo": "myextinfo",
    }
    assert build_request(body).to_wire() == body


def test_every_current_scene_serialises_in_pascal_case_without_absent_fields() -> None:
    try_on = build_request(
        {
            "SubAppId": 1,
            "SceneInfo": {
                "Type": "ai_try_on",
                "AiTryOnConfig": {
                    "Model": "WAND-tryon-1.0-pro",
                    "ClothesFileInfos": [F1, URL],
                    "Prompt": "tuck in",
                },
            },
            "FileInfos": [F2],
            "OutputConfig": {"Resolution": "2K", "EncodeConfig": {"Format": "PNG", "Quality": 90}},
        }
    ).to_wire()
    assert try_on["SceneInfo"]["AiTryOnConfig"]["ClothesFileInfos"][1] == URL
    assert try_on["OutputConfig"] == {"Resolution": "2K", "EncodeConfig": {"Format": "PNG", "Quality": 90}}
    outpaint = build_request(
        {
            "SubAppId": 1,
            "SceneInfo": {"Type": "outpainting"},
            "FileInfos": [URL],
            "OutputConfig": {"AspectRatio": "21:9", "ImageWidth": 2100, "ExpireTime": "2026-12-31T00:00:00Z"},
        }
    ).to_wire()
    assert outpaint["SceneInfo"] == {"Type": "outpainting"}
    assert "ImageHeight" not in outpaint["OutputConfig"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            {
                "SceneInfo": {"Type": "ai_try_on", "AiTryOnConfig": {"ClothesFileInfos": [F1] * 5}},
                "FileInfos": [F1],
            },
            "SceneInfo.AiTryOnConfig.ClothesFileInfos: List should have at most 4 items",
        ),
        ({"SceneInfo": {"Type": "ai_try_on"}, "FileInfos": [F1]}, "Type ai_try_on needs AiTryOnConfig"),
        (
            {"SceneInfo": {"Type": "outpainting", "ProductImageConfig": {}}, "FileInfos": [F1]},
            "ProductImageConfig does not apply to Type outpainting",
        ),
        (
            {
                "SceneInfo": {"Type": "product_image", "ProductImageConfig": {"OutputImageCount": 11}},
                "FileInfos": [F1],
            },
            "SceneInfo.ProductImageConfig.OutputImageCount: Input should be less than or equal to 10",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [F1], "OutputConfig": {"AspectRatio": "7:5"}},
            "OutputConfig.AspectRatio: must be one of " + ", ".join(ASPECT_RATIOS),
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [F1], "OutputConfig": {"Resolution": "2K"}},
            "OutputConfig.Resolution applies only to ai_try_on, not outpainting",
        ),
        (
            {
                "SceneInfo": {"Type": "outpainting"},
                "FileInfos": [F1],
                "OutputConfig": {"MediaName": "x" * 65},
            },
            "OutputConfig.MediaName: String should have at most 64 characters",
        ),
        (
            {
                "SceneInfo": {"Type": "outpainting"},
                "FileInfos": [F1],
                "OutputConfig": {"ExpireTime": "next week"},
            },
            "OutputConfig.ExpireTime: must be an ISO 8601 time",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [F1], "SessionId": "s" * 51},
            "SessionId: String should have at most 50 characters",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [F1], "SessionContext": "c" * 1001},
            "SessionContext: String should have at most 1000 characters",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [F1], "TasksPriority": 11},
            "TasksPriority: Input should be less than or equal to 10",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [{"Type": "Url", "Url": "ftp://x/y.png"}]},
            "FileInfos[0]: a Url input needs Url, an http(s) address",
        ),
        (
            {"SceneInfo": {"Type": "outpainting"}, "FileInfos": [{"Type": "File", "FileId": "abc"}]},
            "FileInfos[0]: a File input needs FileId, the VOD file id (all digits)",
        ),
        (
            {
                "SceneInfo": {
                    "Type": "change_clothes_under",
                    "ChangeClothesConfig": {"ClothesFileInfos": [F1, F2]},
                },
                "FileInfos": [F1],
            },
            "Type change_clothes_under takes exactly 1 clothes image",
        ),
    ],
)
def test_rule_violations_name_the_field_and_the_rule(data: dict, expected: str) -> None:
    found = problems({"SubAppId": 1, **data})
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_all_mistakes_are_reported_at_once() -> None:
    found = problems(
        {
            "SubAppId": 0,
            "SceneInfo": {"Type": "outpainting"},
            "FileInfos": [F1],
            "SessionId": "s" * 60,
            "TasksPriority": -11,
        }
    )
    assert [p.split(":")[0] for p in found] == ["SubAppId", "SessionId", "TasksPriority"]


def test_user_spec_builds_the_same_request_as_the_api_shape() -> None:
    spec = TaskSpec(
        scene="tryon",
        prompt="relaxed fit",
        options=TaskOptions(model="flash", resolution="4k", storage="permanent"),
        session_id="slk-1",
    )
    request = build_task_request(
        spec, sub_app_id=7, images=[FileInfo.of_file("11")], clothes=[FileInfo.of_url("https://x/c.png")]
    )
    assert request.to_wire() == {
        "SubAppId": 7,
        "SceneInfo": {
            "Type": "ai_try_on",
            "AiTryOnConfig": {
                "Model": "WAND-tryon-1.0-flash",
                "ClothesFileInfos": [{"Type": "Url", "Url": "https://x/c.png"}],
                "Prompt": "relaxed fit",
            },
        },
        "FileInfos": [{"Type": "File", "FileId": "11"}],
        "OutputConfig": {"StorageMode": "Permanent", "Resolution": "4K"},
        "SessionId": "slk-1",
    }


@pytest.mark.parametrize(
    ("options", "clothes", "prompt", "expected"),
    [
        (TaskOptions(count=3), [], None, "SceneInfo: ProductImageConfig does not apply to Type outpainting"),
        (TaskOptions(negative="text"), [], None, "SceneInfo: ProductImageConfig does not apply to Type outpainting"),
        (TaskOptions(model="pro"), [FileInfo.of_file("2")], None, "SceneInfo: AiTryOnConfig does not apply"),
        (TaskOptions(), [FileInfo.of_file("2")], None, "SceneInfo: AiTryOnConfig does not apply"),
        (TaskOptions(resolution="2K"), [], None, "OutputConfig.Resolution applies only to ai_try_on"),
        (TaskOptions(), [], "wider", "SceneInfo: Type outpainting takes no Prompt"),
    ],
)
def test_what_another_scene_takes_is_refused_by_the_request_not_dropped(
    options: TaskOptions, clothes: list[FileInfo], prompt: str | None, expected: str
) -> None:
    """The last gate after bot/rules.py: a spec that skipped the rulebook still cannot lose a field silently."""
    spec = TaskSpec(scene="outpaint", prompt=prompt, options=options)
    with pytest.raises(RequestInvalid) as caught:
        build_task_request(spec, sub_app_id=1, images=[FileInfo.of_file("1")], clothes=clothes)
    assert caught.value.problems[0].startswith(expected)
