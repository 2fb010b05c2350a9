"""The `aigc-bot submit` command, run as a user would, against the fakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings
from bot.errors import advise
from tests.conftest import SECRET_KEY, PNG_1x1, env_for
from tests.fakes import FakeCos, FakeVod


def aigc_bot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        env={**base, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_submit_uploads_local_images_and_prints_task_id(
    settings: Settings, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    image = tmp_path / "mug.png"
    image.write_bytes(PNG_1x1)
    result = aigc_bot(
        [
            "submit",
            "--scene",
            "product",
            "--image",
            str(image),
            "--image",
            "https://shop.example/b.png",
            "--prompt",
            "on marble",
            "--ratio",
            "4:5",
            "--count",
            "3",
        ],
        env_for(settings),
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"TaskId", "RequestId"}
    sent = vod.calls("CreateSceneAigcImageTask")[0]
    file_id = vod.calls("CommitUpload") and sent["FileInfos"][0]["FileId"]
    assert file_id.isdigit()
    assert sent["FileInfos"][1] == {"Type": "Url", "Url": "https://shop.example/b.png"}
    assert sent["SceneInfo"]["ProductImageConfig"] == {"Prompt": "on marble", "OutputImageCount": 3}
    assert sent["OutputConfig"] == {"AspectRatio": "4:5"}
    assert SECRET_KEY not in result.stdout + result.stderr


def test_submit_wait_prints_the_finished_result(settings: Settings, vod: FakeVod, tmp_path: Path) -> None:
    env = {**env_for(settings), "AIGC_BOT_FOLLOW_FIRST_DELAY": "0.1", "AIGC_BOT_FOLLOW_MAX_DELAY": "0.2"}
    result = aigc_bot(
        ["submit", "--scene", "outpaint", "--image", "https://shop.example/banner.jpg", "--wait"], env, tmp_path
    )
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["Result"]["Status"] == "FINISH"
    assert printed["Result"]["Outputs"][0]["url"].startswith("http://127.0.0.1")


def test_dry_run_prints_the_exact_body_and_needs_no_credentials(tmp_path: Path) -> None:
    image = tmp_path / "model.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 40)
    result = aigc_bot(
        [
            "submit",
            "--scene",
            "tryon",
            "--image",
            str(image),
            "--clothes",
            "3704211000509819",
            "--resolution",
            "2k",
            "--model",
            "pro",
            "--prompt",
            "open jacket",
            "--dry-run",
        ],
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SubAppId": "<TENCENTCLOUD_VOD_SUB_APP_ID>",
        "SceneInfo": {
            "Type": "ai_try_on",
            "AiTryOnConfig": {
                "Model": "WAND-tryon-1.0-pro",
                "ClothesFileInfos": [{"Type": "File", "FileId": "3704211000509819"}],
                "Prompt": "open jacket",
            },
        },
        "FileInfos": [{"Type": "File", "FileId": f"<to be uploaded: {image}>"}],
        "OutputConfig": {"Resolution": "2K"},
    }


def test_refusal_prints_the_mapped_message_and_exits_1(settings: Settings, vod: FakeVod, tmp_path: Path) -> None:
    vod.fail_next("CreateSceneAigcImageTask", "FailedOperation.InvalidVodUser", "vod not open")
    result = aigc_bot(
        ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg"], env_for(settings), tmp_path
    )
    assert result.returncode == 1
    assert "Code: FailedOperation.InvalidVodUser" in result.stderr
    assert "RequestId: " in result.stderr
    assert result.stdout == ""


def test_bad_input_exits_2_before_any_call(settings: Settings, vod: FakeVod, tmp_path: Path) -> None:
    text_file = tmp_path / "notes.png"
    text_file.write_text("not an image")
    for args, expected in [
        (
            ["--scene", "outpaint", "--image", "https://a/x.png", "--image", "https://a/y.png"],
            "outpainting takes exactly 1",
        ),
        (["--scene", "tryon", "--image", "https://a/x.png"], "ClothesFileInfos"),
        (["--scene", "product", "--image", "ftp://a/x.png"], "only http:// and https://"),
        (["--scene", "product", "--image", str(text_file)], "not a JPEG, PNG or WebP image"),
        (["--scene", "product", "--image", "https://a/x.png", "--count", "11"], "OutputImageCount"),
        (
            ["--scene", "outpaint", "--image", "http://127.0.0.1/x.png"],
            "Tencent Cloud fetches image links from the internet",
        ),
        (["--scene", "outpaint", "--image", "http://[::ffff:10.0.0.1]/x.png"], "cannot be used"),
        (["--scene", "outpaint", "--image", "http://shop.example:99999/x.png"], "valid host name and port"),
    ]:
        result = aigc_bot(["submit", *args], env_for(settings), tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert vod.requests == []


def test_a_storage_refusal_prints_the_mapped_text_and_code_and_exits_1(
    settings: Settings, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    image = tmp_path / "mug.png"
    image.write_bytes(PNG_1x1)
    cos.fail_puts(403, "SignatureDoesNotMatch", "The request signature we calculated does not match.")
    result = aigc_bot(["submit", "--scene", "outpaint", "--image", str(image)], env_for(settings), tmp_path)
    assert result.returncode == 1, result.stderr
    assert advise("Cos.SignatureDoesNotMatch").summary in result.stderr
    assert "Nothing was submitted or billed" in result.stderr
    assert "Code: Cos.SignatureDoesNotMatch · RequestId: " in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert vod.calls("CreateSceneAigcImageTask") == []


def test_a_passing_storage_failure_is_retried_by_the_command_line_too(
    settings: Settings, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    image = tmp_path / "mug.png"
    image.write_bytes(PNG_1x1)
    cos.drop_puts()
    result = aigc_bot(["submit", "--scene", "outpaint", "--image", str(image)], env_for(settings), tmp_path)
    assert result.returncode == 0, result.stderr
    assert [put.error for put in cos.puts] == ["ConnectionReset", None]
    assert len(vod.calls("CreateSceneAigcImageTask")) == 1
