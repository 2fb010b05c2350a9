"""Settings read from the environment and `.env`, and the `aigc-bot check` report."""

from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot import wording
from bot.errors import BotError
from bot.pricing import parse_unit_prices
from bot.tencent.vod import DEFAULT_ENDPOINT, OTHER_ENDPOINT

REGION_PATTERN = re.compile(r"^[a-z]{2,}-[a-z]+(-\d+)?$")
CURRENCY_PATTERN = re.compile(r"^[A-Z]{3}$")
# Where the project lives when installed from a checkout (pip install -e .): its .env is the fallback.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_FILE_NAME = ".env"
LOG_SETTING = "AIGC_BOT_DB"

_chosen_env_file: Path | None = None


def use_env_file(path: Path | None) -> None:
    """Read settings from `path` (the command line's --env-file) instead of looking for a .env."""
    global _chosen_env_file
    if path is not None and not path.is_file():
        raise ConfigError(wording.terminal.NO_SUCH_ENV_FILE.format(path=path))
    _chosen_env_file = path


def env_file() -> Path | None:
    """The .env to read: the one chosen with --env-file, else ./.env, else the one beside pyproject.toml."""
    if _chosen_env_file is not None:
        return _chosen_env_file
    here = Path.cwd() / ENV_FILE_NAME
    if here.is_file():
        return here
    beside_project = PROJECT_ROOT / ENV_FILE_NAME
    if (PROJECT_ROOT / "pyproject.toml").is_file() and beside_project.is_file():
        return beside_project
    return None


@dataclass(frozen=True)
class SlackIdKind:
    """What one list setting holds: Slack ids of one kind, comma-separated."""

    pattern: re.Pattern[str]
    what: str
    where: str


_MEMBER_IDS = SlackIdKind(
    re.compile(r"^[UW][A-Z0-9]{2,}$"), wording.terminal.MEMBER_IDS_MEANING, wording.terminal.WHERE_MEMBER_IDS_ARE
)
SLACK_ID_LISTS: dict[str, SlackIdKind] = {
    "AIGC_BOT_ADMINS": _MEMBER_IDS,
    "AIGC_BOT_ALLOWED_USERS": _MEMBER_IDS,
    "AIGC_BOT_ALLOWED_CHANNELS": SlackIdKind(
        re.compile(r"^[CG][A-Z0-9]{2,}$"), wording.terminal.CHANNEL_IDS_MEANING, wording.terminal.WHERE_CHANNEL_IDS_ARE
    ),
    "AIGC_BOT_ALLOWED_USERGROUPS": SlackIdKind(
        re.compile(r"^S[A-Z0-9]{2,}$"), wording.terminal.GROUP_IDS_MEANING, wording.terminal.WHERE_GROUP_IDS_ARE
    ),
}


