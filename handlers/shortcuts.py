"""The message shortcut: generate from the images in a message."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.slack_surface import SlackSurface
from handlers.actions import tell_answer
from handlers.answering import Later
from handlers.registry import Registry

FROM_MESSAGE = "aigc_from_message"


async def from_message(
    ack: AsyncAck, shortcut: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Open the form with the message's images; say so privately when it has none."""
    await ack()
    await later(tell_answer, respond, surface.form.open_from_message, shortcut)


def register(registry: Registry) -> None:
    registry.message_shortcut(FROM_MESSAGE)(from_message)
