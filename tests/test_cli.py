"""The `aigc-bot submit` command, run as a user would, against the fakes."""

from __future__ import annotations

import getpass
import json
import os
import signal
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from bot.config import Settings
from bot.errors import advise
from bot.pricing import parse_unit_prices
from bot.slack.reports import usage_text
from bot.store.claims import claim_many
from bot.store.db import COMMAND_LINE_TEAM, RequestLog
from handlers.cli import main
from tests.conftest import (
    SECRET_KEY,
    SUB_APP_ID,
    PNG_1x1,
    RunningBot,
    clean_env,
    env_for,
    free_port,
    make_settings,
    start_bot,
    wait_finished,
    wait_status,
    wait_until_healthy,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod


def aigc_bot(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        env=clean_env(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def logged_rows(settings: Settings) -> list[dict[str, Any]]:
    if not Path(settings.aigc_bot_db).exists():
        return []
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        return log_db.query("SELECT * FROM requests ORDER BY id")
    finally:
        log_db.close()


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
    assert set(printed) == {"TaskId", "RequestId", "SessionId"}
    sent = vod.calls("CreateSceneAigcImageTask")[0]
    assert sent["SessionId"] == printed["SessionId"]
    [row] = logged_rows(settings)
    assert (row["source"], row["user_id"], row["status"]) == ("cli", getpass.getuser(), "submitted")
    assert (row["task_id"], row["session_id"], row["scene"]) == (printed["TaskId"], printed["SessionId"], "product")
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
    [row] = logged_rows(settings)
    assert (row["source"], row["status"], row["task_id"]) == ("cli", "done", printed["TaskId"])
    assert vod.calls("DescribeTaskDetail"), "followed by the bot's follower, which asks DescribeTaskDetail"


def test_dry_run_prints_the_exact_body_and_needs_no_credentials(tmp_path: Path) -> None:
    image = tmp_path / "model.jpg"
    Image.new("RGB", (8, 8)).save(image)
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
    assert "WARNING" not in result.stderr and "vod CreateSceneAigcImageTask failed" not in result.stderr  # said once


def test_bad_input_exits_2_before_any_call(
    settings: Settings,
    vod: FakeVod,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Run in this process (a process start each would cost seconds); the exit path is the one a process takes."""
    for name in [k for k in os.environ if k.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_"))]:
        monkeypatch.delenv(name)
    for name, value in env_for(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    text_file = tmp_path / "notes.png"
    text_file.write_text("not an image")
    for args, expected in [
        (
            ["--scene", "outpaint", "--image", "https://a/x.png", "--image", "https://a/y.png"],
            "Cannot submit: outpaint takes exactly 1 image to extend with --image; got 2.",
        ),
        (
            ["--scene", "tryon", "--image", "https://a/x.png"],
            "Cannot submit: tryon takes 1 to 4 clothes images with --clothes; got 0.",
        ),
        (
            ["--scene", "product"],
            "Cannot submit: product needs at least one image with --image: a path, a link or a VOD FileId.",
        ),
        (
            ["--scene", "tryon", "--image", "https://a/x.png", "--clothes", "https://a/c.png", "--model", "turbo"],
            "Cannot submit: --model turbo is not offered. Use lite, flash or pro.",
        ),
        (["--scene", "product", "--image", "ftp://a/x.png"], "only http:// and https://"),
        (
            ["--scene", "product", "--image", "https://exa mple.com/a.png"],
            "Cannot submit: `https://exa mple.com/a.png` has a space in it; a web address has none "
            "(a link writes a space as %20).",
        ),
        (
            ["--scene", "product", "--image", "http://"],
            "Cannot submit: `http://` is not a complete web address; an image link looks like "
            "https://shop.example/a.png.",
        ),
        (
            ["--scene", "outpaint", "--image", "https://a/x.png", "--prompt", "wider"],
            "Cannot submit: Outpainting takes no prompt: it extends the image to the ratio. Leave out --prompt, "
            "or choose product or tryon.",
        ),
        (
            ["--scene", "product", "--image", "https://a/x.png", "--negative", "  "],
            'Cannot submit: --negative needs words, e.g. --negative "people, text".',
        ),
        (["--scene", "product", "--image", str(text_file)], "is not an image I can read"),
        (
            ["--scene", "product", "--image", "https://a/x.png", "--count", "11"],
            "Cannot submit: --count 11 is not allowed: give a whole number from 1 to 10.",
        ),
        (
            ["--scene", "outpaint", "--image", "http://127.0.0.1/x.png"],
            "Tencent Cloud fetches image links from the internet",
        ),
        (["--scene", "outpaint", "--image", "http://[::ffff:10.0.0.1]/x.png"], "cannot be used"),
        (["--scene", "outpaint", "--image", "http://shop.example:99999/x.png"], "valid host name and port"),
    ]:
        code, stderr = main(["submit", *args]), capsys.readouterr().err
        assert code == 2, (args, stderr)
        assert expected in stderr, (args, stderr)
        assert not any(word in stderr for word in ("FileInfos", "SceneInfo", "WAND-", "validation")), args
    assert vod.requests == []
    one = aigc_bot(["submit", "--scene", "product", "--count", "0"], env_for(settings), tmp_path)
    assert (one.returncode, one.stdout) == (2, "")
    assert one.stderr.splitlines() == [
        "Cannot submit: product needs at least one image with --image: a path, a link or a VOD FileId.",
        "Cannot submit: --count 0 is not allowed: give a whole number from 1 to 10.",
    ]


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


def test_a_capped_user_is_refused_with_the_cap_sentence_and_the_refusal_is_logged(
    settings: Settings, vod: FakeVod, tmp_path: Path
) -> None:
    env = {**env_for(settings), "AIGC_BOT_USER_DAILY_CAP": "1", "AIGC_BOT_ADMINS": "UADMIN"}
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg"]
    assert aigc_bot(args, env, tmp_path).returncode == 0
    second = aigc_bot(args, env, tmp_path)
    assert second.returncode == 1
    assert "You have reached today's limit of 1 requests. It resets at 00:00 UTC." in second.stderr
    assert "Ask UADMIN if you need access." in second.stderr and "<@" not in second.stderr  # no Slack markup
    assert "Nothing was submitted or billed." in second.stderr
    assert second.stdout == ""
    assert len(vod.calls("CreateSceneAigcImageTask")) == 1
    assert [(r["source"], r["status"]) for r in logged_rows(settings)] == [("cli", "submitted"), ("cli", "refused")]


def test_the_command_line_shares_the_workspace_cap_with_slack(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_workspace_daily_cap=2)
    bot = RunningBot(settings).start()
    try:
        assert "Working on" in bot.command("outpaint https://shop.example/a.jpg").json()["text"]
        wait_status(settings, "submitted")
        args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/b.jpg"]
        assert aigc_bot(args, env_for(settings), tmp_path).returncode == 0  # the second of the day's two
        refused = aigc_bot(args, env_for(settings), tmp_path)
        assert refused.returncode == 1
        assert "The workspace has reached today's limit of 2 requests." in refused.stderr
        bot.command("outpaint https://shop.example/c.jpg", user_id="U200")  # Slack counts the command line's too
        wait_status(settings, "refused", 2)
    finally:
        bot.stop()
    assert len(vod.calls("CreateSceneAigcImageTask")) == 2


def test_session_id_given_on_the_command_line_is_the_one_sent_and_logged(
    settings: Settings, vod: FakeVod, tmp_path: Path
) -> None:
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg", "--session-id", "batch-7"]
    result = aigc_bot(args, env_for(settings), tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SessionId"] == "batch-7"
    assert vod.calls("CreateSceneAigcImageTask")[0]["SessionId"] == "batch-7"
    assert logged_rows(settings)[0]["session_id"] == "batch-7"


def test_slack_status_finds_a_request_by_the_session_id_chosen_on_the_command_line(
    bot: RunningBot, slack: FakeSlack, settings: Settings, tmp_path: Path
) -> None:
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg", "--session-id", "spring-sale-7"]
    result = aigc_bot(args, env_for(settings), tmp_path)
    assert result.returncode == 0, result.stderr
    task_id = json.loads(result.stdout)["TaskId"]
    bot.command("status spring-sale-7", response_url=slack.response_url("by-session"))
    [answer] = slack.wait_for_response("by-session")
    assert task_id in answer["text"] and "Could not read task" not in answer["text"]


def test_dry_run_refuses_a_text_file_named_png_and_logs_nothing(
    settings: Settings, vod: FakeVod, tmp_path: Path
) -> None:
    text_file = tmp_path / "notes.png"
    text_file.write_text("not an image")
    args = ["submit", "--scene", "product", "--image", str(text_file), "--dry-run"]
    result = aigc_bot(args, env_for(settings), tmp_path)
    assert result.returncode == 2
    assert "Cannot submit: notes.png is not an image I can read: it looks like text." in result.stderr
    assert result.stdout == ""
    assert vod.requests == [] and logged_rows(settings) == []


def test_dry_run_checks_the_size_limit_and_the_scene_rules(tmp_path: Path) -> None:
    image = tmp_path / "big.png"
    image.write_bytes(PNG_1x1 + b"\x00" * 2_000_000)
    too_big = aigc_bot(
        ["submit", "--scene", "outpaint", "--image", str(image), "--dry-run"],
        {"AIGC_BOT_MAX_DOWNLOAD_MB": "1"},
        tmp_path,
    )
    assert too_big.returncode == 2
    assert "Cannot submit: big.png is 1.9 MB; I only fetch files of up to 1 MB" in too_big.stderr
    prompt = aigc_bot(
        ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg", "--prompt", "x", "--dry-run"],
        {},
        tmp_path,
    )
    assert prompt.returncode == 2
    assert "Outpainting takes no prompt" in prompt.stderr


def test_a_blank_prompt_is_left_out_as_in_slack(tmp_path: Path) -> None:
    result = aigc_bot(
        ["submit", "--scene", "product", "--image", "https://shop.example/a.jpg", "--prompt", "  ", "--dry-run"],
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["SceneInfo"] == {"Type": "product_image", "ProductImageConfig": {}}


def test_settings_come_from_env_file_or_the_current_directory(tmp_path: Path) -> None:
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg", "--dry-run"]
    elsewhere = tmp_path / "conf" / "bot.env"
    elsewhere.parent.mkdir()
    elsewhere.write_text(f"TENCENTCLOUD_VOD_SUB_APP_ID={SUB_APP_ID}\n")
    chosen = aigc_bot([*args, "--env-file", str(elsewhere)], {}, tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout)["SubAppId"] == SUB_APP_ID
    (tmp_path / ".env").write_text("TENCENTCLOUD_VOD_SUB_APP_ID=42\n")
    assert json.loads(aigc_bot(args, {}, tmp_path).stdout)["SubAppId"] == 42
    check = aigc_bot(["check", "--env-file", str(elsewhere)], {}, tmp_path)
    assert "TENCENTCLOUD_VOD_SUB_APP_ID" not in check.stdout
    missing = aigc_bot(["export", "--env-file", str(tmp_path / "nope.env")], {}, tmp_path)
    assert missing.returncode == 2
    assert f"--env-file {tmp_path / 'nope.env'}: no such file" in missing.stderr


def test_run_lists_every_missing_setting_at_once_and_exits_2(settings: Settings, tmp_path: Path) -> None:
    env = env_for(settings)
    del env["SLACK_SIGNING_SECRET"]
    env["TENCENTCLOUD_SECRET_ID"] = "AKID 1"
    result = aigc_bot(["run"], env, tmp_path)
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET" not in result.stderr  # Socket Mode needs none
    assert "MISSING  SLACK_APP_TOKEN:" in result.stderr
    assert (
        "INVALID  TENCENTCLOUD_SECRET_ID: must be at least 8 characters with no spaces (the SecretId, AKID...)"
        in result.stderr
    )
    serve = aigc_bot(["serve"], env, tmp_path)
    assert serve.returncode == 2
    assert "SLACK_SIGNING_SECRET" in serve.stderr and "TENCENTCLOUD_SECRET_ID" in serve.stderr
    assert "SLACK_APP_TOKEN" not in serve.stderr


def test_the_bot_starts_without_warning_that_its_token_is_unused(settings: Settings, tmp_path: Path) -> None:
    port = free_port()
    process = start_bot("serve", env_for(settings), tmp_path, port=port)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}")
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert "serving Slack requests" in output
    assert "will be unused" not in output


def test_check_says_the_real_rule_and_never_ends_in_an_empty_hint(tmp_path: Path) -> None:
    env = {"TENCENTCLOUD_SECRET_ID": "AKID 1", "AIGC_BOT_MAX_IMAGE_MB": "lots"}
    result = aigc_bot(["check"], env, tmp_path)
    assert result.returncode == 1
    assert (
        "INVALID  TENCENTCLOUD_SECRET_ID: must be at least 8 characters with no spaces (the SecretId, AKID...)"
        in result.stdout
    )
    assert "INVALID  AIGC_BOT_MAX_IMAGE_MB: Input should be a valid number, unable to parse string as a number\n" in (
        result.stdout
    )
    assert "expected\n" not in result.stdout


def test_a_session_id_chosen_twice_is_billed_followed_and_capped_once(
    tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack)
    env = {**env_for(settings), "AIGC_BOT_USER_DAILY_CAP": "2", "AIGC_BOT_UNIT_PRICES": "outpaint=0.08"}
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.png", "--session-id", "my-session-1"]
    bot = RunningBot(settings).start()  # the serving bot follows what the command line leaves behind
    try:
        first = aigc_bot(args, env, tmp_path)
        assert first.returncode == 0, first.stderr
        task_id = json.loads(first.stdout)["TaskId"]
        again = aigc_bot(args, env, tmp_path)
        assert again.returncode == 1
        assert "Already submitted: a task with SessionId 'my-session-1' exists" in again.stderr
        assert "nothing new was sent or billed" in again.stderr
        assert f"request 1 (TaskId {task_id})" in again.stderr
        # The copy took no place under the cap of two: a request of its own still goes through.
        other = aigc_bot([*args[:-1], "my-session-2"], env, tmp_path)
        assert other.returncode == 0, other.stderr
        wait_finished(settings, 2)
    finally:
        bot.stop()
    first_row, copy, other_row = logged_rows(settings)
    assert (first_row["status"], first_row["task_id"]) == ("done", task_id)
    assert (copy["status"], copy["task_id"], copy["error_code"]) == ("refused", None, "SessionIdTaken")
    assert (copy["follow_next_at"], copy["submitted_at"], copy["finished_at"]) == (None, None, None)
    assert other_row["status"] == "done"
    assert vod.calls("DescribeTasks") == [], "nothing was looked up by SessionId"
    with vod.lock:
        created = [r.error for r in vod.requests if r.action == "CreateSceneAigcImageTask"]
    assert created == [None, "InvalidParameterValue.SessionId", None]  # Tencent refused the copy itself

    exported = aigc_bot(["export", "--format", "json"], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert [line["task_id"] for line in lines].count(task_id) == 1
    assert [(line["status"], line["output_images"]) for line in lines][1] == ("refused", 0)
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        usage = usage_text(log_db, team_id=COMMAND_LINE_TEAM, prices=parse_unit_prices("outpaint=0.08"))
    finally:
        log_db.close()
    assert "*Today:* 2 task(s)" in usage
    assert "Not submitted this month (refused or invalid, not billed): 1" in usage


def test_a_link_with_credentials_is_refused_and_nothing_keeps_them(
    settings: Settings, vod: FakeVod, tmp_path: Path
) -> None:
    link = "https://user:s3cretpw@shop.example/mug.png"
    for extra in (["--dry-run"], []):
        result = aigc_bot(["submit", "--scene", "outpaint", "--image", link, *extra], env_for(settings), tmp_path)
        assert result.returncode == 2
        assert "Cannot submit: An image link with a user name or password" in result.stderr
        assert "s3cretpw" not in result.stdout + result.stderr
    assert vod.requests == []
    assert "s3cretpw" not in repr(logged_rows(settings))


def test_a_folder_given_as_an_image_is_named_as_a_folder(settings: Settings, tmp_path: Path) -> None:
    args = ["submit", "--scene", "outpaint", "--image", str(tmp_path), "--dry-run"]
    result = aigc_bot(args, env_for(settings), tmp_path)
    assert result.returncode == 2
    assert f"{tmp_path} is a folder; give the path of one image file in it" in result.stderr


def test_serve_help_names_its_defaults(settings: Settings, tmp_path: Path) -> None:
    shown = aigc_bot(["serve", "--help"], env_for(settings), tmp_path).stdout
    assert "(default: 3000)" in shown and "(default: 0.0.0.0)" in shown


def test_an_export_read_only_in_part_ends_quietly(settings: Settings, tmp_path: Path) -> None:
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        request = {"source": "cli", "team_id": "", "user_id": "ops", "prompt": "x" * 200}
        claim_many(log_db, [{**request, "dedupe_key": f"k{n}"} for n in range(3000)])
    finally:
        log_db.close()
    reader = subprocess.Popen(
        [sys.executable, "-m", "handlers.cli", "export"],
        env=clean_env(env_for(settings)),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    assert reader.stdout.readline()  # `aigc-bot export | head -1`: the reader takes one line and goes
    reader.stdout.close()
    assert reader.wait(timeout=60) == 0
    with reader.stderr:
        assert reader.stderr.read() == b""


def test_the_command_alone_lists_its_commands_and_each_says_what_it_does(tmp_path: Path) -> None:
    bare = aigc_bot([], {}, tmp_path)
    assert bare.returncode == 0, bare.stderr
    listed = [line.split(None, 1) for line in bare.stdout.split("COMMAND\n", 1)[1].splitlines() if line.strip()]
    names = [parts[0] for parts in listed]
    # One line per command: a wrapped description would show up as a line that names no command.
    assert sorted(names) == sorted({"check", "submit", "run", "serve", "backup", "export", "purge", "demo"}), (
        bare.stdout
    )
    assert all(len(parts) == 2 for parts in listed), bare.stdout
    version = aigc_bot(["--version"], {}, tmp_path)
    assert version.returncode == 0 and version.stdout.strip() == f"aigc-bot {metadata.version('aigc-bot')}"


def test_each_subcommand_help_says_what_it_does_and_what_it_takes(capsys: pytest.CaptureFixture[str]) -> None:
    said: dict[str, str] = {}
    for command in ("submit", "run", "serve"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        said[command] = " ".join(capsys.readouterr().out.split())
    assert "Send one image request" in said["submit"] and "Socket Mode" in said["run"] and "HTTP" in said["serve"]
    assert (
        "aspect ratio (product, outpaint): one of: 1:1, 3:2, 2:3, 3:4, 4:3, 4:5, 5:4, 16:9, 9:16, 21:9"
        in said["submit"]
    )
    assert "try-on model: lite, flash or pro" in said["submit"]


def test_dry_run_with_wait_is_refused_with_a_sentence(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg", "--dry-run", "--wait"]
    assert main(args) == 2
    assert capsys.readouterr().err.strip() == (
        "--dry-run sends nothing, so there is no task to --wait for; give one or the other."
    )


def test_a_closed_port_is_reported_as_no_answer_with_nothing_billed(settings: Settings, tmp_path: Path) -> None:
    endpoint = f"http://127.0.0.1:{free_port()}"
    env = {**env_for(settings), "TENCENTCLOUD_VOD_ENDPOINT": endpoint}
    result = aigc_bot(["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg"], env, tmp_path)
    assert result.returncode == 1
    host = endpoint.removeprefix("http://")
    assert result.stderr.splitlines() == [
        f"Tencent Cloud did not answer: the connection to {host} was refused ({endpoint}/).",
        "Nothing was submitted, so nothing was billed. Check TENCENTCLOUD_VOD_ENDPOINT and this machine's "
        "network, then run the command again.",
    ]
    assert [(r["status"], r["error_code"]) for r in logged_rows(settings)] == [("failed", "ClientError.Network")]


def test_a_timeout_after_sending_says_it_may_be_billed_and_how_to_look_it_up(
    settings: Settings, vod: FakeVod, tmp_path: Path
) -> None:
    vod.delay_seconds = 60  # every attempt is sent and never answered in time
    env = {**env_for(settings), "AIGC_BOT_VOD_TIMEOUT": "0.2"}
    result = aigc_bot(["submit", "--scene", "outpaint", "--image", "https://shop.example/a.jpg"], env, tmp_path)
    vod.delay_seconds = 0
    assert result.returncode == 1
    [row] = logged_rows(settings)
    session_id = row["session_id"]
    assert result.stderr.splitlines()[0] == (
        f"Tencent Cloud did not answer: no answer within 0.2 s of sending ({settings.tencentcloud_vod_endpoint}/)."
    )
    said = result.stderr.splitlines()[1]
    assert said.startswith("The request was sent, so the task may have been created and billed.")
    assert f"`/aigc status {session_id}`" in said and f"--session-id {session_id}" in said
    assert "workspace admin" not in result.stderr and "refused" not in result.stderr


def test_an_upload_that_gets_no_answer_says_nothing_was_billed_in_the_terminals_words(
    settings: Settings, vod: FakeVod, cos: FakeCos, tmp_path: Path
) -> None:
    image = tmp_path / "mug.png"
    image.write_bytes(PNG_1x1)
    cos.drop_puts(times=10)
    result = aigc_bot(["submit", "--scene", "outpaint", "--image", str(image)], env_for(settings), tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("Tencent Cloud storage (COS) did not take an image: the connection broke")
    assert "Nothing was submitted, so nothing was billed." in result.stderr
    assert "workspace admin" not in result.stderr and "Slack" not in result.stderr
    assert vod.calls("CreateSceneAigcImageTask") == []