class Settings(BaseSettings):
    """Every setting of the bot. Names are the environment variable names, case-insensitive."""

    # Empty values count as unset, so a half-filled copy of .env.example reports what is missing.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False, env_ignore_empty=True
    )

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"

    tencentcloud_secret_id: str | None = None
    tencentcloud_secret_key: SecretStr | None = None
    tencentcloud_region: str = "ap-guangzhou"
    tencentcloud_vod_sub_app_id: int | None = Field(default=None, gt=0)
    tencentcloud_vod_endpoint: str = DEFAULT_ENDPOINT
    tencentcloud_cos_endpoint: str | None = None

    # Relative: from the folder of the .env that was read (see anchor_log_path), else from the current folder.
    aigc_bot_db: Path = Path("./aigc-bot.db")

    # Uploaded inputs only need to live as long as the task that reads them.
    aigc_bot_upload_expire_days: int = Field(default=7, ge=0)
    # What is sent to Tencent: every shared image is made to fit these (docs/images.md).
    aigc_bot_max_image_mb: float = Field(default=10.0, gt=0)
    aigc_bot_max_image_side: int = Field(default=4096, ge=64)
    # What is accepted at all: larger files are not downloaded, larger pictures are refused from their header.
    aigc_bot_max_download_mb: float = Field(default=50.0, gt=0)
    aigc_bot_max_megapixels: float = Field(default=100.0, gt=0)
    # Images moving from Slack to VOD at once, across all requests: bounds memory and disk under a burst.
    aigc_bot_max_concurrent_uploads: int = Field(default=8, ge=1)
    # How long to wait for one VOD answer before treating the call as lost.
    aigc_bot_vod_timeout: float = Field(default=30.0, gt=0)
    # On SIGTERM/SIGINT, how long work in progress may take before the rest is left for the next start. At most
    # 20, so that with the 4 s hard limit after it the process is always gone within 25 s.
    aigc_bot_shutdown_seconds: float = Field(default=20.0, gt=0, le=20.0)

    # Following a task after submission: delays grow from first to max, for at most total seconds.
    aigc_bot_follow_first_delay: float = Field(default=3.0, gt=0)
    aigc_bot_follow_max_delay: float = Field(default=30.0, gt=0)
    aigc_bot_follow_timeout: float = Field(default=1800.0, gt=0)
    aigc_bot_follow_mode: Literal["poll", "events", "off"] = "poll"
    # DescribeTaskDetail calls per second, shared by every followed task (and status look-ups) in the process.
    aigc_bot_describe_rate: float = Field(default=10.0, gt=0)
    # Slack calls are paced to Slack's published limits times this factor (docs/slack-limits.md).
    aigc_bot_slack_rate_scale: float = Field(default=1.0, gt=0)
    # How long a Slack call keeps waiting out 429s and retrying 5xx before the bot treats Slack as unavailable.
    aigc_bot_slack_outage_seconds: float = Field(default=300.0, gt=0)
    # How often answers Slack did not take are tried again while the bot runs.
    aigc_bot_reply_sweep_seconds: float = Field(default=30.0, gt=0)

    # Access and cost control: comma-separated Slack ids (see SLACK_ID_LISTS); empty means everyone (no admins).
    aigc_bot_allowed_channels: str = ""
    aigc_bot_allowed_users: str = ""
    aigc_bot_allowed_usergroups: str = ""
    aigc_bot_admins: str = ""
    aigc_bot_user_daily_cap: int = Field(default=0, ge=0)
    aigc_bot_workspace_daily_cap: int = Field(default=0, ge=0)
    # The most requests one catalogue batch (`/aigc batch`) may hold.
    aigc_bot_batch_max_rows: int = Field(default=500, ge=1)

    # Running it as a service: health and metrics, log format, retention, cost estimates.
    aigc_bot_health_port: int | None = Field(default=None, ge=1, le=65535)
    aigc_bot_health_host: str = "0.0.0.0"
    aigc_bot_auth_check_seconds: float = Field(default=300.0, gt=0)
    aigc_bot_log_format: Literal["text", "json"] = "text"
    aigc_bot_retention_days: int = Field(default=0, ge=0)
    aigc_bot_unit_prices: str = ""
    aigc_bot_currency: str = "CNY"

    @field_validator("slack_api_url", "tencentcloud_vod_endpoint")
    @classmethod
    def _must_be_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("tencentcloud_cos_endpoint")
    @classmethod
    def _optional_url(cls, value: str | None) -> str | None:
        return cls._must_be_url(value).rstrip("/") if value else None

    @field_validator(*(name.lower() for name in SLACK_ID_LISTS))
    @classmethod
    def _slack_ids(cls, value: str, info: ValidationInfo) -> str:
        kind = SLACK_ID_LISTS[str(info.field_name).upper()]
        parts = dict.fromkeys(part.strip() for part in value.split(",") if part.strip())
        not_ids = [part for part in parts if not kind.pattern.match(part)]
        if not_ids:
            shown = ", ".join(repr(part) for part in not_ids)
            raise ValueError(f"{shown} {'is' if len(not_ids) == 1 else 'are'} not {kind.what}; {kind.where}")
        return value

    @field_validator("aigc_bot_unit_prices")
    @classmethod
    def _prices_shape(cls, value: str) -> str:
        parse_unit_prices(value)
        return value

    @field_validator("aigc_bot_currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper()
        if not CURRENCY_PATTERN.match(code):
            raise ValueError("must be a three-letter currency code such as CNY or USD")
        return code

    @field_validator("aigc_bot_log_format", mode="before")
    @classmethod
    def _format_any_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("tencentcloud_region")
    @classmethod
    def _region_shape(cls, value: str) -> str:
        if not REGION_PATTERN.match(value):
            raise ValueError("must look like ap-guangzhou")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @staticmethod
    def id_list(raw: str) -> frozenset[str]:
        return frozenset(part.strip() for part in raw.split(",") if part.strip())


class ConfigError(BotError):
    """Settings that cannot be used; the message names each offending variable."""


@dataclass(frozen=True)
class SettingProblem:
    name: str
    kind: Literal["missing", "malformed", "optional"]
    hint: str

    def line(self) -> str:
        label = {"missing": "MISSING ", "malformed": "INVALID ", "optional": "not set "}[self.kind]
        return f"{label} {self.name}: {self.hint}"


HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": wording.terminal.BOT_TOKEN_MEANING,
    "SLACK_SIGNING_SECRET": wording.terminal.SIGNING_SECRET_MEANING,
    "SLACK_APP_TOKEN": wording.terminal.APP_TOKEN_MEANING,
    "SLACK_API_URL": "an http(s) URL, default https://slack.com/api/",
    "TENCENTCLOUD_SECRET_ID": wording.terminal.SECRET_ID_MEANING,
    "TENCENTCLOUD_SECRET_KEY": wording.terminal.SECRET_KEY_MEANING,
    "TENCENTCLOUD_REGION": wording.terminal.REGION_MEANING,
    "TENCENTCLOUD_VOD_SUB_APP_ID": wording.terminal.SUB_APP_ID_MEANING,
    "TENCENTCLOUD_VOD_ENDPOINT": wording.terminal.ENDPOINT_MEANING.format(
        default_endpoint=DEFAULT_ENDPOINT, other_endpoint=OTHER_ENDPOINT
    ),
    "TENCENTCLOUD_COS_ENDPOINT": wording.terminal.COS_DOMAIN_MEANING,
    "AIGC_BOT_DB": wording.terminal.DB_MEANING,
    "AIGC_BOT_HEALTH_PORT": wording.terminal.HEALTH_PORT_MEANING,
    "AIGC_BOT_AUTH_CHECK_SECONDS": wording.terminal.AUTH_CHECK_SECONDS_MEANING,
    "AIGC_BOT_LOG_FORMAT": wording.terminal.LOG_FORMAT_MEANING,
    "AIGC_BOT_RETENTION_DAYS": wording.terminal.RETENTION_DAYS_MEANING,
    "AIGC_BOT_UNIT_PRICES": wording.terminal.UNIT_PRICES_FORMAT,
    "AIGC_BOT_CURRENCY": wording.terminal.CURRENCY_MEANING,
}

