"""The fake Slack's chat methods: postMessage, postEphemeral, update and getPermalink, over its messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.standins.slack_bodies import maybe_json

if TYPE_CHECKING:
    from bot.standins.slack import FakeSlack


def _next_ts(slack: FakeSlack) -> str:
    slack.last_ts += 100
    return f"{slack.last_ts // 1_000_000}.{slack.last_ts % 1_000_000:06d}"


def _message(slack: FakeSlack, args: dict[str, Any], ts: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "message",
        "user": slack.bot_user_id,
        "bot_id": slack.bot_id,
        "app_id": slack.app_id,
        "team": slack.team_id,
        "text": str(args.get("text") or ""),
        "ts": ts,
    }
    for key in ("blocks", "attachments", "metadata"):
        if args.get(key):
            message[key] = maybe_json(args[key])
    if args.get("thread_ts"):
        message["thread_ts"] = str(args["thread_ts"])
    return message


def _unnamed(channel: str, ts: str) -> dict[str, Any] | None:
    """Slack's answer to a call on a message that names no channel or no message; None when both are named."""
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not ts:
        return {"ok": False, "error": "message_not_found"}
    return None


def _has_content(args: dict[str, Any]) -> bool:
    return any(args.get(key) for key in ("text", "blocks", "attachments"))


def post_message(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    if not _has_content(args):
        return {"ok": False, "error": "no_text"}
    ts = _next_ts(slack)
    message = _message(slack, args, ts)
    slack.messages.append({"channel": channel, **message})
    return {"ok": True, "channel": channel, "ts": ts, "message": message}


def post_ephemeral(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    if not args.get("channel"):
        return {"ok": False, "error": "channel_not_found"}
    if not args.get("user"):
        return {"ok": False, "error": "user_not_in_channel"}
    if not _has_content(args):
        return {"ok": False, "error": "no_text"}
    return {"ok": True, "message_ts": _next_ts(slack)}


def update(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("ts") or "")
    if missing := _unnamed(channel, ts):
        return missing
    message = _message(slack, args, ts)
    for index, posted in enumerate(slack.messages):
        if posted["channel"] == channel and posted["ts"] == ts:
            slack.messages[index] = {"channel": channel, **message}
    return {"ok": True, "channel": channel, "ts": ts, "text": message["text"], "message": message}


def permalink(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel, ts = str(args.get("channel") or ""), str(args.get("message_ts") or "")
    if missing := _unnamed(channel, ts):
        return missing
    link = f"https://{slack.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return {"ok": True, "channel": channel, "permalink": link}
