"""Registers listeners with Bolt and remembers each one, so the manifest can be checked against them.

Listeners are module-level functions in the modules beside this one. Bolt passes them what their parameters
name (ack, body, command, respond, ...); a parameter named `surface` gets the bot's SlackSurface from here, so
a test can call a listener with a recording ack and a surface of its own.

Every listener is registered "ack first": Bolt gets its HTTP response the moment the listener calls ack(),
and the rest of the listener's work goes on in a task of its own. Bolt's own way (process_before_response
off) polls for the ack every 10 ms, so under a burst each response waits for the poll and for every other
request's post-ack work. Here the response leaves as soon as the event loop is free.

Slash commands over HTTP can also be answered without Bolt's dispatch (`answer_command`). They are the
requests people send in bursts, and for each one Bolt builds a new Web API client, runs its middleware and
builds every listener argument it knows twice (once to match, once to call), over 50 µs a request. A slash
command needs none of that: the listener is called with Bolt's own `AsyncAck` and `AsyncRespond` and the
command's form fields, exactly the arguments Bolt would give it, and answers with the same bytes. Everything
else, and every request over Socket Mode, goes through Bolt. Global middleware added with `app.use` would
not see those commands; the app has none.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse

from bot.slack_surface import SlackSurface

log = logging.getLogger(__name__)

Listener = Callable[..., Coroutine[Any, Any, None]]
# The parameter through which a listener gets the bot's side of Slack (bot.slack_surface.SlackSurface).
SURFACE = "surface"
Decorator = Callable[[Listener], Listener]
# What a slash command listener may ask for and still be called without Bolt's dispatch: for a slash command,
# Bolt's `body`, `command` and `payload` are all the form fields.
DIRECT_COMMAND_ARGUMENTS = frozenset({"ack", "body", "command", "payload", "respond", SURFACE})


def _resume(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def _after_ready_work() -> None:
    """Resume only after everything the event loop has ready now, and the network events it finds next.

    A due timer joins the loop's queue behind callbacks already scheduled and behind new I/O, where a plain
    `sleep(0)` would resume ahead of them. Called twice after an ack, it lets this request's response, and
    every response made ready with it, be written before the work after the ack takes the loop.
    """
    loop = asyncio.get_running_loop()
    waiter: asyncio.Future[None] = loop.create_future()
    loop.call_later(0, _resume, waiter)
    await waiter


class Backlog:
    """Slack requests read but not yet answered.

    Work after an ack (posting, uploading, submitting) costs far more CPU than an ack. Under a burst it waits
    until every request already read has its answer, so no one's ack queues behind someone else's upload;
    never longer than `MAX_DEFER_SECONDS`, so a steady stream of requests cannot starve the work.

    Waiting costs one future per waiter and one timer per wave of waiters, not a task and a timer each: under
    a burst those would run on the event loop between the answers they are meant to wait for.

    Python's cyclic garbage collector waits too. A burst keeps every open request's objects alive, so each
    collection during it walks all of them again, a few milliseconds per burst that Slack would wait for.
    It is paused when the first request opens and resumed when the last one has its answer, or after
    `MAX_DEFER_SECONDS` under a steady stream; reference counting still frees everything else at once.
    """

    MAX_DEFER_SECONDS = 1.0

    def __init__(self) -> None:
        self._open = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._deadline: asyncio.TimerHandle | None = None
        # Set while this backlog holds the garbage collector paused: the timer that resumes it at the latest.
        self._collector_paused: asyncio.TimerHandle | None = None

    @property
    def busy(self) -> bool:
        """True while some request read is still without its answer."""
        return self._open > 0

    def answering(self) -> Backlog:
        """Around the handling of one request, from reading it to having its response: `with backlog.answering()`."""
        return self

    def __enter__(self) -> None:
        self._open += 1
        if self._open == 1:
            self._pause_collector()

    def __exit__(self, *exc: object) -> None:
        self._open -= 1
        if not self._open:
            self._release()
            self._resume_collector()

    def _pause_collector(self) -> None:
        if not gc.isenabled():
            return  # turned off elsewhere: not ours to turn back on
        gc.disable()
        loop = asyncio.get_running_loop()
        self._collector_paused = loop.call_later(self.MAX_DEFER_SECONDS, self._resume_collector)

    def _resume_collector(self) -> None:
        if self._collector_paused is not None:
            self._collector_paused.cancel()
            self._collector_paused = None
            gc.enable()

    def _release(self) -> None:
        waiters, self._waiters = self._waiters, []
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def drained(self) -> None:
        """Return once no request is waiting for its answer, or after `MAX_DEFER_SECONDS` at most."""
        if not self._open:
            return
        loop = asyncio.get_running_loop()
        if self._deadline is None:
            # Shared by every waiter that comes before the release: none of them waits longer than its own limit.
            self._deadline = loop.call_later(self.MAX_DEFER_SECONDS, self._release)
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        await waiter


class SignallingAck:
    """Bolt's ack, which also tells the registry that the response may go."""

    def __init__(self, ack: Callable[..., Awaitable[Any]], backlog: Backlog) -> None:
        self._ack = ack
        self._backlog = backlog
        # True once ack() was called; False if the listener ended without calling it.
        self.called: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    async def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            answer = await self._ack(*args, **kwargs)
        finally:
            if not self.called.done():
                self.called.set_result(True)
        if self._backlog.busy:
            # Over HTTP this request is one of those open, so the wait ends only after its answer, and every
            # other answer made ready with it, has left.
            await self._backlog.drained()
        else:
            await _after_ready_work()
            await _after_ready_work()
        return answer


