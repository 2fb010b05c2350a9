import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_settings

ALL_VARS = [
    "SLACK_BOT_TOKEN",
    "SLACK_SIGNING_SECRET",
    "SLACK_APP_TOKEN",
    "SLACK_API_URL",
    "TENCENTCLOUD_SECRET_ID",
    "TENCENTCLOUD_SECRET_KEY",
    "TENCENTCLOUD_REGION",
    "TENCENTCLOUD_VOD_SUB_APP_ID",
    "TENCENTCLOUD_VOD_ENDPOINT",
    "TENCENTCLOUD_COS_ENDPOINT",
    "AIGC_BOT_DB",
]


def run_check(tmp_path: Path, env_file: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / ".env").write_text(env_file)
    import os

    clean = {k: v for k, v in os.environ.items() if k not in ALL_VARS}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", "check"],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_names_every_missing_setting_and_fails(tmp_path: Path) -> None:
    result = run_check(tmp_path, "")
    assert result.returncode == 1
    for name in [
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_VOD_SUB_APP_ID",
    ]:
        assert f"MISSING  {name}:" in result.stdout
    assert "5 setting(s) must be fixed" in result.stdout


def test_check_reports_malformed_values_by_name_and_never_prints_secrets(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        "SLACK_BOT_TOKEN=xoxp-user-token-secret\nSLACK_SIGNING_SECRET=s3cr3t-signing\n"
        "TENCENTCLOUD_SECRET_ID=AKIDexampleid\nTENCENTCLOUD_SECRET_KEY=very-secret-key\n"
        "TENCENTCLOUD_VOD_SUB_APP_ID=12ab\nTENCENTCLOUD_VOD_ENDPOINT=vod.example\n",
    )
    assert result.returncode == 1
    assert "INVALID  TENCENTCLOUD_VOD_SUB_APP_ID:" in result.stdout
    assert "INVALID  TENCENTCLOUD_VOD_ENDPOINT: " in result.stdout
    for secret in ("very-secret-key", "s3cr3t-signing", "xoxp-user-token-secret"):
        assert secret not in result.stdout + result.stderr


def test_check_passes_with_a_complete_env_file(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        "SLACK_BOT_TOKEN=xoxb-1-2-abc\nSLACK_SIGNING_SECRET=abcdef0123456789\n"
        "TENCENTCLOUD_SECRET_ID=AKIDexampleid\nTENCENTCLOUD_SECRET_KEY=very-secret-key\n"
        "TENCENTCLOUD_VOD_SUB_APP_ID=1500000001\n",
    )
    assert result.returncode == 0, result.stdout
    assert "not set  SLACK_APP_TOKEN" in result.stdout
    assert "very-secret-key" not in result.stdout


def test_wrong_token_kind_is_called_out(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        "SLACK_BOT_TOKEN=xoxp-abc\nSLACK_SIGNING_SECRET=abcdef0123456789\nSLACK_APP_TOKEN=xoxb-wrong\n"
        "TENCENTCLOUD_SECRET_ID=AKIDexampleid\nTENCENTCLOUD_SECRET_KEY=k\nTENCENTCLOUD_VOD_SUB_APP_ID=1\n",
    )
    assert "INVALID  SLACK_BOT_TOKEN: must start with xoxb-" in result.stdout
    assert "INVALID  SLACK_APP_TOKEN: must start with xapp-" in result.stdout
    assert result.returncode == 1


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ALL_VARS:
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.tencentcloud_region == "ap-guangzhou"
    assert settings.tencentcloud_vod_endpoint == "https://vod.tencentcloudapi.com"
    assert str(settings.aigc_bot_db) == "aigc-bot.db"
    monkeypatch.setenv("TENCENTCLOUD_REGION", "Guangzhou")
    with pytest.raises(ConfigError, match="TENCENTCLOUD_REGION"):
        load_settings()


