"""The App Home: gathered from the log, published with views.publish when a person opens it, and published
again when one of their requests changes state.

Refreshes come from watching the log rather than from callbacks in the pipeline and the follower: every
state change is a write to the shared SQLite log, so one watcher sees the changes of every process that
shares the database (another process may follow the task), and the code that writes statuses stays as it is.
Only people who opened their Home since this process started are watched, one indexed query each per tick.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.access import AccessPolicy
from bot.config import Settings
from bot.pricing import parse_unit_prices
from bot.slack.conversation import slack_error_code
from bot.slack.home import SHOWN_PER_LIST, AdminUsage, DailyCount, HomeContent, home_view
from bot.slack.pacing import Priority, marked
from bot.store import home_queries
from bot.store.db import CAPPED_STATUSES, RequestLog, utc_now

log = logging.getLogger(__name__)

# At most one publish per person in this many seconds; a change inside the window is shown when it ends.
THROTTLE_SECONDS = 10.0
WATCH_INTERVAL_SECONDS = 1.0
# A person who has not opened their Home for this long is no longer watched.
WATCH_HOURS = 12

Person = tuple[str, str]  # (team_id, user_id)


@dataclass
class Throttle:
    """Per person: whether a publish may go now, given when the last one went."""

    seconds: float = THROTTLE_SECONDS
    clock: Callable[[], float] = time.monotonic
    _last: dict[Person, float] = field(default_factory=dict)

    def ready(self, person: Person) -> bool:
        last = self._last.get(person)
        return last is None or self.clock() - last >= self.seconds

    def sent(self, person: Person) -> None:
        self._last[person] = self.clock()


@dataclass
class _Watched:
    opened_at: float
    states: tuple[tuple[int, str], ...]
    # A change seen but not yet published, waiting for the throttle window to end.
    stale: bool = False


@dataclass(kw_only=True)
class HomePublisher:
    slack: AsyncWebClient
    log_db: RequestLog
    policy: AccessPolicy
    prices: dict[str, Decimal]
    currency: str
    throttle: Throttle = field(default_factory=Throttle)
    _watched: dict[Person, _Watched] = field(default_factory=dict, init=False)
    _team_domains: dict[str, str | None] = field(default_factory=dict, init=False)

    @classmethod
    def from_settings(
        cls, settings: Settings, slack: AsyncWebClient, log_db: RequestLog, policy: AccessPolicy
    ) -> HomePublisher:
        return cls(
            slack=slack,
            log_db=log_db,
            policy=policy,
            prices=parse_unit_prices(settings.aigc_bot_unit_prices),
            currency=settings.aigc_bot_currency,
        )

    async def _team_domain(self, team_id: str) -> str | None:
        """The workspace's subdomain for thread links, from auth.test once per process."""
        if team_id not in self._team_domains:
            try:
                answer = await self.slack.auth_test()
                url = str(answer.get("url") or "")
                domain = url.removeprefix("https://").split(".slack.com")[0] if ".slack.com" in url else None
            except SlackApiError as error:
                log.warning("auth.test for the Home's thread links failed: %s", slack_error_code(error))
                return None
            self._team_domains[team_id] = domain or None
        return self._team_domains[team_id]

    async def content(self, team_id: str, user_id: str) -> HomeContent:
        now = utc_now()
        team_domain = await self._team_domain(team_id)
        # Read on the log's read threads, so the event loop goes on acking while an admin's month is summed.
        return await self.log_db.read(lambda reader: self._content(reader, team_id, user_id, now, team_domain))

    def _content(
        self, reader: RequestLog, team_id: str, user_id: str, now: datetime, team_domain: str | None
    ) -> HomeContent:
        today = now.strftime("%Y-%m-%d")
        admin = None
        if user_id in self.policy.admins:
            month = now.strftime("%Y-%m")
            people_today, people_month = (
                home_queries.busiest_people(
                    reader, team_id=team_id, period=period, limit=SHOWN_PER_LIST, statuses=CAPPED_STATUSES
                )
                for period in (today, month)
            )
            admin = AdminUsage(
                summary=home_queries.usage_summary(reader, team_id=team_id, month=month, today=today),
                prices=self.prices,
                currency=self.currency,
                people_today=people_today,
                people_month=people_month,
            )
        return HomeContent(
            user_id=user_id,
            requests=home_queries.last_requests(reader, team_id=team_id, user_id=user_id),
            user_today=DailyCount(
                home_queries.counted_since(reader, team_id=team_id, user_id=user_id, since=today),
                self.policy.user_daily_cap,
            ),
            workspace_today=DailyCount(
                home_queries.counted_since(reader, team_id=team_id, since=today),
                self.policy.workspace_daily_cap,
            ),
            presets=home_queries.presets_for(reader, team_id=team_id),
            team_domain=team_domain,
            now=now,
            admin=admin,
        )

    async def _states(self, person: Person) -> tuple[tuple[int, str], ...]:
        team_id, user_id = person
        return await self.log_db.read(
            lambda reader: home_queries.request_states(reader, team_id=team_id, user_id=user_id)
        )

    async def publish(self, team_id: str, user_id: str) -> None:
        """Publish the person's Home now; a refusal from Slack is logged, never raised."""
        person = (team_id, user_id)
        view = home_view(await self.content(team_id, user_id))
        self.throttle.sent(person)
        try:
            await self.slack.views_publish(user_id=user_id, view=view)
        except SlackApiError as error:
            log.warning("views.publish for %s failed: %s", user_id, slack_error_code(error))

    async def opened(self, team_id: str, user_id: str) -> None:
        """The person opened their Home: publish it at once and keep it current from now on."""
        person = (team_id, user_id)
        states = await self._states(person)
        self._watched[person] = _Watched(opened_at=time.monotonic(), states=states)
        await self.publish(team_id, user_id)

    async def refresh_changed(self) -> None:
        """Publish again the Homes whose requests changed state, each at most once per throttle window."""
        forget_before = time.monotonic() - WATCH_HOURS * 3600
        for person, watched in list(self._watched.items()):
            if watched.opened_at < forget_before:
                del self._watched[person]
                continue
            states = await self._states(person)
            if states != watched.states:
                watched.states, watched.stale = states, True
            if watched.stale and self.throttle.ready(person):
                watched.stale = False
                # Nobody is looking at this very moment: it waits behind what people wait for.
                with marked(Priority.BACKGROUND):
                    await self.publish(*person)

    async def watch(self, interval: float = WATCH_INTERVAL_SECONDS) -> None:
        """Run until cancelled: look for changed requests every `interval` seconds."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.refresh_changed()
            except Exception:  # one bad round must not end the refreshes for good
                log.exception("refreshing App Homes failed; trying again")
