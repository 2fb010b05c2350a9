"""Interactive elements: the form's scene picker, the buttons under a result and under a batch."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.follow.delivery import REFRESH_ACTION, RUN_AGAIN_ACTION
from bot.slack.batch_text import DROP_ACTION, SUBMIT_ACTION
from bot.slack.modal import SCENE_ACTION
from bot.slack.use_result import USE_RESULT_ACTION
from bot.slack_surface import SlackSurface
from handlers.registry import Registry, answer_sent


async def _tell(respond: AsyncRespond, text: str, *, replace_original: bool = False) -> None:
    await respond(response_type="ephemeral", replace_original=replace_original, text=text)


async def scene_changed(ack: AsyncAck, body: dict[str, Any], surface: SlackSurface) -> None:
    """Redraw the open form for the scene just chosen."""
    await ack()
    await surface.switch_form_scene(body)


async def refresh(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface) -> None:
    """Tell the clicker where the task stands, and look at it again now."""
    await ack()
    await _tell(respond, await surface.refresh(body))


async def run_again(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface) -> None:
    """The same inputs once more, under a new SessionId; logged before the ack."""
    accepted = await surface.record_run_again(body)  # in the log before Slack hears back
    await ack()
    await answer_sent()
    if isinstance(accepted, str):
        await _tell(respond, accepted)
    else:
        await surface.answer(accepted)


async def use_result(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface) -> None:
    """Open the form with a delivered image as the input."""
    await ack()
    problem = await surface.open_form_from_result(body)
    if problem is not None:
        await _tell(respond, problem)


async def submit_batch(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface) -> None:
    """Submit batch: every row is in the log before Slack hears back; then they are carried on."""
    batch_id, problem = await surface.submit_batch(body)
    await ack()
    if problem is not None:
        await _tell(respond, problem)
    elif batch_id is not None:
        surface.services.batches.run(batch_id)


async def drop_batch(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, surface: SlackSurface) -> None:
    """Discard a checked batch before anything of it was submitted."""
    await ack()
    dropped, answer = surface.drop_batch(body)
    await _tell(respond, answer, replace_original=dropped)


def register(registry: Registry) -> None:
    registry.action(SCENE_ACTION)(scene_changed)
    registry.action(REFRESH_ACTION)(refresh)
    registry.action(RUN_AGAIN_ACTION)(run_again)
    registry.action(USE_RESULT_ACTION)(use_result)
    registry.action(SUBMIT_ACTION)(submit_batch)
    registry.action(DROP_ACTION)(drop_batch)
