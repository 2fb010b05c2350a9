"""The fake Slack's views methods: modals opened, pushed and updated, and Home tabs published."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bot.standins.slack_bodies import maybe_json

if TYPE_CHECKING:
    from bot.standins.slack import FakeSlack

# Slack's limit on the blocks of a Home tab view.
HOME_MAX_BLOCKS = 100


def _elements(value: Any) -> Iterator[dict[str, Any]]:
    """Every block and element in a view, at any depth."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _elements(item)
    elif isinstance(value, list):
        for item in value:
            yield from _elements(item)


def _bad_image(element: dict[str, Any]) -> bool:
    """An image block or element Slack would refuse: it needs an image_url (or slack_file) and alt_text."""
    if element.get("type") != "image":
        return False
    return not (element.get("image_url") or element.get("slack_file")) or not element.get("alt_text")


def _view_object(
    slack: FakeSlack, view_id: str, view: dict[str, Any], previous: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "id": view_id,
        "team_id": slack.team_id,
        "type": view.get("type", "modal"),
        "title": view.get("title"),
        "submit": view.get("submit"),
        "close": view.get("close"),
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": (previous or {}).get("root_view_id", view_id),
        "previous_view_id": None,
        "app_id": slack.app_id,
        "bot_id": slack.bot_id,
    }


def view_open(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("trigger_id"):
        return {"ok": False, "error": "invalid_arguments"}
    view = maybe_json(args.get("view"))
    if not isinstance(view, dict) or "blocks" not in view:
        return {"ok": False, "error": "invalid_arguments"}
    view_id = f"V{uuid.uuid4().hex[:10].upper()}"
    obj = _view_object(slack, view_id, view, None)
    slack.views[view_id] = obj
    return {"ok": True, "view": obj}


def view_update(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    view = maybe_json(args.get("view"))
    view_id = str(args.get("view_id") or "")
    if not view_id and args.get("external_id"):
        view_id = next((k for k, v in slack.views.items() if v["external_id"] == args["external_id"]), "")
        if not view_id:
            return {"ok": False, "error": "not_found"}
    if not view_id or not isinstance(view, dict):
        return {"ok": False, "error": "invalid_arguments"}
    previous = slack.views.get(view_id)
    if previous is not None and args.get("hash") and args["hash"] != previous["hash"]:
        return {"ok": False, "error": "hash_conflict"}
    obj = _view_object(slack, view_id, view, previous)
    slack.views[view_id] = obj
    return {"ok": True, "view": obj}


def view_publish(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = str(args.get("user_id") or "")
    view = maybe_json(args.get("view"))
    if not user:
        return {"ok": False, "error": "invalid_arguments"}
    if not isinstance(view, dict) or view.get("type") != "home" or not isinstance(view.get("blocks"), list):
        return {"ok": False, "error": "invalid_arguments"}
    if len(view["blocks"]) > HOME_MAX_BLOCKS or any(_bad_image(element) for element in _elements(view)):
        return {"ok": False, "error": "invalid_blocks"}
    view_id = f"V{uuid.uuid4().hex[:10].upper()}"
    obj = _view_object(slack, view_id, view, None)
    slack.home_views.setdefault(user, []).append(obj)
    return {"ok": True, "view": obj}
