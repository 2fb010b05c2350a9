"""Event mode: results arrive as SceneAigcImageCompleteEvents through PullEvents instead of polling each task."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.follow.delivery import Delivery
from bot.follow.lookups import LookUps
from bot.follow.worker import Part
from bot.store.db import Status
from bot.store.find import by_task_id
from bot.tencent.vod import VodClient, VodError, parse_scene_task

log = logging.getLogger(__name__)

COMPLETE_EVENT = "SceneAigcImageCompleteEvent"


@dataclass(kw_only=True, eq=False)
class EventMode(Part):
    vod: VodClient
    lookups: LookUps
    delivery: Delivery

    async def pull_once(self) -> int:
        """Take the completion events of our tasks, deliver them and confirm them; returns how many were delivered.

        Events of tasks this log does not know are left unconfirmed, for the consumer they belong to.
        """
        events = await self.vod.pull_events()
        handled: list[str] = []
        delivered = 0
        for event in events:
            if event.get("EventType") != COMPLETE_EVENT:
                continue
            detail = parse_scene_task(event.get(COMPLETE_EVENT) or {}, outer={"Status": "FINISH"})
            row = by_task_id(self.log_db, detail.task_id)
            if row is None:
                waiting = self.lookups.row_for(detail)
                if waiting is None:
                    continue
                row = self.lookups.record_task_id(waiting, detail.task_id, None)
            handled.append(str(event.get("EventHandle")))
            if row["status"] == Status.SUBMITTED and self.worker.take(
                int(row["id"]), (Status.SUBMITTED,), renew_own=True
            ):
                await self.delivery.deliver(row, detail)
                delivered += 1
        await self.vod.confirm_events(handled)
        return delivered

    async def run(self, idle: float = 2.0) -> None:
        """Pull events until stopped, delivering what was cut off and reporting look-ups that ran out of time."""
        self.worker.reclaim_abandoned()
        while not self.worker.stopping:
            self.delivery.start_redeliveries()
            self.lookups.start_expired_give_ups()
            try:
                await self.pull_once()
            except VodError as error:
                log.warning("PullEvents failed: %s", error.code)
            await self.worker.sleep(idle)
