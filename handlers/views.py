"""Submission of the /aigc form."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.slack.modal import FORM_CALLBACK
from bot.slack_surface import SlackSurface
from handlers.registry import Registry


def register(registry: Registry, surface: SlackSurface) -> None:
    @registry.view(FORM_CALLBACK)
    async def form_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        result = surface.read_form(view)
        if result.errors:
            await ack(response_action="errors", errors=result.errors)
            return
        recorded = await surface.record_form(body, view, result)  # in the log before the form closes
        await ack()
        await surface.carry_on(recorded)
