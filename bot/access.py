"""Who may spend money through the bot, where, and how much per day."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.config import Settings
from bot.flow import Guard
from bot.request import Origin
from bot.slack.command_text import Generate
from bot.slack.conversation import slack_error_code
from bot.store.counts import daily_count
from bot.store.db import RequestLog, utc_now

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 300.0


@dataclass
class AccessPolicy:
    allowed_channels: frozenset[str] = frozenset()
    allowed_users: frozenset[str] = frozenset()
    allowed_usergroups: frozenset[str] = frozenset()
    admins: frozenset[str] = frozenset()
    user_daily_cap: int = 0
    workspace_daily_cap: int = 0
    _group_members: dict[str, tuple[float, frozenset[str]]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> AccessPolicy:
        ids = Settings.id_list
        return cls(
            allowed_channels=ids(settings.aigc_bot_allowed_channels),
            allowed_users=ids(settings.aigc_bot_allowed_users),
            allowed_usergroups=ids(settings.aigc_bot_allowed_usergroups),
            admins=ids(settings.aigc_bot_admins),
            user_daily_cap=settings.aigc_bot_user_daily_cap,
            workspace_daily_cap=settings.aigc_bot_workspace_daily_cap,
        )

    def who_to_ask(self) -> str:
        if self.admins:
            admins = ", ".join(f"<@{a}>" for a in sorted(self.admins))
            return wording.slack.ASK_ADMINS_FOR_ACCESS.format(admins=admins)
        return wording.slack.ASK_INSTALLER_FOR_ACCESS

    async def _in_allowed_group(self, slack: AsyncWebClient, user_id: str) -> bool:
        for group in self.allowed_usergroups:
            cached = self._group_members.get(group)
            if cached is None or time.monotonic() - cached[0] > GROUP_CACHE_SECONDS:
                try:
                    answer = await slack.usergroups_users_list(usergroup=group)
                    members = frozenset(answer.get("users") or [])
                except SlackApiError as error:
                    log.warning("usergroups.users.list %s failed: %s", group, slack_error_code(error))
                    members = cached[1] if cached else frozenset()
                self._group_members[group] = (time.monotonic(), members)
                cached = self._group_members[group]
            if user_id in cached[1]:
                return True
        return False

    async def may_use(self, slack: AsyncWebClient, origin: Origin) -> str | None:
        """None when allowed; otherwise the polite reason shown to the person."""
        if origin.user_id in self.admins:
            return None
        in_dm = origin.channel_id.startswith("D")
        if self.allowed_channels and origin.channel_id not in self.allowed_channels and not in_dm:
            channels = ", ".join(f"<#{c}>" for c in sorted(self.allowed_channels))
            return wording.slack.NOT_AN_ALLOWED_CHANNEL.format(channels=channels, who_to_ask=self.who_to_ask())
        if self.allowed_users or self.allowed_usergroups:
            allowed = origin.user_id in self.allowed_users or await self._in_allowed_group(slack, origin.user_id)
            if not allowed:
                return wording.slack.NOT_AN_ALLOWED_USER.format(who_to_ask=self.who_to_ask())
        return None

    def within_caps(self, log_db: RequestLog, origin: Origin) -> str | None:
        user_left, workspace_left = left_today(
            self, log_db, origin.team_id, origin.user_id, logged_before=origin.dedupe_key
        )
        if user_left == 0:
            return wording.slack.USER_DAILY_CAP_REACHED.format(
                user_daily_cap=self.user_daily_cap, who_to_ask=self.who_to_ask()
            )
        if workspace_left == 0:
            return wording.slack.WORKSPACE_DAILY_CAP_REACHED.format(
                workspace_daily_cap=self.workspace_daily_cap, who_to_ask=self.who_to_ask()
            )
        return None


def left_today(
    policy: AccessPolicy, log_db: RequestLog, team_id: str, user_id: str, *, logged_before: str | None = None
) -> tuple[int | None, int | None]:
    """How many more requests today's caps allow the person and the workspace; None where no cap is set.

    :param logged_before: the dedupe_key of a request being checked: only requests logged before it count.
    """
    today = utc_now().strftime("%Y-%m-%d")
    user_left = workspace_left = None
    if policy.user_daily_cap:
        used = daily_count(log_db, team_id=team_id, user_id=user_id, day=today, logged_before=logged_before)
        user_left = max(0, policy.user_daily_cap - used)
    if policy.workspace_daily_cap:
        used = daily_count(log_db, team_id=team_id, day=today, logged_before=logged_before)
        workspace_left = max(0, policy.workspace_daily_cap - used)
    return user_left, workspace_left


def guard_for(policy: AccessPolicy, log_db: RequestLog, slack: AsyncWebClient | None = None) -> Guard:
    """The checks before a request is billed. Without `slack` (the command line) only the daily caps apply:
    channel and people lists name Slack ids, which an OS user has none of; the daily caps still count every
    request, and the person's cap counts the requests of their OS user name."""

    async def guard(origin: Origin, command: Generate) -> str | None:
        refusal = await policy.may_use(slack, origin) if slack is not None else None
        return refusal or policy.within_caps(log_db, origin)

    return guard
