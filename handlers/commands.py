"""The /aigc slash command."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import wording
from bot.slack.batch_text import BatchCancel, BatchForm, BatchStatus, batch_form_view
from bot.slack.command_text import CommandError, Generate, History, OpenForm, StatusLookup, Usage
from bot.slack.messages import HELP_TEXT, shown
from bot.slack.presets_text import WorkflowCommand
from bot.slack_surface import SlackSurface
from handlers.answering import Later
from handlers.registry import Registry

COMMAND = "/aigc"
T = TypeVar("T")


async def aigc(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, surface: SlackSurface, later: Later
) -> None:
    """Every `/aigc …`: a request is logged before the ack; everything else is answered privately."""
    slash = surface.slash
    try:
        parsed = slash.parse(command)  # a request comes with its preset and channel defaults applied
    except CommandError as bad:
        slash.log_invalid("slash_command", command, str(bad))  # logged before the answer, so never lost
        await ack(response_type="ephemeral", text=wording.slack.WARNING.format(problem=shown(str(bad))))
        return
    if isinstance(parsed, OpenForm):
        await ack()
        await later(surface.form.open, command["trigger_id"], command)
    elif isinstance(parsed, Generate):
        recorded = await slash.record(command, parsed)  # in the log before Slack hears back
        note = slash.acknowledgement(recorded, parsed)
        await (ack(response_type="ephemeral", text=note) if note else ack())
        await later(surface.carry_on, recorded)
    elif isinstance(parsed, StatusLookup):
        await ack(response_type="ephemeral", text=wording.slack.LOOKING_UP.format(task_id=parsed.task_id))
        await later(_answer_privately, respond, slash.status_text, parsed.task_id)
    elif isinstance(parsed, History):
        await ack()
        await later(_answer_privately, respond, slash.history_text, command)
    elif isinstance(parsed, BatchForm):
        await ack()
        view = batch_form_view(str(command.get("channel_id", "")))
        await later(surface.services.slack.views_open, trigger_id=command["trigger_id"], view=view)
    elif isinstance(parsed, BatchStatus | BatchCancel):
        await ack(response_type="ephemeral", text=slash.batch_text(command, parsed))
    elif isinstance(parsed, WorkflowCommand):
        await ack(response_type="ephemeral", text=slash.workflow_text(command, parsed))
    elif isinstance(parsed, Usage):
        await ack()
        await later(_answer_privately, respond, slash.usage_text, command)
    else:
        await ack(response_type="ephemeral", text=HELP_TEXT)


async def _answer_privately(respond: AsyncRespond, report: Callable[[T], Awaitable[str]], asked: T) -> None:
    """Reports read the log off the event loop, so they are made after the ack and sent through response_url."""
    await respond(response_type="ephemeral", text=await report(asked))


def register(registry: Registry) -> None:
    registry.command(COMMAND)(aigc)
