"""Interactive elements: the form's scene picker and the buttons under a result."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.modal import SCENE_ACTION
from bot.slack_surface import SlackSurface
from handlers.registry import Registry


def register(registry: Registry, surface: SlackSurface) -> None:
    @registry.action(SCENE_ACTION)
    async def scene_changed(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await surface.switch_form_scene(body)