class Registry:
    def __init__(self, app: AsyncApp, surface: SlackSurface | None = None) -> None:
        self.app = app
        self.surface = surface
        self.registered: set[tuple[str, str]] = set()
        self.backlog = Backlog()
        self._background: set[asyncio.Task[None]] = set()
        # Slash command name -> its ack-first listener and the arguments it takes, for `answer_command`.
        self._direct_commands: dict[str, tuple[Listener, frozenset[str]]] = {}

    def _ack_first(self, listener: Listener) -> Listener:
        name = getattr(listener, "__name__", "listener")
        signature = inspect.signature(listener)
        if "ack" not in signature.parameters:
            raise TypeError(f"listener {name} must take `ack`: Slack's answer is sent when it is called")
        takes_surface = SURFACE in signature.parameters
        if takes_surface and self.surface is None:
            raise TypeError(f"listener {name} takes `{SURFACE}`, and this registry has none to give")

        def finished(task: asyncio.Task[None], ack: SignallingAck) -> None:
            self._background.discard(task)
            if not ack.called.done():
                ack.called.set_result(False)  # ended without an ack: `run` hands the outcome to Bolt
                return
            if not task.cancelled() and (error := task.exception()) is not None:
                log.error("listener %s failed after acknowledging", name, exc_info=error)

        task_name = f"slack:{name}"
        given = {SURFACE: self.surface} if takes_surface else {}

        async def run(**kwargs: Any) -> None:
            ack = kwargs["ack"] = SignallingAck(kwargs["ack"], self.backlog)
            task = asyncio.create_task(listener(**kwargs, **given), name=task_name)
            self._background.add(task)  # the loop keeps only weak references to tasks
            task.add_done_callback(lambda done: finished(done, ack))
            if not await ack.called:
                task.result()

        functools.update_wrapper(run, listener)
        del run.__wrapped__  # type: ignore[attr-defined]
        # Bolt passes the arguments a listener's signature names; the surface is the registry's to pass.
        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[parameter for name, parameter in signature.parameters.items() if name != SURFACE]
        )
        return run

    async def drain(self, timeout: float) -> None:
        """Wait, up to `timeout` seconds, for listener work still running after its ack."""
        pending = {task for task in self._background if not task.done()}
        if pending:
            await asyncio.wait(pending, timeout=timeout)

    async def cut_off(self) -> int:
        """Cancel listener work still running after a drain; returns how many were cut off.

        A request cut off keeps its logged state and is resumed at the next start, which is better than letting
        it run on against clients that are about to close and then recording it as failed.
        """
        pending = [task for task in self._background if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=1.0)
        return len(pending)

    async def answer_command(self, fields: dict[str, str]) -> BoltResponse | None:
        """Answer a slash command from its form fields without Bolt's dispatch, as Bolt itself would answer it.

        :param fields: the decoded form fields of a request whose signature was already checked.
        :return: Bolt's response, ready once the listener has called ack(); None when `fields` is not a slash
            command registered for direct answers (the caller then hands the request to Bolt).
        """
        direct = self._direct_commands.get(fields.get("command", ""))
        if direct is None or "ssl_check" in fields:
            return None
        listener, takes = direct
        client = self.app.client
        ack = AsyncAck()  # type: ignore[no-untyped-call]  # Bolt leaves its __init__ unannotated
        given: dict[str, Any] = {"ack": ack, "body": fields, "command": fields, "payload": fields}
        if "respond" in takes:
            given["respond"] = AsyncRespond(response_url=fields.get("response_url"), proxy=client.proxy, ssl=client.ssl)
        try:
            await listener(**{name: value for name, value in given.items() if name in takes})
        except Exception:
            # What Bolt does with a listener that fails before its ack: log it, and answer 500.
            log.exception("listener for %s failed before acknowledging", fields["command"])
            return BoltResponse(status=500, body="")
        if ack.response is None:
            log.error("listener for %s returned without calling ack()", fields["command"])
            return BoltResponse(status=500, body="")
        return ack.response

    def _register(
        self, kind: str, key: str, bolt_decorator: Callable[[Listener], Any], on_wrapped: Decorator | None = None
    ) -> Decorator:
        self.registered.add((kind, key))

        def decorate(listener: Listener) -> Listener:
            wrapped = self._ack_first(listener)
            bolt_decorator(wrapped)
            if on_wrapped is not None:
                on_wrapped(wrapped)
            return listener

        return decorate

    def command(self, name: str) -> Decorator:
        def answer_directly(wrapped: Listener) -> Listener:
            takes = frozenset(inspect.signature(wrapped).parameters)
            if takes <= DIRECT_COMMAND_ARGUMENTS:  # anything else is Bolt's to build
                self._direct_commands[name] = (wrapped, takes)
            return wrapped

        return self._register("command", name, self.app.command(name), answer_directly)

    def message_shortcut(self, callback_id: str) -> Decorator:
        return self._register("message_shortcut", callback_id, self.app.message_shortcut(callback_id))

    def event(self, name: str, manifest_name: str | None = None) -> Decorator:
        return self._register("event", manifest_name or name, self.app.event(name))

    def view(self, callback_id: str) -> Decorator:
        return self._register("view", callback_id, self.app.view(callback_id))

    def action(self, action_id: str) -> Decorator:
        return self._register("action", action_id, self.app.action(action_id))
