"""`/aigc …`: what it asks for, logging a request it makes, and the answers only the person who typed it sees."""

from __future__ import annotations

from typing import Any

from bot import wording
from bot.pipeline import Recorded
from bot.presets import Workflows
from bot.request import Origin
from bot.services import Services
from bot.slack import reports
from bot.slack.batch_text import BatchCancel, BatchCommand, BatchStatus, parse_batch_command
from bot.slack.command_text import Command, CommandError, Generate, parse_command
from bot.slack.messages import describe_spec, shown
from bot.slack.presets_text import WorkflowCommand, parse_workflow_command
from bot.slack.refs import without_credentials
from bot.store.db import Status, bounded, dumps


class SlashCommand:
    """Reads `/aigc …`, logs the request it makes or the input it cannot use, and writes its private answers."""

    def __init__(self, services: Services, workflows: Workflows) -> None:
        self.services = services
        self.log_db = services.log_db
        self.workflows = workflows

    def parse(self, command: dict[str, Any]) -> Command | WorkflowCommand | BatchCommand:
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

    async def record(self, command: dict[str, Any], parsed: Generate) -> Recorded:
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
        return await self.services.pipeline.record(origin, parsed)

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
