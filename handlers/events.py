"""Events: an @mention with images (or a batch file) in a channel, the same sent to the bot in a DM, and the App
Home opened."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.slack_surface import SlackSurface
from handlers import batches
from handlers.registry import Registry


def register(registry: Registry, surface: SlackSurface) -> None:
    @registry.event("app_mention")
    async def mention(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        if batches.asks_for_batch(event):
            await ack()  # a batch file is only checked here; nothing is billed before its Submit click
            await batches.answer_message(event, body, surface.services.batches)
            return
        accepted = await surface.record_message_event(event, body, source="file_share")  # logged before the ack
        await ack()
        await surface.answer(accepted)

    @registry.event("message", manifest_name="message.im")
    async def direct_message(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") != "im":
            await ack()
            return
        if batches.asks_for_batch(event):
            await ack()
            await batches.answer_message(event, body, surface.services.batches)
            return
        accepted = await surface.record_message_event(event, body, source="file_share")  # logged before the ack
        await ack()
        await surface.answer(accepted)

    @registry.event("app_home_opened")
    async def home_opened(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        await ack()
        # The event also fires for the Messages tab, which the bot does not draw.
        if event.get("tab") == "home" and event.get("user"):
            await surface.services.home.opened(str(body.get("team_id") or ""), str(event["user"]))
