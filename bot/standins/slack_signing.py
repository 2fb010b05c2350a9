"""What Slack sends to an app: v0 request signatures and realistic request bodies.

Bodies come in the shapes Slack posts to a Request URL: slash commands and interactivity payloads are
form-encoded (interactivity as a single `payload` field holding JSON), Events API callbacks are JSON.
The `*_payload` / `*_event` helpers return dicts so a test can tweak them before encoding with
interactive_body() or event_callback_body().
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

DEFAULT_TEAM = "T0001"
DEFAULT_DOMAIN = "acme"
DEFAULT_APP = "A0001"
DEFAULT_BOT_USER = "UBOT"
VERIFICATION_TOKEN = "legacy-verification-token"

_sequence = itertools.count(1)


def signed_headers(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """X-Slack-Request-Timestamp and X-Slack-Signature (v0=HMAC-SHA256 of "v0:{ts}:{body}")."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def new_trigger_id() -> str:
    return f"{int(time.time())}{next(_sequence):04d}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"


def new_ts() -> str:
    """A message timestamp in Slack's "seconds.micro" form, unique within this process."""
    return f"{int(time.time())}.{next(_sequence) % 1_000_000:06d}"


def _team(team_id: str, team_domain: str) -> dict[str, str]:
    return {"id": team_id, "domain": team_domain}


def _user(user_id: str, user_name: str, team_id: str) -> dict[str, str]:
    return {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id}


# -- slash commands ----------------------------------------------------------------------------------


def slash_command_fields(
    text: str = "",
    *,
    command: str = "/aigc",
    team_id: str = DEFAULT_TEAM,
    team_domain: str = DEFAULT_DOMAIN,
    channel_id: str = "C100",
    channel_name: str = "general",
    user_id: str = "U100",
    user_name: str = "mia",
    api_app_id: str = DEFAULT_APP,
    response_url: str = "",
    trigger_id: str | None = None,
) -> dict[str, str]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": team_domain,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name,
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }


def slash_command_body(text: str = "", **fields: Any) -> bytes:
    """A form-encoded slash command; keyword arguments as for slash_command_fields()."""
    return urlencode(slash_command_fields(text, **fields)).encode()


# -- interactivity -----------------------------------------------------------------------------------


def interactive_body(payload: dict[str, Any]) -> bytes:
    """An interactivity request body: one form field `payload` holding the JSON payload."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def message_action_payload(
    *,
    callback_id: str,
    message: dict[str, Any],
    channel_id: str = "C100",
    channel_name: str = "general",
    user_id: str = "U100",
    user_name: str = "mia",
    team_id: str = DEFAULT_TEAM,
    team_domain: str = DEFAULT_DOMAIN,
    response_url: str = "",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A message shortcut; `message` is the message it was used on (see channel_message())."""
    return {
        "type": "message_action",
        "token": VERIFICATION_TOKEN,
        "action_ts": new_ts(),
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "channel": {"id": channel_id, "name": channel_name},
        "is_enterprise_install": False,
        "enterprise": None,
        "callback_id": callback_id,
        "trigger_id": trigger_id or new_trigger_id(),
        "response_url": response_url,
        "message_ts": message["ts"],
        "message": message,
    }


def channel_message(
    text: str = "",
    *,
    user: str = "U300",
    ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    team_id: str = DEFAULT_TEAM,
) -> dict[str, Any]:
    """A channel message as it appears inside payloads; with files it is a file_share message."""
    stamp = ts or new_ts()
    obj: dict[str, Any] = {"type": "message", "user": user, "text": text, "ts": stamp, "team": team_id}
    if files:
        obj.update(subtype="file_share", files=files, upload=False, display_as_bot=False)
    if thread_ts:
        obj["thread_ts"] = thread_ts
    return obj