REQUIRED_FOR_TENCENT = ("TENCENTCLOUD_SECRET_ID", "TENCENTCLOUD_SECRET_KEY", "TENCENTCLOUD_VOD_SUB_APP_ID")
REQUIRED_FOR_BOT = ("SLACK_BOT_TOKEN", *REQUIRED_FOR_TENCENT)


@dataclass(frozen=True)
class WayOfRunning:
    """A command that runs the bot, and the settings it cannot start without."""

    command: str
    transport: str
    required: tuple[str, ...]


WAYS_OF_RUNNING = {
    "run": WayOfRunning("run", "Socket Mode", (*REQUIRED_FOR_BOT, "SLACK_APP_TOKEN")),
    "serve": WayOfRunning("serve", "HTTP", (*REQUIRED_FOR_BOT, "SLACK_SIGNING_SECRET")),
}
# Settings only some ways of running read: a problem with one stops only the ways that need it.
_NEEDED_BY_SOME = frozenset(n for way in WAYS_OF_RUNNING.values() for n in way.required) - set(REQUIRED_FOR_BOT)


def blockers(problems: list[SettingProblem], way: WayOfRunning) -> list[str]:
    """The names among `problems` that keep `way` from starting, in the order reported."""
    names = [
        p.name
        for p in problems
        if (p.kind != "optional" or p.name in way.required)
        and (p.name not in _NEEDED_BY_SOME or p.name in way.required)
    ]
    return list(dict.fromkeys(names))


