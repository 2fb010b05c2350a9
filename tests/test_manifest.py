"""manifest.yml is a valid Slack manifest and installs exactly what the code listens to."""

import json
from pathlib import Path

import pytest
import yaml

from bot.config import Settings
from bot.services import build_services
from handlers.app import create_bolt_app

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT.parent / "shared" / "slack-manifest-schema" / "schemas" / "manifest.schema.1.0.0.json"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_manifest_validates_against_slack_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    if not SCHEMA.exists():
        pytest.skip(f"Slack's manifest schema is not beside this clone ({SCHEMA} is missing)")
    schema = json.loads(SCHEMA.read_text())
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    errors = sorted(validator_class(schema).iter_errors(manifest()), key=str)
    assert not errors, [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]
    assert manifest()["_metadata"]["major_version"] == 1


def registered_listeners(tmp_path: Path) -> set[tuple[str, str]]:
    settings = Settings(
        slack_bot_token="xoxb-test",  # type: ignore[arg-type]
        slack_signing_secret="signing",  # type: ignore[arg-type]
        tencentcloud_secret_id="AKIDtest0000",
        tencentcloud_secret_key="key",  # type: ignore[arg-type]
        tencentcloud_vod_sub_app_id=1,
        aigc_bot_db=tmp_path / "log.db",
    )
    _, registry = create_bolt_app(build_services(settings))
    return registry.registered


def test_every_listener_has_its_manifest_entry_and_the_reverse(tmp_path: Path) -> None:
    registered = registered_listeners(tmp_path)
    features = manifest()["features"]
    settings = manifest()["settings"]
    declared = {("command", c["command"]) for c in features["slash_commands"]}
    declared |= {("message_shortcut", s["callback_id"]) for s in features["shortcuts"] if s["type"] == "message"}
    declared |= {("event", e) for e in settings["event_subscriptions"]["bot_events"]}
    in_code = {entry for entry in registered if entry[0] in ("command", "message_shortcut", "event")}
    assert in_code == declared
    # Views and buttons need interactivity; it must be on exactly when the code has such listeners.
    needs_interactivity = any(kind in ("view", "action", "message_shortcut") for kind, _ in registered)
    assert settings["interactivity"]["is_enabled"] is needs_interactivity


def test_scopes_are_the_smallest_set_the_features_need() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    # usergroups:read lets admins allow Slack user groups (AIGC_BOT_ALLOWED_USERGROUPS).
    needed = {"commands", "chat:write", "files:read", "files:write", "usergroups:read"}
    needed |= {"app_mentions:read"} if "app_mention" in events else set()
    needed |= {"im:history"} if "message.im" in events else set()
    assert scopes == needed
    readme = (ROOT / "README.md").read_text()
    for scope in scopes:
        assert f"`{scope}`" in readme, f"README does not justify the {scope} scope"
