"""An @mention of the bot, or a DM to it, with images (or asking something): logged before the ack."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from bot import wording
from bot.images.refusals import READABLE
from bot.pipeline import Pipeline, Recorded
from bot.request import Origin
from bot.slack.command_text import CommandError, Generate, Help, OpenForm, parse_command
from bot.slack.files import is_image, is_partial
from bot.slack.messages import HELP_TEXT, error_text, escape, shown
from bot.slack.presets_text import parse_workflow_command
from bot.slack.refs import Ref, SlackFileRef
from bot.slack_surface.slash import SlashCommand

log = logging.getLogger(__name__)

MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


def not_images_note(names: list[str]) -> str:
    """A sentence naming shared files that are not pictures, or nothing when there are none."""
    if not names:
        return ""
    note = wording.slack.ONE_FILE_NOT_AN_IMAGE if len(names) == 1 else wording.slack.FILES_NOT_IMAGES
    return note.format(listed=", ".join(names), readable=READABLE)


@dataclass(frozen=True)
class Accepted:
    """A Slack request as logged before the ack, and what is left to do once Slack has its answer."""

    origin: Origin
    recorded: Recorded | None = None
    reply: str | None = None  # said in the request's thread after the ack


class MessageRequests:
    """Reads a message sent to the bot as the slash command's text plus the files shared with it, and logs it."""

    def __init__(self, pipeline: Pipeline, slash: SlashCommand) -> None:
        self.pipeline = pipeline
        self.slash = slash

    async def record(self, event: dict[str, Any], body: dict[str, Any], *, source: str) -> Accepted | None:
        """Log what a message with images asks for, before the ack; None for messages that ask nothing, and for
        a redelivery of unusable input already answered.

        Files Slack sent only as stubs count as images here; they are looked up before upload, and one that
        turns out not to be an image is named, with its real name and type, in the answer.
        """
        if event.get("bot_id") or event.get("subtype") not in (None, "file_share"):
            return None
        channel_id = str(event.get("channel", ""))
        message_ts = str(event.get("ts", ""))
        team_id = str(body.get("team_id") or event.get("team", ""))
        # Files meant as pictures, or that may be once looked up; the bytes are checked before upload.
        files = [f for f in event.get("files") or [] if is_partial(f) or is_image(f)]
        attached: list[Ref] = [SlackFileRef(f["id"], str(f.get("name", ""))) for f in files]
        text = MENTION.sub(" ", str(event.get("text", ""))).strip()
        origin = Origin(
            source=source,
            team_id=team_id,
            channel_id=channel_id,
            user_id=str(event.get("user", "")),
            # Slack retries the same event, and a DM mention may arrive as two events: key on the message.
            dedupe_key=f"msg:{team_id}:{channel_id}:{message_ts}",
            thread_ts=str(event.get("thread_ts") or message_ts),
            slack_files={f["id"]: f for f in files},
        )
        not_images = [str(f.get("name") or f.get("id") or "a file") for f in event.get("files") or [] if f not in files]
        asked = {"team_id": team_id, "channel_id": channel_id, "user_id": origin.user_id, "text": text}
        try:
            workflow = parse_workflow_command(text) if not files else None
            if workflow is not None:  # `@aigc preset list`: answered in the thread as the slash command would be
                return Accepted(origin, reply=self.slash.workflow_text(asked, workflow))
            parsed = parse_command(text, attached)
            if isinstance(parsed, Generate):
                parsed = self.slash.workflows.apply(parsed, team_id=team_id, channel_id=channel_id)
        except CommandError as bad:
            problem = f"{not_images_note(not_images)}{bad}"
            # Keyed as a usable message would be: Slack's retries repeat the key.
            if not self.slash.log_invalid(source, asked, problem, dedupe_key=origin.dedupe_key):
                log.info("duplicate Slack delivery ignored: %s", origin.dedupe_key)
                return None  # the first delivery was answered already
            return Accepted(origin, reply=error_text(wording.slack.COULD_NOT_USE_THAT, escape(shown(problem))))
        if isinstance(parsed, Generate):
            recorded = await self.pipeline.record(origin, parsed)
            return Accepted(origin, recorded=recorded, reply=wording.slack.REPEAT_NOTE if recorded.repeat else None)
        if not_images and not files:
            return Accepted(origin, reply=escape(not_images_note(not_images)))
        if isinstance(parsed, Help | OpenForm):  # a bare mention: a message cannot open the form, so say how to ask
            return Accepted(origin, reply=HELP_TEXT)
        return Accepted(origin, reply=wording.slack.USE_STATUS_COMMANDS)
