"""The /aigc form: opened from the command or from a message's images, redrawn for a scene, and submitted."""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import wording
from bot.images.refusals import READABLE
from bot.pipeline import Recorded
from bot.presets import Workflows
from bot.request import Origin
from bot.services import Services
from bot.slack.command_text import CommandError
from bot.slack.conversation import slack_error_code
from bot.slack.files import is_image, is_partial
from bot.slack.modal import FormContext, FormResult, form_view, read_submission

log = logging.getLogger(__name__)


class RequestForm:
    """Opens the /aigc form, redraws it when its scene changes, and reads and logs what it submits."""

    def __init__(self, services: Services, workflows: Workflows) -> None:
        self.services = services
        self.workflows = workflows

    async def open(self, trigger_id: str, command: dict[str, Any]) -> None:
        """The form for a bare `/aigc`."""
        context = FormContext(channel_id=command.get("channel_id", ""), response_url=command.get("response_url"))
        presets = self.workflows.preset_names(command.get("team_id", ""))
        await self.services.slack.views_open(trigger_id=trigger_id, view=form_view("product", context, presets))

    async def open_from_message(self, shortcut: dict[str, Any]) -> str | None:
        """The form with a message's images as its input, from the message shortcut; otherwise why not."""
        message = shortcut.get("message") or {}
        images = [f for f in await self._completed(message.get("files") or []) if is_image(f)]
        if not images:
            return wording.slack.MESSAGE_HAS_NO_IMAGES.format(readable=READABLE)
        context = FormContext(
            channel_id=(shortcut.get("channel") or {}).get("id", ""),
            source="shortcut",
            thread_ts=message.get("thread_ts") or message.get("ts"),
            response_url=shortcut.get("response_url"),
            preset_files=[{"id": f["id"], "name": str(f.get("name", ""))} for f in images[:10]],
        )
        presets = self.workflows.preset_names(str((shortcut.get("team") or {}).get("id", "")))
        view = form_view("product", context, presets)
        await self.services.slack.views_open(trigger_id=shortcut["trigger_id"], view=view)
        return None

    async def _completed(self, files: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The files with every stub replaced by what files.info says of it; unreadable ones are left out."""
        completed = []
        for file in files:
            if is_partial(file):
                try:
                    answer = await self.services.slack.files_info(file=file["id"])
                except SlackApiError as error:
                    log.warning("files.info %s failed: %s", file["id"], slack_error_code(error))
                    continue
                file = dict(answer["file"])
            completed.append(file)
        return completed

    async def switch_scene(self, body: dict[str, Any]) -> None:
        view = body.get("view") or {}
        action = (body.get("actions") or [{}])[0]
        scene = (action.get("selected_option") or {}).get("value", "product")
        try:
            context = FormContext.load(view.get("private_metadata", ""))
        except ValueError:
            context = FormContext(channel_id="")  # the submission refuses it; the scene can still switch
        presets = self.workflows.preset_names(str((body.get("team") or {}).get("id") or view.get("team_id", "")))
        await self.services.slack.views_update(
            view_id=view.get("id"), hash=view.get("hash"), view=form_view(scene, context, presets)
        )

    def read(self, view: dict[str, Any]) -> FormResult:
        try:
            context = FormContext.load(view.get("private_metadata", ""))
        except ValueError:
            log.warning("a form submission carried private_metadata this bot did not write")
            return FormResult(None, {"scene": wording.slack.FORM_UNREADABLE}, {})
        result = read_submission(view.get("state", {}).get("values", {}), context)
        if result.command is None:
            return result
        try:
            applied = self.workflows.apply(
                result.command, team_id=str(view.get("team_id", "")), channel_id=context.channel_id
            )
        except CommandError as bad:
            return FormResult(None, {"preset": str(bad)}, result.files)
        return FormResult(applied, {}, result.files)

    async def record(self, body: dict[str, Any], view: dict[str, Any], result: FormResult) -> Recorded:
        """Log a submitted form's request; called before the ack, which closes the form."""
        assert result.command is not None
        context = FormContext.load(view.get("private_metadata", ""))
        team_id = (body.get("team") or {}).get("id") or view.get("team_id", "")
        origin = Origin(
            source=context.source,
            team_id=team_id,
            channel_id=context.channel_id,
            user_id=(body.get("user") or {}).get("id", ""),
            # One form can be submitted once; a double click re-sends the same view id.
            dedupe_key=f"view:{team_id}:{view.get('id', '')}",
            thread_ts=context.thread_ts,
            response_url=context.response_url,
            slack_files=result.files,
            derived_from=context.derived_from,
        )
        return await self.services.pipeline.record(origin, result.command)
