"""Interactive elements: the form's scene picker and the buttons under a result."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.follow.delivery import REFRESH_ACTION, RUN_AGAIN_ACTION
from bot.slack.modal import SCENE_ACTION
from bot.slack.use_result import USE_RESULT_ACTION
from bot.slack_surface import SlackSurface
from handlers.registry import Registry


def register(registry: Registry, surface: SlackSurface) -> None:
    @registry.action(SCENE_ACTION)
    async def scene_changed(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        await surface.switch_form_scene(body)

    @registry.action(REFRESH_ACTION)
    async def refresh(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        await respond(response_type="ephemeral", replace_original=False, text=await surface.refresh(body))

    @registry.action(RUN_AGAIN_ACTION)
    async def run_again(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        accepted = await surface.record_run_again(body)  # in the log before Slack hears back
        await ack()
        if isinstance(accepted, str):
            await respond(response_type="ephemeral", replace_original=False, text=accepted)
        else:
            await surface.answer(accepted)

    @registry.action(USE_RESULT_ACTION)
    async def use_result(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        problem = await surface.open_form_from_result(body)
        if problem is not None:
            await respond(response_type="ephemeral", replace_original=False, text=problem)
