import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot import config
from bot.config import ConfigError, files_report, load_settings, use_env_file
from handlers.cli import main

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
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "TENCENTCLOUD_VOD_SUB_APP_ID",
    ]:
        assert f"MISSING  {name}:" in result.stdout
    assert "not set  SLACK_SIGNING_SECRET:" in result.stdout  # needed by serve only
    assert "4 setting(s) must be fixed" in result.stdout


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
    # The domain the CreateSceneAigcImageTask page names.
    assert settings.tencentcloud_vod_endpoint == "https://vod.intl.tencentcloudapi.com"
    assert settings.aigc_bot_db == tmp_path / "aigc-bot.db"
    monkeypatch.setenv("TENCENTCLOUD_REGION", "Guangzhou")
    with pytest.raises(ConfigError, match="TENCENTCLOUD_REGION"):
        load_settings()


def test_a_fresh_copy_of_env_example_lists_what_to_fill_in(tmp_path: Path) -> None:
    example = (Path(__file__).resolve().parents[1] / ".env.example").read_text()
    result = run_check(tmp_path, example)
    assert result.returncode == 1
    assert "INVALID" not in result.stdout  # empty values are unset, not malformed
    assert result.stdout.count("MISSING ") == 4 and result.stdout.count("not set ") == 2


def test_a_malformed_value_does_not_hide_missing_ones(tmp_path: Path) -> None:
    result = run_check(tmp_path, "TENCENTCLOUD_VOD_SUB_APP_ID=abc\nSLACK_BOT_TOKEN=xoxb-1-2\n")
    assert "INVALID  TENCENTCLOUD_VOD_SUB_APP_ID:" in result.stdout
    for name in ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY"):
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


def test_every_setting_is_in_env_example_and_the_settings_table() -> None:
    import re

    from bot.config import Settings

    root = Path(__file__).resolve().parents[1]
    example = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (root / ".env.example").read_text(), re.MULTILINE))
    table = (root / "docs" / "settings.md").read_text().split("| Variable |", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", "\n".join(r.split(" | ")[0] for r in table.splitlines())))
    names = {name.upper() for name in Settings.model_fields}
    assert names - example == set(), "missing from .env.example"
    assert names - documented == set(), "missing from the settings table in docs/settings.md"
    assert example - names == set() and documented - names == set(), "not a setting"


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A folder with no .env, no project .env to fall back on, and none of the bot's settings in the environment."""
    import os

    for name in os.environ:
        if name.startswith(("TENCENTCLOUD_", "SLACK_", "AIGC_BOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "no-project")
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    use_env_file(None)


@pytest.mark.parametrize(
    ("name", "value", "refused"),
    [
        ("AIGC_BOT_ADMINS", "@mia, bob", "'@mia', 'bob' are not Slack member ids (U... or W...)"),
        ("AIGC_BOT_ALLOWED_USERS", "U012AB3CD, mia", "'mia' is not Slack member ids"),
        ("AIGC_BOT_ALLOWED_CHANNELS", "C100, #general", "'#general' is not Slack channel ids (C... or G...)"),
        ("AIGC_BOT_ALLOWED_USERGROUPS", "U100", "'U100' is not Slack user group ids (S...)"),
    ],
)
def test_access_lists_take_slack_ids_only(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, refused: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=f"INVALID  {name}: ") as error:
        load_settings()
    assert refused in str(error.value)


def test_access_lists_accept_ids_and_an_empty_value_means_the_default(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIGC_BOT_ADMINS", "U012AB3CD, W0123ABCD")
    monkeypatch.setenv("AIGC_BOT_ALLOWED_CHANNELS", "C100,G200")
    monkeypatch.setenv("AIGC_BOT_ALLOWED_USERGROUPS", "S900")
    monkeypatch.setenv("AIGC_BOT_ALLOWED_USERS", "")
    settings = load_settings()
    assert settings.id_list(settings.aigc_bot_admins) == {"U012AB3CD", "W0123ABCD"}
    assert settings.id_list(settings.aigc_bot_allowed_channels) == {"C100", "G200"}
    assert settings.aigc_bot_allowed_users == ""  # empty: everyone may use the bot


def check(folder: Path, env_file: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """`aigc-bot check` run in this process, with `env_file` as the .env of `folder`."""
    (folder / ".env").write_text(env_file)
    code = main(["check", *args])
    return code, capsys.readouterr().out


def test_check_refuses_names_in_the_admin_list_with_a_sentence(
    bare_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = check(bare_env, COMPLETE_FOR_SERVE + "AIGC_BOT_ADMINS=@mia, bob\n", capsys)
    assert code == 1
    assert (
        "INVALID  AIGC_BOT_ADMINS: '@mia', 'bob' are not Slack member ids (U... or W...); a member id is under "
        "⋮ (More) → Copy member ID in the person's Slack profile\n" in out
    )


def test_the_signing_secret_is_needed_by_serve_only(bare_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    socket_mode_only = COMPLETE_FOR_SERVE.replace("SLACK_SIGNING_SECRET=", "#") + "SLACK_APP_TOKEN=xapp-1\n"
    code, out = check(bare_env, socket_mode_only, capsys)
    assert code == 0, out
    assert "not set  SLACK_SIGNING_SECRET: " in out and "needed only by `aigc-bot serve`" in out
    assert "aigc-bot run (Socket Mode): ready\n" in out
    assert "aigc-bot serve (HTTP): not ready, needs SLACK_SIGNING_SECRET\n" in out
    assert check(bare_env, socket_mode_only, capsys, "serve")[0] == 1

    code, out = check(bare_env, COMPLETE_FOR_SERVE.replace("SLACK_SIGNING_SECRET=", "#"), capsys)
    assert code == 1, "nothing is wrong, but neither way of running can start"


def test_a_relative_log_path_counts_from_the_folder_of_its_env_file(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = bare_env / "project"
    elsewhere = bare_env / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    (project / ".env").write_text("AIGC_BOT_DB=data/log.db\n")
    monkeypatch.chdir(elsewhere)
    use_env_file(project / ".env")
    assert load_settings().aigc_bot_db == project / "data" / "log.db"

    (project / ".env").write_text("SLACK_BOT_TOKEN=xoxb-1\n")
    assert load_settings().aigc_bot_db == project / "aigc-bot.db", "the default lives beside the .env too"

    monkeypatch.setenv("AIGC_BOT_DB", "from-env.db")
    assert load_settings().aigc_bot_db == elsewhere / "from-env.db", "set in the environment: from here"


def test_check_names_the_env_file_and_the_log_by_full_path(bare_env: Path) -> None:
    assert files_report(load_settings()) == [
        f"No .env read (none in {bare_env} or beside the project in {bare_env / 'no-project'}); "
        "settings come from the environment only.",
        f"Request log (AIGC_BOT_DB): {bare_env / 'aigc-bot.db'} (is created at the first start).",
    ]
    (bare_env / ".env").write_text("AIGC_BOT_DB=log.db\n")
    (bare_env / "log.db").write_bytes(b"")
    assert files_report(load_settings()) == [
        f"Settings read from {bare_env / '.env'} and the environment.",
        f"Request log (AIGC_BOT_DB): {bare_env / 'log.db'} (exists).",
    ]
