"""Events: an @mention with images (or a batch file) in a channel, the same sent to the bot in a DM, and the App
Home opened."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import batches
from bot.slack_surface import SlackSurface
from handlers.answering import Later
from handlers.registry import Registry


async def mention(
    ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], surface: SlackSurface, later: Later
) -> None:
    """`@aigc product …` with images: logged before Slack hears back, then answered in the message's thread."""
    if batches.asks_for_batch(event):
        await ack()  # a batch file is only checked here; nothing is billed before its Submit click
        await later(batches.answer_message, surface.services.batches, event, body)
        return
    accepted = await surface.messages.record(event, body, source="file_share")
    await ack()
    await later(surface.answer, accepted)


async def direct_message(
    ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], surface: SlackSurface, later: Later
) -> None:
    """The same as a mention, in a DM with the bot; other channels' messages are not for the bot."""
    if event.get("channel_type") != "im":
        await ack()
        return
    await mention(ack, event, body, surface, later)


async def home_opened(
    ack: AsyncAck, event: dict[str, Any], body: dict[str, Any], surface: SlackSurface, later: Later
) -> None:
    """Publish the person's Home; the event also fires for the Messages tab, which the bot does not draw."""
    await ack()
    if event.get("tab") == "home" and event.get("user"):
        await later(surface.services.home.opened, str(body.get("team_id") or ""), str(event["user"]))


def register(registry: Registry) -> None:
    registry.event("app_mention")(mention)
    registry.event("message", manifest_name="message.im")(direct_message)
    registry.event("app_home_opened")(home_opened)