def _shape_problems(settings: Settings) -> list[SettingProblem]:
    problems: list[SettingProblem] = []
    bot_token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else ""
    app_token = settings.slack_app_token.get_secret_value() if settings.slack_app_token else ""
    secret_id = settings.tencentcloud_secret_id or ""
    if bot_token and not bot_token.startswith("xoxb-"):
        problems.append(SettingProblem("SLACK_BOT_TOKEN", "malformed", wording.terminal.NOT_A_BOT_TOKEN))
    if app_token and not app_token.startswith("xapp-"):
        problems.append(SettingProblem("SLACK_APP_TOKEN", "malformed", wording.terminal.NOT_AN_APP_TOKEN))
    if secret_id and (len(secret_id) < 8 or re.search(r"\s", secret_id)):
        problems.append(SettingProblem("TENCENTCLOUD_SECRET_ID", "malformed", wording.terminal.SECRET_ID_TOO_SHORT))
    return problems


def _present(settings: Settings, name: str) -> bool:
    value: Any = getattr(settings, name.lower())
    if isinstance(value, SecretStr):
        return bool(value.get_secret_value())
    return value not in (None, "")


def _set_in_environment(name: str) -> bool:
    return any(key.upper() == name and value.strip() for key, value in os.environ.items())


def anchor_log_path(settings: Settings, dotenv: Path | None) -> Settings:
    """The settings with AIGC_BOT_DB as a full path: a relative one counts from the folder of the .env that was
    read, so every command finds the same log from any folder; one set in the environment counts from here."""
    path = settings.aigc_bot_db.expanduser()
    if not path.is_absolute():
        beside_env = dotenv is not None and not _set_in_environment(LOG_SETTING)
        path = (dotenv.resolve().parent if dotenv is not None and beside_env else Path.cwd()) / path
    return settings.model_copy(update={"aigc_bot_db": Path(os.path.abspath(path))})


def _read(dotenv: Path | None, **values: Any) -> Settings:
    return anchor_log_path(Settings(_env_file=dotenv, **values), dotenv)


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning pydantic's errors into one readable ConfigError."""
    dotenv = overrides.pop("_env_file") if "_env_file" in overrides else env_file()
    try:
        return _read(dotenv, **overrides)
    except ValidationError as error:
        raise ConfigError("\n".join(p.line() for p in _validation_problems(error))) from None


def _validation_problems(error: ValidationError) -> list[SettingProblem]:
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        name = str(item["loc"][0]).upper() if item["loc"] else "SETTINGS"
        hint = HINTS.get(name, "")
        message = str(item["msg"]).removeprefix("Value error, ")
        problems.append(SettingProblem(name, "malformed", f"{message}; expected {hint}" if hint else message))
    return problems


