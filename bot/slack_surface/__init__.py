"""The bot's side of each Slack surface, given Slack's payloads as plain dicts; the listeners in handlers/ get
it as one `SlackSurface`, whose parts each serve one surface:

    slash           `/aigc …` (slash.py): reading it, logging its request, its private answers
    form            the /aigc form (form.py): opening it, redrawing it for a scene, reading and logging it
    messages        an @mention or a DM to the bot (message_events.py): logged before the ack
    result_buttons  the clicks under a result (buttons.py): Refresh, Run again, Use this image
    batch_buttons   the clicks under a checked batch (buttons.py): Submit batch, Discard
"""

from __future__ import annotations

from bot.config import Settings
from bot.pipeline import Recorded
from bot.presets import Workflows
from bot.services import Services
from bot.slack_surface.buttons import BatchButtons, ResultButtons
from bot.slack_surface.form import RequestForm
from bot.slack_surface.message_events import Accepted, MessageRequests
from bot.slack_surface.slash import SlashCommand
from bot.store.presets import PresetStore


class SlackSurface:
    """Each surface's part, built once over the services, and the work after the ack their listeners hand on."""

    def __init__(self, services: Services) -> None:
        self.services = services
        admins = Settings.id_list(services.settings.aigc_bot_admins)
        workflows = Workflows(PresetStore(services.log_db), admins)
        self.slash = SlashCommand(services, workflows)
        self.form = RequestForm(services, workflows)
        self.messages = MessageRequests(services.pipeline, self.slash)
        self.result_buttons = ResultButtons(services, workflows)
        self.batch_buttons = BatchButtons(services)

    async def carry_on(self, recorded: Recorded) -> None:
        """Everything after the ack: announce, upload, submit and answer in the thread."""
        if recorded.row_id is not None:
            await self.services.pipeline.carry_on(recorded.row_id)

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
