"""What each Slack surface asks of the bot, given Slack's payloads as plain dicts."""

from __future__ import annotations

import logging
import re
from typing import Any

from bot import reports
from bot.commands import CommandError, Generate, Help, parse_command
from bot.db import INVALID, SUBMITTED, dumps, iso, utc_now
from bot.messages import HELP_TEXT, describe_spec, error_text, escape
from bot.modal import FormContext, FormResult, form_view, read_submission
from bot.pipeline import Origin, command_from_row
from bot.refs import Ref, SlackFileRef
from bot.services import Services

log = logging.getLogger(__name__)

IMAGE_FILETYPES = frozenset({"jpg", "jpeg", "png", "webp", "heic", "gif", "bmp", "tiff"})
MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def image_files(files: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Files that are meant as pictures; the bytes are checked again before upload."""
    return [
        f
        for f in files or []
        if str(f.get("mimetype", "")).startswith("image/") or str(f.get("filetype", "")).lower() in IMAGE_FILETYPES
    ]


def not_images_note(names: list[str]) -> str:
    """A sentence naming shared files that are not pictures, or nothing when there are none."""
    if not names:
        return ""
    listed = ", ".join(names)
    verb = "is not an image" if len(names) == 1 else "are not images"
    return f"{listed} {verb}; I work with JPEG, PNG and WebP. "


class SlackSurface:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.pipeline = services.pipeline
        self.log_db = services.log_db

    # -- slash command --------------------------------------------------------------------------

    def working_note(self, command: Generate) -> str:
        return f":hourglass_flowing_sand: Working on {describe_spec(command.spec, command.image_count)}"

    def log_invalid(self, source: str, payload: dict[str, Any], problem: str) -> None:
        self.log_db.claim(
            {
                "source": source,
                "team_id": payload.get("team_id", ""),
                "channel_id": payload.get("channel_id", ""),
                "user_id": payload.get("user_id", ""),
                "status": INVALID,
                "error_code": "InvalidInput",
                "error_message": problem,
                "inputs_json": dumps({"text": [payload.get("text", "")]}),
            }
        )

    async def generate_from_command(self, command: dict[str, Any], parsed: Generate) -> None:
        origin = Origin(
            source="slash_command",
            team_id=command.get("team_id", ""),
            channel_id=command.get("channel_id", ""),
            user_id=command.get("user_id", ""),
            dedupe_key=f"slash:{command.get('team_id', '')}:{command.get('trigger_id', '')}",
            response_url=command.get("response_url"),
            repeat_key=" ".join(str(command.get("text", "")).split()),
        )
        await self.pipeline.generate(origin, parsed)

    async def status_text(self, task_id: str) -> str:
        return await reports.status_text(self.services.vod, self.log_db, task_id)

    def history_text(self, command: dict[str, Any]) -> str:
        return reports.history_text(
            self.log_db,
            team_id=command.get("team_id", ""),
            user_id=command.get("user_id", ""),
            team_domain=command.get("team_domain"),
        )

    def usage_text(self, command: dict[str, Any]) -> str:
        return reports.usage_text(self.log_db, team_id=command.get("team_id", ""))

    async def open_form(self, trigger_id: str, command: dict[str, Any]) -> None:
        context = FormContext(channel_id=command.get("channel_id", ""), response_url=command.get("response_url"))
        await self.services.slack.views_open(trigger_id=trigger_id, view=form_view("product", context))

    # -- the form --------------------------------------------------------------------------------

    def read_form(self, view: dict[str, Any]) -> FormResult:
        context = FormContext.load(view.get("private_metadata", ""))
        return read_submission(view.get("state", {}).get("values", {}), context)

    async def switch_form_scene(self, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        scene = (action.get("selected_option") or {}).get("value", "product")
        context = FormContext.load(view.get("private_metadata", ""))
        await self.services.slack.views_update(
            view_id=view.get("id"), hash=view.get("hash"), view=form_view(scene, context)
        )

    async def generate_from_form(self, body: dict[str, Any], view: dict[str, Any], result: FormResult) -> None:
        assert result.command is not None
        context = FormContext.load(view.get("private_metadata", ""))
        team_id = (body.get("team") or {}).get("id") or view.get("team_id", "")
        user_id = (body.get("user") or {}).get("id", "")
        origin = Origin(
            source=context.source,
            team_id=team_id,
            channel_id=context.channel_id,
            user_id=user_id,
            # One form can be submitted once; a double click re-sends the same view id.
            dedupe_key=f"view:{team_id}:{view.get('id', '')}",
            thread_ts=context.thread_ts,
            response_url=context.response_url,
            slack_files=result.files,
        )
        await self.pipeline.generate(origin, result.command)

    # -- message shortcut -------------------------------------------------------------------------

    async def open_form_from_message(self, shortcut: dict[str, Any]) -> str | None:
        message = shortcut.get("message") or {}
        images = image_files(message.get("files"))
        if not images:
            return (
                "That message has no images. Use the shortcut on a message with JPEG, PNG or WebP images, "
                "or type `/aigc` to attach them."
            )
        context = FormContext(
            channel_id=(shortcut.get("channel") or {}).get("id", ""),
            source="shortcut",
            thread_ts=message.get("thread_ts") or message.get("ts"),
            response_url=shortcut.get("response_url"),
            preset_files=[{"id": f["id"], "name": str(f.get("name", ""))} for f in images[:10]],
        )
        scene = "product"
        await self.services.slack.views_open(trigger_id=shortcut["trigger_id"], view=form_view(scene, context))
        return None

    # -- file shares: @mention or DM with images -----------------------------------------------------

    async def generate_from_message_event(self, event: dict[str, Any], body: dict[str, Any], *, source: str) -> None:
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
            return
        channel_id = str(event.get("channel", ""))
        message_ts = str(event.get("ts", ""))
        thread_ts = str(event.get("thread_ts") or message_ts)
        team_id = str(body.get("team_id") or event.get("team", ""))
        files = image_files(event.get("files"))
        attached: list[Ref] = [SlackFileRef(f["id"], str(f.get("name", ""))) for f in files]
        text = MENTION.sub(" ", str(event.get("text", ""))).strip()
        origin = Origin(
            source=source,
            team_id=team_id,
            channel_id=channel_id,
            user_id=str(event.get("user", "")),
            # Slack retries the same event, and a DM mention may arrive as two events: key on the message.
            dedupe_key=f"msg:{team_id}:{channel_id}:{message_ts}",
            thread_ts=thread_ts,
            slack_files={f["id"]: f for f in files},
        )
        not_images = [str(f.get("name") or f.get("id") or "a file") for f in event.get("files") or [] if f not in files]
        try:
            parsed = parse_command(text, attached)
        except CommandError as bad:
            problem = f"{not_images_note(not_images)}{bad}"
            self.log_invalid(
                source,
                {"team_id": team_id, "channel_id": channel_id, "user_id": origin.user_id, "text": text},
                problem,
            )
            await self._reply_in_thread(origin, error_text("I could not use that.", escape(problem)))
            return
        if not isinstance(parsed, Generate):
            if not_images and not files:
                await self._reply_in_thread(origin, escape(not_images_note(not_images)))
            else:
                await self._reply_in_thread(
                    origin,
                    HELP_TEXT
                    if isinstance(parsed, Help)
                    else "Use `/aigc status`, `/aigc history` or `/aigc usage` for that.",
                )
            return
        await self.pipeline.generate(origin, parsed)

    async def _reply_in_thread(self, origin: Origin, text: str) -> None:
        await self.services.slack.chat_postMessage(channel=origin.channel_id, thread_ts=origin.thread_ts, text=text)

    # -- buttons under a result -------------------------------------------------------------------------

    async def refresh(self, body: dict[str, Any]) -> str:
        row = self._row_of_action(body)
        if row is None or not row.get("task_id"):
            return "I can't find that request in my log."
        if row["status"] == SUBMITTED:
            # A finished task found here is delivered by the follower at once instead of at its next check.
            self.log_db.update(int(row["id"]), follow_next_at=iso(utc_now()))
            self.services.follower.wake()
        return await self.status_text(str(row["task_id"]))

    async def run_again(self, body: dict[str, Any]) -> str | None:
        row = self._row_of_action(body)
        if row is None:
            return "I can't find that request in my log."
        command = command_from_row(row)
        action = (body.get("actions") or [{}])[0]
        team_id = (body.get("team") or {}).get("id", row.get("team_id", ""))
        origin = Origin(
            source="rerun",
            team_id=team_id,
            channel_id=row["channel_id"],
            user_id=(body.get("user") or {}).get("id", row["user_id"]),
            dedupe_key=f"rerun:{team_id}:{row['id']}:{action.get('action_ts', '')}",
            thread_ts=row.get("thread_ts"),
            repeat_key=f"rerun:{row['id']}",
            rerun_of=int(row["id"]),
        )
        await self.pipeline.generate(origin, command)
        return None

    def _row_of_action(self, body: dict[str, Any]) -> dict[str, Any] | None:
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value", ""))
        return self.log_db.get(int(value)) if value.isdigit() else None