def check_report(required: tuple[str, ...] = REQUIRED_FOR_BOT) -> tuple[list[SettingProblem], Settings | None]:
    """Every missing or malformed setting by name, and the settings when they load at all."""
    malformed: list[SettingProblem] = []
    dotenv = env_file()
    try:
        settings = _read(dotenv)
    except ValidationError as error:
        # Report the malformed ones, then look at everything else as if those were unset.
        malformed = _validation_problems(error)
        bad = {p.name.lower() for p in malformed if p.name.lower() in Settings.model_fields}
        try:
            settings = _read(dotenv, **{name: Settings.model_fields[name].default for name in bad})
        except ValidationError:
            return malformed, None
    problems = malformed + [
        SettingProblem(n, "missing", HINTS[n])
        for n in required
        if not _present(settings, n) and n not in {p.name for p in malformed}
    ]
    problems += _shape_problems(settings)
    problems += [
        SettingProblem(name, "optional", HINTS[name])
        for name in sorted(_NEEDED_BY_SOME, reverse=True)
        if not _present(settings, name) and name not in required and name not in {p.name for p in malformed}
    ]
    return problems, settings


def files_report(settings: Settings | None) -> list[str]:
    """Which .env was read, and where the request log is, by full path."""
    dotenv = env_file()
    if dotenv is not None:
        lines = [wording.terminal.SETTINGS_READ_FROM.format(dotenv=dotenv.resolve())]
    else:
        lines = [wording.terminal.NO_ENV_READ.format(path=Path.cwd(), project_root=PROJECT_ROOT)]
    if settings is not None:
        log_path = settings.aigc_bot_db
        state = "exists" if log_path.exists() else wording.terminal.CREATED_AT_FIRST_START
        lines.append(f"Request log ({LOG_SETTING}): {log_path} ({state}).")
    return lines


def require(settings: Settings, names: tuple[str, ...]) -> None:
    """Raise ConfigError naming every setting in `names` that is absent or malformed."""
    problems = [SettingProblem(n, "missing", HINTS[n]) for n in names if not _present(settings, n)]
    problems += [p for p in _shape_problems(settings) if p.name in names]
    if problems:
        raise ConfigError("\n".join(p.line() for p in problems))


def secret_values(settings: Settings) -> list[str]:
    """Every secret the process knows, so logging can mask them."""
    values = [
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
        settings.tencentcloud_secret_key,
    ]
    return [v.get_secret_value() for v in values if v is not None and v.get_secret_value()]


# Names with these prefixes are meant for the bot; one it does not know is most likely a misspelling.
SETTING_PREFIXES = ("AIGC_BOT_", "TENCENTCLOUD_", "SLACK_")


def _likely_meant(name: str, known: list[str]) -> str | None:
    # Compare what follows the shared prefix, or every AIGC_BOT_ name would look close to every other.
    prefix = next(p for p in SETTING_PREFIXES if name.startswith(p))
    tails = {k[len(prefix) :]: k for k in known if k.startswith(prefix)}
    close = difflib.get_close_matches(name[len(prefix) :], list(tails), n=1, cutoff=0.6)
    return tails[close[0]] if close else None


def unknown_settings() -> list[str]:
    """One warning per AIGC_BOT_*, TENCENTCLOUD_* or SLACK_* name in the environment or .env that no setting
    reads, naming the setting it probably meant. Only names are said: a value may be a secret."""
    known = sorted(name.upper() for name in Settings.model_fields)
    found: dict[str, str] = {}
    dotenv = env_file()
    if dotenv is not None:
        found.update((name.upper(), str(dotenv)) for name in dotenv_values(dotenv))
    found.update((name.upper(), "the environment") for name in os.environ)
    warnings = []
    for name, where in sorted(found.items()):
        if not name.startswith(SETTING_PREFIXES) or name in known:
            continue
        meant = _likely_meant(name, known)
        guess = wording.terminal.DID_MEAN.format(meant=meant) if meant else ""
        warnings.append(wording.terminal.UNKNOWN_SETTING_WARNING.format(name=name, where=where, guess=guess))
    return warnings
