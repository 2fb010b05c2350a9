"""Everything the Slack listeners need, built once from the settings and closed together."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler, AsyncServerErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot import observe
from bot.access import AccessPolicy, guard_for
from bot.batches import Batches
from bot.config import REQUIRED_FOR_BOT, REQUIRED_FOR_TENCENT, Settings, require
from bot.follow.follower import Follower
from bot.follow.schedule import PollPolicy
from bot.health import Readiness, watch_token
from bot.home import HomePublisher
from bot.images.prepare import ImagePreparer
from bot.lifecycle import deadline_in, seconds_until
from bot.metrics import BotMetrics
from bot.pipeline import Pipeline
from bot.reply_sweep import ReplySweep
from bot.resolve import image_limits
from bot.slack.files import SlackFileUploader
from bot.slack.pacing import Pacer, SlackLimits
from bot.slack.watch import WatchedSlackClient
from bot.store.db import RequestLog
from bot.store.retention import keep_retention
from bot.tencent.ratelimit import describe_limiter
from bot.tencent.vod import VodClient, tls_context


def slack_client(settings: Settings, on_token_refused: Callable[[str], None] | None = None) -> WatchedSlackClient:
    assert settings.slack_bot_token is not None
    client = WatchedSlackClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        timeout=30,
        on_token_refused=on_token_refused,
        pacer=Pacer(SlackLimits().scaled(settings.aigc_bot_slack_rate_scale)),
        outage_seconds=settings.aigc_bot_slack_outage_seconds,
    )
    # Slack asks callers to retry 5xx; the SDK's own handlers do that. A 429 is waited out by the client itself,
    # through the pacer every caller shares, so one caller's 429 holds back all of them.
    client.retry_handlers.extend(
        [AsyncServerErrorRetryHandler(max_retry_count=2), AsyncConnectionErrorRetryHandler(max_retry_count=2)]
    )
    return client


@dataclass
class Services:
    settings: Settings
    http: httpx.AsyncClient
    vod: VodClient
    slack: AsyncWebClient
    log_db: RequestLog
    uploader: SlackFileUploader
    pipeline: Pipeline
    follower: Follower
    metrics: BotMetrics
    readiness: Readiness
    home: HomePublisher
    batches: Batches
    _background: asyncio.Task[None] | None = None
    _resume: asyncio.Task[int] | None = None
    # Upkeep beside the real work: re-checking the bot token, keeping App Homes current, applying retention.
    _upkeep: list[asyncio.Task[None]] = field(default_factory=list)

    async def start(self) -> None:
        """Start following tasks in the background; called once the event loop runs."""
        if self.slack.session is None:
            # Without a session the SDK opens a new one, and a new connection, for every API call.
            self.slack.session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.slack.timeout))
        # Resuming may upload and submit; it runs beside the listeners so startup stays quick.
        self._resume = asyncio.create_task(self.pipeline.resume_pending())
        self.batches.runner.start()
        mode = self.settings.aigc_bot_follow_mode
        if mode == "poll":
            self._background = asyncio.create_task(self.follower.run())
        elif mode == "events":
            self._background = asyncio.create_task(self.follower.run_events())
        interval = self.settings.aigc_bot_auth_check_seconds
        self._upkeep.append(asyncio.create_task(watch_token(self.settings, self.readiness, interval)))
        self._upkeep.append(asyncio.create_task(self.home.watch()))
        sweep = ReplySweep(self.log_db, self.pipeline.carry_on, interval=self.settings.aigc_bot_reply_sweep_seconds)
        self._upkeep.append(asyncio.create_task(sweep.run()))
        if self.settings.aigc_bot_retention_days > 0:
            self._upkeep.append(asyncio.create_task(keep_retention(self.log_db, self.settings.aigc_bot_retention_days)))

    async def aclose(self, deadline: float | None = None) -> None:
        """Stop gracefully: checks in flight finish, unfinished tasks are left for the next start.

        Every wait shares one `deadline` (event-loop time; AIGC_BOT_SHUTDOWN_SECONDS from now when not given),
        so a stop never takes longer than that, however many kinds of work are still running.
        """
        if deadline is None:
            deadline = deadline_in(self.settings.aigc_bot_shutdown_seconds)
        await self.batches.runner.stop()
        await self.pipeline.drain(timeout=seconds_until(deadline))
        await self.batches.runner.cut_off()
        if self._resume is not None and not self._resume.done():
            self._resume.cancel()
        await self.follower.stop(timeout=seconds_until(deadline))
        if self._background is not None:
            self._background.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._background
        for task in self._upkeep:
            task.cancel()
        await asyncio.gather(*self._upkeep, return_exceptions=True)
        self.uploader.preparer.close()
        await self.http.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()
            self.slack.session = None
        self.log_db.close()


def build_services(settings: Settings) -> Services:
    require(settings, REQUIRED_FOR_BOT)
    assert settings.slack_bot_token
    http = httpx.AsyncClient(
        timeout=vod_timeout(settings), limits=httpx.Limits(max_connections=200), verify=tls_context()
    )
    vod = vod_client_from(settings, http)
    log_db = RequestLog(settings.aigc_bot_db, checkpoint_in_background=True)
    readiness = Readiness(log_db)
    bot_metrics = BotMetrics(log_db)
    # Everything this bot runs descends from here, so its work is counted in its own metrics.
    observe.activate(bot_metrics)
    slack = slack_client(settings, on_token_refused=readiness.token_refused)
    bot_metrics.slack_pacer_queue.set_function(lambda: float(slack.pacer.queue_length))

    async def file_info(slack_file_id: str) -> dict[str, Any]:
        answer = await slack.files_info(file=slack_file_id)
        return dict(answer["file"])

    uploader = SlackFileUploader(
        vod=vod,
        log_db=log_db,
        http=http,
        bot_token=settings.slack_bot_token.get_secret_value(),
        api_url=settings.slack_api_url,
        file_info=file_info,
        preparer=ImagePreparer(image_limits(settings)),
        cos_endpoint=settings.tencentcloud_cos_endpoint,
        expire_days=settings.aigc_bot_upload_expire_days,
        max_concurrent=settings.aigc_bot_max_concurrent_uploads,
    )
    follower = Follower(vod=vod, log_db=log_db, slack=slack, http=http, policy=PollPolicy.from_settings(settings))
    policy = AccessPolicy.from_settings(settings)
    pipeline = Pipeline(
        vod=vod,
        log_db=log_db,
        slack=slack,
        uploader=uploader,
        guard=guard_for(policy, log_db, slack),
        after_submit=follower.track if settings.aigc_bot_follow_mode != "off" else None,
    )
    batches = Batches(settings=settings, log_db=log_db, slack=slack, http=http, pipeline=pipeline)
    return Services(
        settings=settings,
        http=http,
        vod=vod,
        slack=slack,
        log_db=log_db,
        uploader=uploader,
        pipeline=pipeline,
        follower=follower,
        metrics=bot_metrics,
        readiness=readiness,
        home=HomePublisher.from_settings(settings, slack, log_db, policy),
        batches=batches,
    )


def vod_timeout(settings: Settings) -> httpx.Timeout:
    return httpx.Timeout(connect=5.0, read=settings.aigc_bot_vod_timeout, write=30.0, pool=30.0)


def vod_client_from(settings: Settings, http: httpx.AsyncClient | None = None) -> VodClient:
    """The client the settings describe; raises ConfigError naming any missing Tencent setting."""
    require(settings, REQUIRED_FOR_TENCENT)
    assert settings.tencentcloud_secret_id and settings.tencentcloud_secret_key
    assert settings.tencentcloud_vod_sub_app_id
    return VodClient(
        secret_id=settings.tencentcloud_secret_id,
        secret_key=settings.tencentcloud_secret_key,
        sub_app_id=settings.tencentcloud_vod_sub_app_id,
        region=settings.tencentcloud_region,
        endpoint=settings.tencentcloud_vod_endpoint,
        http=http,
        timeout=vod_timeout(settings),
        describe_limiter=describe_limiter(settings.aigc_bot_describe_rate),
    )
