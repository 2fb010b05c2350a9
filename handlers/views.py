"""Form submissions: the /aigc form and the batch form."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot import batches, wording
from bot.slack.batch_text import FILE_BLOCK, form_files
from bot.slack.batch_text import FORM_CALLBACK as BATCH_FORM_CALLBACK
from bot.slack.modal import FORM_CALLBACK
from bot.slack_surface import SlackSurface
from handlers.answering import Later
from handlers.registry import Registry


async def form_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], surface: SlackSurface, later: Later
) -> None:
    """The /aigc form: mistakes are shown in the form; a good one is logged before the form closes."""
    result = surface.form.read(view)
    if result.errors:
        await ack(response_action="errors", errors=result.errors)
        return
    recorded = await surface.form.record(body, view, result)  # in the log before the form closes
    await ack()
    await later(surface.carry_on, recorded)


async def batch_form_submitted(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], surface: SlackSurface, later: Later
) -> None:
    """The batch form: the CSV is checked after the form closes, since nothing is billed before Submit batch."""
    if not form_files(view):
        await ack(response_action="errors", errors={FILE_BLOCK: wording.form.ATTACH_THE_CSV})
        return
    await ack()
    await later(batches.answer_form, surface.services.batches, body, view)


def register(registry: Registry) -> None:
    registry.view(FORM_CALLBACK)(form_submitted)
    registry.view(BATCH_FORM_CALLBACK)(batch_form_submitted)