def test_a_fresh_copy_of_env_example_lists_what_to_fill_in(tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    result = run_check(tmp_path, example)
    assert result.returncode == 1
    assert "INVALID" not in result.stdout  # empty values are unset, not malformed
    assert result.stdout.count("MISSING ") == 5


def test_a_malformed_value_does_not_hide_missing_ones(tmp_path: Path) -> None:
    result = run_check(tmp_path, "TENCENTCLOUD_VOD_SUB_APP_ID=abc\nSLACK_BOT_TOKEN=xoxb-1-2\n")
    assert "INVALID  TENCENTCLOUD_VOD_SUB_APP_ID:" in result.stdout
    for name in ("SLACK_SIGNING_SECRET", "TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
        assert f"MISSING  {name}:" in result.stdout
    assert "MISSING  TENCENTCLOUD_VOD_SUB_APP_ID" not in result.stdout


COMPLETE_FOR_SERVE = (
    "SLACK_BOT_TOKEN=xoxb-1-2-abc\nSLACK_SIGNING_SECRET=abcdef0123456789\n"
    "TENCENTCLOUD_SECRET_ID=AKIDexampleid\nTENCENTCLOUD_SECRET_KEY=very-secret-key\n"
    "TENCENTCLOUD_VOD_SUB_APP_ID=1500000001\nSLACK_APP_TOKEN=\n"
)


def run_cli(tmp_path: Path, args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_"))}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli", *args],
        cwd=tmp_path,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_says_which_way_of_running_can_start(tmp_path: Path) -> None:
    result = run_check(tmp_path, COMPLETE_FOR_SERVE)
    assert "All required settings are present" not in result.stdout
    assert "aigc-bot run (Socket Mode): not ready, needs SLACK_APP_TOKEN\n" in result.stdout
    assert "aigc-bot serve (HTTP): ready\n" in result.stdout
    assert result.returncode == 0  # nothing set is wrong, and serve can start

    both = run_check(tmp_path, COMPLETE_FOR_SERVE + "SLACK_APP_TOKEN=xapp-1-abc\n")
    assert both.returncode == 0
    assert "aigc-bot run (Socket Mode): ready\n" in both.stdout
    assert "aigc-bot serve (HTTP): ready\n" in both.stdout


def test_check_run_fails_where_run_would_so_the_readme_chain_stops_early(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(COMPLETE_FOR_SERVE)
    check_run = run_cli(tmp_path, ["check", "run"])
    assert check_run.returncode == 1
    assert "MISSING  SLACK_APP_TOKEN:" in check_run.stdout
    assert "aigc-bot run (Socket Mode): not ready, needs SLACK_APP_TOKEN" in check_run.stdout
    assert "serve" not in check_run.stdout.splitlines()[-1]
    assert run_cli(tmp_path, ["run"]).returncode == 2  # what `check run` warned of

    check_serve = run_cli(tmp_path, ["check", "serve"])
    assert check_serve.returncode == 0
    assert check_serve.stdout.splitlines()[-1] == "aigc-bot serve (HTTP): ready"


def test_readme_first_command_checks_what_it_then_runs() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    first_command = readme.split("```sh\n", 1)[1].split("\n", 1)[0]
    assert "aigc-bot check run && .venv/bin/aigc-bot run" in first_command


def test_check_help_documents_its_exit_codes(tmp_path: Path) -> None:
    result = run_cli(tmp_path, ["check", "--help"])
    assert "exit codes:" in result.stdout
    assert "SLACK_APP_TOKEN" in result.stdout


def test_a_misspelled_setting_is_named_with_what_it_probably_meant(tmp_path: Path) -> None:
    env_file = COMPLETE_FOR_SERVE + "AIGC_BOT_FOLLW_MODE=off\nSLACK_BOT_TOKNE=xoxb-typo-secret\n"
    (tmp_path / ".env").write_text(env_file)
    check = run_cli(tmp_path, ["check"], AIGC_BOT_WORKSPACE_CAP="5", AIGC_BOT_NOTHING_LIKE_IT="1")
    assert check.returncode == 0  # a warning, not a failure
    assert (
        f"WARNING  AIGC_BOT_FOLLW_MODE (in {tmp_path / '.env'}) is not a setting of aigc-bot and is ignored; "
        "did you mean AIGC_BOT_FOLLOW_MODE?" in check.stdout
    )
    assert (
        "WARNING  AIGC_BOT_WORKSPACE_CAP (in the environment) is not a setting of aigc-bot and is ignored; "
        "did you mean AIGC_BOT_WORKSPACE_DAILY_CAP?" in check.stdout
    )
    assert "did you mean SLACK_BOT_TOKEN?" in check.stdout
    assert "WARNING  AIGC_BOT_NOTHING_LIKE_IT (in the environment) is not a setting of aigc-bot and is ignored\n" in (
        check.stdout
    )
    assert "xoxb-typo-secret" not in check.stdout
    for command in ("run", "serve"):
        # Missing Tencent keys stop both before they connect anywhere; the warning comes first.
        (tmp_path / ".env").write_text("AIGC_BOT_FOLLW_MODE=off\n")
        started = run_cli(tmp_path, [command])
        assert started.returncode == 2
        assert "AIGC_BOT_FOLLW_MODE (in" in started.stderr and "did you mean AIGC_BOT_FOLLOW_MODE?" in started.stderr


def test_every_setting_is_in_env_example_and_the_readme_settings_table() -> None:
    import re

    from bot.config import Settings

    root = Path(__file__).resolve().parents[1]
    example = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.MULTILINE))
    table = (root / "README.md").read_text().split("### Settings\n", 1)[1].strip().split("\n\n", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(r.split(" | ")[0] for r in table.splitlines())))
    names = {name.upper() for name in Settings.model_fields}
    assert names - example == set(), "missing from .env.example"
    assert names - documented == set(), "missing from the README's settings table"
    assert example - names == set() and documented - names == set(), "not a setting"
