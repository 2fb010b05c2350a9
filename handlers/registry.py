"""Registers listeners with Bolt and remembers each one, so the manifest can be checked against them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

Listener = Callable[..., Any]


class Registry:
    def __init__(self, app: AsyncApp) -> None:
        self.app = app
        self.registered: set[tuple[str, str]] = set()

    def command(self, name: str) -> Callable[[Listener], Listener]:
        self.registered.add(("command", name))
        return self.app.command(name)  # type: ignore[return-value]

    def message_shortcut(self, callback_id: str) -> Callable[[Listener], Listener]:
        self.registered.add(("message_shortcut", callback_id))
        return self.app.message_shortcut(callback_id)  # type: ignore[return-value]

    def event(self, name: str, manifest_name: str | None = None) -> Callable[[Listener], Listener]:
        self.registered.add(("event", manifest_name or name))
        return self.app.event(name)  # type: ignore[return-value]

    def view(self, callback_id: str) -> Callable[[Listener], Listener]:
        self.registered.add(("view", callback_id))
        return self.app.view(callback_id)  # type: ignore[return-value]

    def action(self, action_id: str) -> Callable[[Listener], Listener]:
        self.registered.add(("action", action_id))
        return self.app.action(action_id)  # type: ignore[return-value]
