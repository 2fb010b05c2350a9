"""The fake Slack's directory methods: who the bot is, and what it can look up of channels, users and groups."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.standins.slack import FakeSlack


def auth_test(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "ok": True,
        "url": f"https://{slack.team_domain}.slack.com/",
        "team": "Acme",
        "user": "aigc",
        "team_id": slack.team_id,
        "user_id": slack.bot_user_id,
        "bot_id": slack.bot_id,
        "is_enterprise_install": False,
    }


def conversation_info(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    channel = str(args.get("channel") or "")
    if not channel:
        return {"ok": False, "error": "channel_not_found"}
    known = slack.channels.get(channel, {})
    is_im = channel.startswith("D")
    obj = {
        "id": channel,
        "name": "" if is_im else f"channel-{channel.lower()}",
        "is_channel": not is_im and not channel.startswith("G"),
        "is_group": channel.startswith("G"),
        "is_im": is_im,
        "is_private": not channel.startswith("C"),
        "is_archived": False,
        "is_member": True,
        "context_team_id": slack.team_id,
        **known,
    }
    return {"ok": True, "channel": obj}


def user_info(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    user = str(args.get("user") or "")
    if not user:
        return {"ok": False, "error": "user_not_found"}
    known = slack.users.get(user, {})
    obj = {
        "id": user,
        "team_id": slack.team_id,
        "name": user.lower(),
        "real_name": f"User {user}",
        "deleted": False,
        "is_admin": False,
        "is_owner": False,
        "is_bot": user == slack.bot_user_id,
        "tz": "UTC",
        "tz_offset": 0,
        "profile": {"display_name": user.lower(), "real_name": f"User {user}"},
        **known,
    }
    return {"ok": True, "user": obj}


def usergroup_users(slack: FakeSlack, args: dict[str, Any]) -> dict[str, Any]:
    group = str(args.get("usergroup") or "")
    if group not in slack.usergroups:
        return {"ok": False, "error": "no_such_subteam"}
    return {"ok": True, "users": list(slack.usergroups[group])}
