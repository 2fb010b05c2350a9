"""Interactive elements: the form's scene picker, the buttons under a result and under a batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.follow.delivery import REFRESH_ACTION, RUN_AGAIN_ACTION
from bot.slack.batch_text import DROP_ACTION, SUBMIT_ACTION
from bot.slack.modal import SCENE_ACTION
from bot.slack.use_result import USE_RESULT_ACTION
from bot.slack_surface import SlackSurface
from handlers.answering import Later
from handlers.registry import Registry

Payload = dict[str, Any]


async def _tell(respond: AsyncRespond, text: str, *, replace_original: bool = False) -> None:
    await respond(response_type="ephemeral", replace_original=replace_original, text=text)


async def tell_answer(respond: AsyncRespond, ask: Callable[[Payload], Awaitable[str | None]], payload: Payload) -> None:
    """Ask the surface about a click or shortcut, and tell the person its answer privately, when it has one."""
    answer = await ask(payload)
    if answer is not None:
        await _tell(respond, answer)


async def scene_changed(ack: AsyncAck, body: dict[str, Any], surface: SlackSurface, later: Later) -> None:
    """Redraw the open form for the scene just chosen."""
    await ack()
    await later(surface.form.switch_scene, body)


async def refresh(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Tell the clicker where the task stands, and look at it again now."""
    await ack()
    await later(tell_answer, respond, surface.result_buttons.refresh, body)


async def run_again(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """The same inputs once more, under a new SessionId; logged before the ack."""
    accepted = await surface.result_buttons.record_run_again(body)  # in the log before Slack hears back
    await ack()
    if isinstance(accepted, str):
        await later(_tell, respond, accepted)
    else:
        await later(surface.answer, accepted)


async def use_result(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Open the form with a delivered image as the input."""
    await ack()
    await later(tell_answer, respond, surface.result_buttons.open_form, body)


async def submit_batch(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Submit batch: every row is in the log before Slack hears back; then they are carried on."""
    batch_id, problem = await surface.batch_buttons.submit(body)
    await ack()
    if problem is not None:
        await later(_tell, respond, problem)
    elif batch_id is not None:
        surface.services.batches.runner.run(batch_id)


async def drop_batch(
    ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Discard a checked batch before anything of it was submitted."""
    await ack()
    dropped, answer = surface.batch_buttons.drop(body)
    await later(_tell, respond, answer, replace_original=dropped)


def register(registry: Registry) -> None:
    registry.action(SCENE_ACTION)(scene_changed)
    registry.action(REFRESH_ACTION)(refresh)
    registry.action(RUN_AGAIN_ACTION)(run_again)
    registry.action(USE_RESULT_ACTION)(use_result)
    registry.action(SUBMIT_ACTION)(submit_batch)
    registry.action(DROP_ACTION)(drop_batch)
