"""What each Slack surface asks of the bot, given Slack's payloads as plain dicts."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError

from bot import wording
from bot.config import Settings
from bot.images.refusals import READABLE
from bot.pipeline import Recorded
from bot.presets import Workflows
from bot.request import Origin, command_from_row
from bot.services import Services
from bot.slack import reports
from bot.slack.batch_text import BatchCancel, BatchCommand, BatchStatus, parse_batch_command
from bot.slack.command_text import Command, CommandError, Generate, Help, OpenForm, parse_command
from bot.slack.conversation import slack_error_code
from bot.slack.files import is_image, is_partial
from bot.slack.messages import HELP_TEXT, describe_spec, error_text, escape, shown
from bot.slack.modal import MAX_PRIVATE_METADATA, FormContext, FormResult, form_view, read_submission
from bot.slack.presets_text import WorkflowCommand, parse_workflow_command
from bot.slack.refs import Ref, SlackFileRef, without_credentials
from bot.slack.use_result import reference_of_action, usable_output
from bot.store.db import RequestRow, Status, bounded, dumps, iso, utc_now
from bot.store.presets import PresetStore

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


class SlackSurface:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.pipeline = services.pipeline
        self.log_db = services.log_db
        self.workflows = Workflows(PresetStore(self.log_db), Settings.id_list(services.settings.aigc_bot_admins))

    # -- slash command --------------------------------------------------------------------------

    def parse_slash(self, command: dict[str, Any]) -> Command | WorkflowCommand | BatchCommand:
        """What a slash command asks for; a request comes with its preset and the channel's defaults applied.

        Raises CommandError with the sentence to show for input the person can fix.
        """
        text = str(command.get("text", ""))
        batch = parse_batch_command(text)
        if batch is not None:
            return batch
        workflow = parse_workflow_command(text)
        if workflow is not None:
            return workflow
        parsed = parse_command(text)
        if isinstance(parsed, Generate):
            return self.workflows.apply(
                parsed, team_id=command.get("team_id", ""), channel_id=command.get("channel_id", "")
            )
        return parsed

    def workflow_text(self, command: dict[str, Any], parsed: WorkflowCommand) -> str:
        """The answer to `/aigc preset …` or `/aigc defaults …`."""
        try:
            return self.workflows.answer(
                parsed,
                team_id=command.get("team_id", ""),
                channel_id=command.get("channel_id", ""),
                user_id=command.get("user_id", ""),
            )
        except CommandError as bad:
            return f":warning: {shown(str(bad))}"

    def batch_text(self, command: dict[str, Any], parsed: BatchStatus | BatchCancel) -> str:
        """The answer to `/aigc batch status [ID]` or `/aigc batch cancel ID`."""
        team_id, user_id = str(command.get("team_id", "")), str(command.get("user_id", ""))
        if isinstance(parsed, BatchStatus):
            return self.services.batches.status_text(team_id=team_id, user_id=user_id, batch_id=parsed.batch_id)
        return self.services.batches.cancel(team_id=team_id, user_id=user_id, batch_id=parsed.batch_id)

    async def submit_batch(self, body: dict[str, Any]) -> tuple[int | None, str | None]:
        """The Submit batch click: writes every row into the log. The batch's id, or why nothing was submitted."""
        value = str(((body.get("actions") or [{}])[0]).get("value", ""))
        if not value.isdigit():
            return None, wording.batches.NO_SUCH_BATCH_HERE
        container, message = body.get("container") or {}, body.get("message") or {}
        parent_ts = str(container.get("message_ts") or message.get("ts", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        problem = await self.services.batches.submit(int(value), user_id=user_id, parent_ts=parent_ts)
        return (None, problem) if problem is not None else (int(value), None)

    def drop_batch(self, body: dict[str, Any]) -> tuple[bool, str]:
        """The Discard click under a checked batch: whether it was dropped, and what to tell the clicker."""
        value = str(((body.get("actions") or [{}])[0]).get("value", ""))
        if not value.isdigit():
            return False, wording.slack.NO_SUCH_BATCH
        return self.services.batches.drop(int(value), user_id=str((body.get("user") or {}).get("id", "")))

    def acknowledgement(self, recorded: Recorded, command: Generate) -> str | None:
        """The private text Slack shows at once for a recorded request; None for a redelivery."""
        if recorded.repeat:
            return wording.slack.REPEAT_NOTE
        if recorded.duplicate:
            return None
        return f":hourglass_flowing_sand: Working on {describe_spec(command.spec, command.image_count, command.preset)}"

    def log_invalid(self, source: str, payload: dict[str, Any], problem: str, *, dedupe_key: str | None = None) -> bool:
        """Log input that cannot be used, keeping at most a few KB of it however much was sent.

        :param dedupe_key: what makes this input unique, for input Slack may deliver again (an event it retries).
        :return: whether it was logged now; False for a redelivery already logged, which needs no second answer.
        """
        text = without_credentials(str(payload.get("text", "")))
        row_id = self.log_db.claim(
            {
                "source": source,
                "team_id": payload.get("team_id", ""),
                "channel_id": payload.get("channel_id", ""),
                "user_id": payload.get("user_id", ""),
                "status": Status.INVALID,
                "error_code": "InvalidInput",
                "error_message": bounded(problem),
                "inputs_json": dumps({"text": [bounded(text)], "length": len(text)}),
                "dedupe_key": dedupe_key,
            }
        )
        return row_id is not None

    async def record_command(self, command: dict[str, Any], parsed: Generate) -> Recorded:
        """Log a slash command request; called before the ack, so an acknowledged request is never lost."""
        origin = Origin(
            source="slash_command",
            team_id=command.get("team_id", ""),
            channel_id=command.get("channel_id", ""),
            user_id=command.get("user_id", ""),
            dedupe_key=f"slash:{command.get('team_id', '')}:{command.get('trigger_id', '')}",
            response_url=command.get("response_url") or None,
            repeat_key=" ".join(str(command.get("text", "")).split()),
        )
        return await self.pipeline.record(origin, parsed)

    async def carry_on(self, recorded: Recorded) -> None:
        """Everything after the ack: announce, upload, submit and answer in the thread."""
        if recorded.row_id is not None:
            await self.pipeline.carry_on(recorded.row_id)

    async def status_text(self, task_id: str) -> str:
        return await reports.status_text(self.services.vod, self.log_db, task_id)

    async def history_text(self, command: dict[str, Any]) -> str:
        """`/aigc history`, read on the log's read threads while the event loop goes on acking."""
        return await self.log_db.read(
            lambda reader: reports.history_text(
                reader,
                team_id=command.get("team_id", ""),
                user_id=command.get("user_id", ""),
                team_domain=command.get("team_domain"),
            )
        )

    async def usage_text(self, command: dict[str, Any]) -> str:
        """`/aigc usage`, read as `history_text` is; where admins are named, only they see everyone's counts, the
        others their own."""
        user_id = str(command.get("user_id", ""))
        admins = self.workflows.admins
        return await self.log_db.read(
            lambda reader: reports.usage_text(
                reader,
                team_id=command.get("team_id", ""),
                prices=self.services.home.prices,
                currency=self.services.settings.aigc_bot_currency,
                asked_by=user_id if admins and user_id not in admins else None,
            )
        )

    async def open_form(self, trigger_id: str, command: dict[str, Any]) -> None:
        context = FormContext(channel_id=command.get("channel_id", ""), response_url=command.get("response_url"))
        presets = self.workflows.preset_names(command.get("team_id", ""))
        await self.services.slack.views_open(trigger_id=trigger_id, view=form_view("product", context, presets))

    # -- the form --------------------------------------------------------------------------------

    def read_form(self, view: dict[str, Any]) -> FormResult:
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

    async def switch_form_scene(self, body: dict[str, Any]) -> None:
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

    async def record_form(self, body: dict[str, Any], view: dict[str, Any], result: FormResult) -> Recorded:
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
        return await self.pipeline.record(origin, result.command)

    # -- message shortcut -------------------------------------------------------------------------

    async def open_form_from_message(self, shortcut: dict[str, Any]) -> str | None:
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

    # -- file shares: @mention or DM with images -----------------------------------------------------

    async def record_message_event(
        self, event: dict[str, Any], body: dict[str, Any], *, source: str
    ) -> Accepted | None:
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
                return Accepted(origin, reply=self.workflow_text(asked, workflow))
            parsed = parse_command(text, attached)
            if isinstance(parsed, Generate):
                parsed = self.workflows.apply(parsed, team_id=team_id, channel_id=channel_id)
        except CommandError as bad:
            problem = f"{not_images_note(not_images)}{bad}"
            # Keyed as a usable message would be: Slack's retries repeat the key.
            if not self.log_invalid(source, asked, problem, dedupe_key=origin.dedupe_key):
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

    async def answer(self, accepted: Accepted | None) -> None:
        """After the ack: say what needs saying in the thread, then carry the logged request on."""
        if accepted is None:
            return
        if accepted.reply:
            await self.services.slack.chat_postMessage(
                channel=accepted.origin.channel_id, thread_ts=accepted.origin.thread_ts, text=accepted.reply
            )
        if accepted.recorded is not None:
            await self.carry_on(accepted.recorded)

    # -- buttons under a result -------------------------------------------------------------------------

    async def refresh(self, body: dict[str, Any]) -> str:
        row = self._row_of_action(body)
        if row is None or not row.get("task_id"):
            return wording.slack.NO_SUCH_REQUEST
        if row["status"] == Status.SUBMITTED:
            # A finished task found here is delivered by the follower at once instead of at its next check.
            self.log_db.update(int(row["id"]), follow_next_at=iso(utc_now()))
            self.services.follower.wake()
        return await self.status_text(str(row["task_id"]))

    async def record_run_again(self, body: dict[str, Any]) -> Accepted | str:
        """Log a second run of a logged request, before the ack; a string, for the clicker only, says why there is
        none."""
        row = self._row_of_action(body)
        if row is None:
            return wording.slack.NO_SUCH_REQUEST
        if not row.get("scene") or not row.get("channel_id"):
            # Buttons are drawn only under results of requests from Slack; this click names some other row.
            return wording.slack.NOT_A_SLACK_REQUEST
        action = (body.get("actions") or [{}])[0]
        logged_team, logged_user = row["team_id"], row["user_id"]
        # Every request that reaches Tencent is logged with the workspace and person it came from (the pipeline's
        # Origin, or a batch's Place), and only those get a Run again button.
        assert logged_team is not None and logged_user is not None, f"request {row['id']} was logged without a sender"
        team_id = (body.get("team") or {}).get("id", logged_team)
        origin = Origin(
            source="rerun",
            team_id=team_id,
            channel_id=_asked_in(row),
            user_id=(body.get("user") or {}).get("id", logged_user),
            dedupe_key=f"rerun:{team_id}:{row['id']}:{action.get('action_ts', '')}",
            thread_ts=row.get("thread_ts"),
            repeat_key=f"rerun:{row['id']}",
            rerun_of=int(row["id"]),
        )
        recorded = await self.pipeline.record(origin, command_from_row(row))
        # A double click concerns the clicker alone: the note goes to them, not into the thread.
        return wording.slack.REPEAT_NOTE if recorded.repeat else Accepted(origin, recorded=recorded)

    async def open_form_from_result(self, body: dict[str, Any]) -> str | None:
        """Open the form with a result's image as its input; otherwise the sentence saying why not."""
        action = (body.get("actions") or [{}])[0]
        reference = reference_of_action(action)
        row = self.log_db.get(reference[0]) if reference else None
        if reference is None or row is None:
            return wording.slack.NO_SUCH_REQUEST
        team_id = str((body.get("team") or {}).get("id") or row.get("team_id") or "")
        asked_in = _asked_in(row)
        origin = Origin(
            source="modal",
            team_id=team_id,
            channel_id=asked_in,
            user_id=str((body.get("user") or {}).get("id", "")),
            dedupe_key=f"use:{team_id}:{row['id']}:{action.get('action_ts', '')}",
        )
        if self.pipeline.guard is not None:
            refusal = await self.pipeline.guard(origin, command_from_row(row))
            if refusal is not None:
                return f":no_entry: {refusal}"
        usable = usable_output(row, reference[1], utc_now())
        if isinstance(usable, str):
            return usable
        context = FormContext(
            channel_id=asked_in,
            thread_ts=row.get("thread_ts"),
            response_url=body.get("response_url") or None,
            links=[usable.ref],
            derived_from=int(row["id"]),
        )
        view = form_view("product", context, self.workflows.preset_names(team_id))
        if len(view["private_metadata"]) > MAX_PRIVATE_METADATA:
            return wording.slack.IMAGE_ADDRESS_TOO_LONG_FOR_FORM
        await self.services.slack.views_open(trigger_id=body["trigger_id"], view=view)
        return None

    def _row_of_action(self, body: dict[str, Any]) -> RequestRow | None:
        action = (body.get("actions") or [{}])[0]
        value = str(action.get("value", ""))
        return self.log_db.get(int(value)) if value.isdigit() else None


def _asked_in(row: RequestRow) -> str:
    """The channel of a request whose result carries buttons: the result, buttons included, was posted there."""
    channel_id = row["channel_id"]
    assert channel_id is not None, f"request {row['id']} has buttons under its result but no channel"
    return channel_id
