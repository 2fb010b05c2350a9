"""Registers listeners with Bolt and remembers each one, so the manifest can be checked against them.

Listeners are plain module-level functions in the modules beside this one; each module has one
`register(registry)`. Bolt passes a listener what its parameters name (ack, body, command, respond, ...), and
a parameter named `surface` gets the bot's SlackSurface from Bolt's context, where the registry puts it (a
listener calls the part for its surface, such as `surface.form`), and one named `later` gets
`AnswersFirst.later`, to which a listener hands everything after its ack. A test calls a listener with a
recording ack, a surface of its own and a `later` that runs the work at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.slack_surface import SlackSurface
from handlers.answering import AnswersFirst

Listener = Callable[..., Awaitable[None]]
Decorator = Callable[[Listener], Listener]
# The context keys, and so the listener parameters, through which listeners get the bot's side of Slack and
# the hand-off for their work after the ack.
SURFACE = "surface"
LATER = "later"


class _ListenersContext(AsyncMiddleware):
    """Puts `surface` and `later` in every request's context. A middleware class: Bolt calls it directly, where
    a middleware function would first have its parameters worked out from their names at every request."""

    def __init__(self, surface: SlackSurface, answers: AnswersFirst) -> None:
        self.surface = surface
        self.later = answers.later

    async def async_process(
        self, *, req: AsyncBoltRequest, resp: BoltResponse, next: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse:
        req.context[SURFACE] = self.surface
        req.context[LATER] = self.later
        return await next()


class Registry:
    """Bolt's own listener decorators, each also noting the (kind, key) the manifest must declare; `answers` is
    the count the app's HTTP and Socket Mode handlers keep of requests waiting for their answer. It puts `surface`
    and `later` in every request's context, where Bolt finds them for a listener's parameters."""

    def __init__(self, app: AsyncApp, answers: AnswersFirst, surface: SlackSurface) -> None:
        app.use(_ListenersContext(surface, answers))
        self.app = app
        self.answers = answers
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
