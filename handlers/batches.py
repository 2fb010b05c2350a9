"""Catalogue batches: `/aigc batch …`, a CSV file shared with `batch`, the batch form, and its buttons."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.batches import Batches, Place
from bot.slack.batch_text import (
    DROP_ACTION,
    FILE_BLOCK,
    FORM_CALLBACK,
    SUBMIT_ACTION,
    BatchCancel,
    BatchCommand,
    BatchForm,
    BatchStatus,
    batch_form_view,
    csv_files,
    form_files,
    form_place,
)
from bot.slack_surface import MENTION, SlackSurface
from handlers.registry import Registry

NO_FILE = "Attach the catalogue as a CSV file to the same message, e.g. `@aigc batch` with `catalogue.csv`."


async def answer_command(ack: AsyncAck, command: dict[str, Any], parsed: BatchCommand, batches: Batches) -> None:
    """`/aigc batch` opens the form; `status` and `cancel` are answered privately."""
    team_id, user_id = str(command.get("team_id", "")), str(command.get("user_id", ""))
    if isinstance(parsed, BatchForm):
        await ack()
        view = batch_form_view(str(command.get("channel_id", "")))
        await batches.slack.views_open(trigger_id=command["trigger_id"], view=view)
    elif isinstance(parsed, BatchStatus):
        answer = batches.status_text(team_id=team_id, user_id=user_id, batch_id=parsed.batch_id)
        await ack(response_type="ephemeral", text=answer)
    elif isinstance(parsed, BatchCancel):
        await ack(
            response_type="ephemeral", text=batches.cancel(team_id=team_id, user_id=user_id, batch_id=parsed.batch_id)
        )


def asks_for_batch(event: dict[str, Any]) -> bool:
    """A message whose text, without the mention, starts with `batch`."""
    words = MENTION.sub(" ", str(event.get("text", ""))).split()
    return bool(words) and words[0].lower() == "batch" and not event.get("bot_id")


async def answer_message(event: dict[str, Any], body: dict[str, Any], batches: Batches) -> None:
    """A CSV file shared with `@aigc batch` or in a DM with `batch`: check it, answer in its thread."""
    channel_id, ts = str(event.get("channel", "")), str(event.get("ts", ""))
    if not batches.first_sight(f"{channel_id}:{ts}"):
        return
    place = Place(
        team_id=str(body.get("team_id") or event.get("team", "")),
        channel_id=channel_id,
        user_id=str(event.get("user", "")),
        thread_ts=str(event.get("thread_ts") or ts),
    )
    files = csv_files(event.get("files"))
    if not files:
        await batches.slack.chat_postMessage(channel=channel_id, thread_ts=place.thread_ts, text=NO_FILE)
        return
    await batches.answer(place, await batches.check(place, files[0]))


def register(registry: Registry, surface: SlackSurface) -> None:
    batches = surface.services.batches

    @registry.view(FORM_CALLBACK)
    async def batch_form_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        files = form_files(view)
        if not files:
            await ack(response_action="errors", errors={FILE_BLOCK: "Attach the catalogue as a CSV file."})
            return
        await ack()  # nothing is billed before the Submit click, so checking can wait until the form has closed
        channel_id, thread_ts = form_place(view)
        place = Place(
            team_id=str((body.get("team") or {}).get("id") or view.get("team_id", "")),
            channel_id=channel_id,
            user_id=str((body.get("user") or {}).get("id", "")),
            thread_ts=thread_ts,
        )
        await batches.answer(place, await batches.check(place, files[0]))

    @registry.action(SUBMIT_ACTION)
    async def submit_batch(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value", ""))
        parent_ts = str((body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        problem = (
            await batches.submit(int(value), user_id=user_id, parent_ts=parent_ts)
            if value.isdigit()
            else "I can't find that batch."
        )  # every row is in the log before Slack hears back
        await ack()
        if problem is not None:
            await respond(response_type="ephemeral", replace_original=False, text=problem)
            return
        batches.run(int(value))

    @registry.action(DROP_ACTION)
    async def drop_batch(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        value = str(((body.get("actions") or [{}])[0]).get("value", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        dropped, answer = batches.drop(int(value), user_id=user_id) if value.isdigit() else (False, "No such batch.")
        await respond(response_type="ephemeral", replace_original=dropped, text=answer)
