"""The buttons the bot draws: Refresh, Run again and Use this image under a result, Submit batch and Discard under
a checked batch."""

from __future__ import annotations

from typing import Any

from bot import wording
from bot.presets import Workflows
from bot.request import Origin, command_from_row
from bot.services import Services
from bot.slack import reports
from bot.slack.modal import MAX_PRIVATE_METADATA, FormContext, form_view
from bot.slack.use_result import reference_of_action, usable_output
from bot.slack_surface.message_events import Accepted
from bot.store.db import RequestRow, Status, iso, utc_now


def _clicked(body: dict[str, Any]) -> dict[str, Any]:
    """The action a click payload carries (Slack sends one per click)."""
    action: dict[str, Any] = (body.get("actions") or [{}])[0]
    return action


class ResultButtons:
    """The clicks under a delivered result: where its task stands, the same request again, its image as input."""

    def __init__(self, services: Services, workflows: Workflows) -> None:
        self.services = services
        self.log_db = services.log_db
        self.workflows = workflows

    async def refresh(self, body: dict[str, Any]) -> str:
        row = self._row_of_action(body)
        if row is None or not row.get("task_id"):
            return wording.slack.NO_SUCH_REQUEST
        if row["status"] == Status.SUBMITTED:
            # A finished task found here is delivered by the follower at once instead of at its next check.
            self.log_db.update(int(row["id"]), follow_next_at=iso(utc_now()))
            self.services.follower.wake()
        return await reports.status_text(self.services.vod, self.log_db, str(row["task_id"]))

    async def record_run_again(self, body: dict[str, Any]) -> Accepted | str:
        """Log a second run of a logged request, before the ack; a string, for the clicker only, says why there is
        none."""
        row = self._row_of_action(body)
        if row is None:
            return wording.slack.NO_SUCH_REQUEST
        if not row.get("scene") or not row.get("channel_id"):
            # Buttons are drawn only under results of requests from Slack; this click names some other row.
            return wording.slack.NOT_A_SLACK_REQUEST
        action = _clicked(body)
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
        recorded = await self.services.pipeline.record(origin, command_from_row(row))
        # A double click concerns the clicker alone: the note goes to them, not into the thread.
        return wording.slack.REPEAT_NOTE if recorded.repeat else Accepted(origin, recorded=recorded)

    async def open_form(self, body: dict[str, Any]) -> str | None:
        """Open the form with a result's image as its input; otherwise the sentence saying why not."""
        action = _clicked(body)
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
        guard = self.services.pipeline.guard
        if guard is not None:
            refusal = await guard(origin, command_from_row(row))
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
        value = str(_clicked(body).get("value", ""))
        return self.log_db.get(int(value)) if value.isdigit() else None


def _asked_in(row: RequestRow) -> str:
    """The channel of a request whose result carries buttons: the result, buttons included, was posted there."""
    channel_id = row["channel_id"]
    assert channel_id is not None, f"request {row['id']} has buttons under its result but no channel"
    return channel_id


class BatchButtons:
    """The clicks under a checked batch, read into calls on the batches."""

    def __init__(self, services: Services) -> None:
        self.services = services

    async def submit(self, body: dict[str, Any]) -> tuple[int | None, str | None]:
        """The Submit batch click: writes every row into the log. The batch's id, or why nothing was submitted."""
        value = str(_clicked(body).get("value", ""))
        if not value.isdigit():
            return None, wording.batches.NO_SUCH_BATCH_HERE
        container, message = body.get("container") or {}, body.get("message") or {}
        parent_ts = str(container.get("message_ts") or message.get("ts", ""))
        user_id = str((body.get("user") or {}).get("id", ""))
        problem = await self.services.batches.submit(int(value), user_id=user_id, parent_ts=parent_ts)
        return (None, problem) if problem is not None else (int(value), None)

    def drop(self, body: dict[str, Any]) -> tuple[bool, str]:
        """The Discard click under a checked batch: whether it was dropped, and what to tell the clicker."""
        value = str(_clicked(body).get("value", ""))
        if not value.isdigit():
            return False, wording.slack.NO_SUCH_BATCH
        return self.services.batches.drop(int(value), user_id=str((body.get("user") or {}).get("id", "")))