def view_submission_payload(
    *,
    callback_id: str,
    values: dict[str, dict[str, Any]],
    private_metadata: str = "",
    view_id: str | None = None,
    view_hash: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    user_id: str = "U100",
    user_name: str = "mia",
    team_id: str = DEFAULT_TEAM,
    team_domain: str = DEFAULT_DOMAIN,
    api_app_id: str = DEFAULT_APP,
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """A modal submission; `values` is view.state.values: {block_id: {action_id: element state}}."""
    identifier = view_id or f"V{secrets.token_hex(5).upper()}"
    return {
        "type": "view_submission",
        "team": _team(team_id, team_domain),
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": identifier,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": values},
            "hash": view_hash or f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": "AIGC", "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": {"type": "plain_text", "text": "Cancel", "emoji": True},
            "submit": {"type": "plain_text", "text": "Generate", "emoji": True},
            "previous_view_id": None,
            "root_view_id": identifier,
            "app_id": api_app_id,
            "external_id": "",
            "app_installed_team_id": team_id,
            "bot_id": "B0001",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def button_action(action_id: str, value: str, *, block_id: str = "actions", text: str = "Go") -> dict[str, Any]:
    return {
        "action_id": action_id,
        "block_id": block_id,
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "value": value,
        "type": "button",
        "action_ts": new_ts(),
    }


def static_select_action(action_id: str, value: str, *, block_id: str = "actions", label: str = "") -> dict[str, Any]:
    option = {"text": {"type": "plain_text", "text": label or value, "emoji": True}, "value": value}
    return {
        "action_id": action_id,
        "block_id": block_id,
        "type": "static_select",
        "selected_option": option,
        "action_ts": new_ts(),
    }


def block_actions_payload(
    *,
    actions: list[dict[str, Any]],
    message: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    channel_id: str = "C100",
    channel_name: str = "general",
    user_id: str = "U100",
    user_name: str = "mia",
    team_id: str = DEFAULT_TEAM,
    team_domain: str = DEFAULT_DOMAIN,
    api_app_id: str = DEFAULT_APP,
    response_url: str = "",
    trigger_id: str | None = None,
) -> dict[str, Any]:
    """Interactive elements used in a message (pass `message`) or in a modal (pass `view`)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, user_name, team_id),
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id, team_domain),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": actions,
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
    else:
        source = message or channel_message()
        payload["container"] = {
            "type": "message",
            "message_ts": source["ts"],
            "channel_id": channel_id,
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id, "name": channel_name}
        payload["message"] = source
        payload["state"] = {"values": {}}
        payload["response_url"] = response_url
    return payload


# -- Events API ----------------------------------------------------------------------------------------


def app_mention_event(
    text: str,
    *,
    user: str = "U100",
    channel: str = "C100",
    ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    team_id: str = DEFAULT_TEAM,
    bot_user_id: str = DEFAULT_BOT_USER,
) -> dict[str, Any]:
    """An app_mention; `text` should contain <@bot_user_id> as Slack renders the mention."""
    stamp = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "user": user,
        "text": text if f"<@{bot_user_id}>" in text else f"<@{bot_user_id}> {text}".rstrip(),
        "ts": stamp,
        "team": team_id,
        "channel": channel,
        "event_ts": stamp,
        "client_msg_id": secrets.token_hex(16),
    }
    if files:
        event["files"] = files
        event["upload"] = False
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def im_message_event(
    text: str,
    *,
    user: str = "U100",
    channel: str = "D100",
    ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
    team_id: str = DEFAULT_TEAM,
) -> dict[str, Any]:
    """A direct message to the bot (message.im); with files it is a file_share message."""
    stamp = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "channel_type": "im",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": stamp,
        "event_ts": stamp,
        "team": team_id,
        "client_msg_id": secrets.token_hex(16),
    }
    if files:
        event.update(subtype="file_share", files=files, upload=False, display_as_bot=False)
    return event


def event_callback(
    event: dict[str, Any],
    *,
    event_id: str | None = None,
    event_time: int | None = None,
    team_id: str = DEFAULT_TEAM,
    api_app_id: str = DEFAULT_APP,
    bot_user_id: str = DEFAULT_BOT_USER,
) -> dict[str, Any]:
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": event_time or int(time.time()),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_urlsafe(24)}",
    }


def event_callback_body(event: dict[str, Any], **envelope: Any) -> bytes:
    """An Events API request body (JSON); keyword arguments as for event_callback()."""
    return json.dumps(event_callback(event, **envelope)).encode()


def url_verification_body(challenge: str) -> bytes:
    return json.dumps({"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}).encode()


__all__ = [
    "app_mention_event",
    "block_actions_payload",
    "button_action",
    "channel_message",
    "event_callback",
    "event_callback_body",
    "im_message_event",
    "interactive_body",
    "message_action_payload",
    "new_trigger_id",
    "new_ts",
    "signed_headers",
    "slash_command_body",
    "slash_command_fields",
    "static_select_action",
    "url_verification_body",
    "view_submission_payload",
]
