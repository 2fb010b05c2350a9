"""Registers listeners with Bolt and remembers each one, so the manifest can be checked against them.

Listeners are plain module-level functions in the modules beside this one; each module has one
`register(registry)`. Bolt passes a listener what its parameters name (ack, body, command, respond, ...), and
a parameter named `surface` gets the bot's SlackSurface from Bolt's context, where `give_surface` puts it.
A test calls a listener with a recording ack and a surface of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext

from bot.slack_surface import SlackSurface

Listener = Callable[..., Awaitable[None]]
Decorator = Callable[[Listener], Listener]
# The context key, and so the listener parameter, through which listeners get the bot's side of Slack.
SURFACE = "surface"
# Bolt (process_before_response off, its default) runs a listener in a task of its own and looks for its ack
# every 10 ms (slack_bolt/listener/asyncio_runner.py); Slack's answer leaves at the first look after ack().
BOLT_ACK_LOOK_SECONDS = 0.01


async def answer_sent() -> None:
    """Return once Bolt has seen this listener's ack and sent Slack its answer.

    Work after an ack (uploading, submitting) waits for this, so the answers of requests acknowledged together
    all leave before any of their uploads takes the event loop. A request acknowledged later may still wait
    behind work already started.
    """
    await asyncio.sleep(BOLT_ACK_LOOK_SECONDS)


def give_surface(app: AsyncApp, surface: SlackSurface) -> None:
    """Put `surface` in every request's context, where Bolt finds it for a listener's `surface` parameter."""

    # Bolt passes a middleware what its parameters name; `next_` is its name for the rest of the chain.
    async def surface_in_context(context: AsyncBoltContext, next_: Callable[[], Awaitable[Any]]) -> None:
        context[SURFACE] = surface
        await next_()

    app.use(surface_in_context)


class Registry:
    """Bolt's own listener decorators, each also noting the (kind, key) the manifest must declare."""

    def __init__(self, app: AsyncApp) -> None:
        self.app = app
        self.registered: set[tuple[str, str]] = set()

    def _noted(self, kind: str, key: str, bolt_decorator: Callable[..., Any]) -> Decorator:
        self.registered.add((kind, key))

        def decorate(listener: Listener) -> Listener:
            bolt_decorator(listener)
            return listener

        return decorate

    def command(self, name: str) -> Decorator:
        return self._noted("command", name, self.app.command(name))

    def message_shortcut(self, callback_id: str) -> Decorator:
        return self._noted("message_shortcut", callback_id, self.app.message_shortcut(callback_id))

    def event(self, name: str, manifest_name: str | None = None) -> Decorator:
        return self._noted("event", manifest_name or name, self.app.event(name))

    def view(self, callback_id: str) -> Decorator:
        return self._noted("view", callback_id, self.app.view(callback_id))

    def action(self, action_id: str) -> Decorator:
        return self._noted("action", action_id, self.app.action(action_id))
