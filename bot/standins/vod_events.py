"""The fake VOD's event queue: completion events waiting for PullEvents until ConfirmEvents takes them away."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.standins.vod_model import TencentError

MAX_EVENTS_PER_PULL = 16


class VodEventQueue:
    """Queued events by EventHandle; a pulled event stays hidden for the redelivery time, then is offered again."""

    def __init__(self, lock: threading.RLock) -> None:
        self.events: dict[str, dict[str, Any]] = {}
        self._hidden_until: dict[str, float] = {}
        self._changed = threading.Condition(lock)

    def add_completion(self, task_object: dict[str, Any]) -> None:
        """Queue a SceneAigcImageCompleteEvent, waking any PullEvents waiting for one."""
        handle = uuid.uuid4().hex
        with self._changed:
            self.events[handle] = {
                "EventHandle": handle,
                "EventType": "SceneAigcImageCompleteEvent",
                "SceneAigcImageCompleteEvent": task_object,
            }
            self._changed.notify_all()

    def pull(self, wait_seconds: float, redelivery_seconds: float, refresh: Callable[[], None]) -> dict[str, Any]:
        """PullEvents' answer: waits up to `wait_seconds` for an event; `refresh` queues any that came due."""
        deadline = time.monotonic() + wait_seconds
        with self._changed:
            while True:
                now = time.monotonic()
                refresh()
                visible = [e for h, e in self.events.items() if self._hidden_until.get(h, 0.0) <= now]
                events = visible[:MAX_EVENTS_PER_PULL]
                if events or now >= deadline:
                    break
                self._changed.wait(deadline - now)
            for event in events:
                self._hidden_until[event["EventHandle"]] = now + redelivery_seconds
            return {"EventSet": [json.loads(json.dumps(e)) for e in events]}

    def confirm(self, body: dict[str, Any]) -> dict[str, Any]:
        """ConfirmEvents' answer: the confirmed events are gone for good."""
        handles = body.get("EventHandles")
        if not isinstance(handles, list) or not handles:
            raise TencentError("MissingParameter", "EventHandles is required.")
        if len(handles) > MAX_EVENTS_PER_PULL:
            raise TencentError("InvalidParameterValue", "At most 16 EventHandles per call.")
        with self._changed:
            for handle in handles:
                self.events.pop(str(handle), None)
                self._hidden_until.pop(str(handle), None)
        return {}
