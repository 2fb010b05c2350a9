"""Listeners registered through the Registry answer Slack at ack(), before the work that follows it.

These drive a real Bolt AsyncApp with signed request bodies; the listeners are small stand-ins written for
the test, because what is under test is the registration, not a surface.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from handlers.app import _as_aiohttp
from handlers.registry import Registry
from tests.fakes.slack_signing import signed_headers, slash_command_body

SIGNING_SECRET = "0123456789abcdef0123456789abcdef"


def bolt_app() -> tuple[AsyncApp, Registry]:
    async def authorize(**_: Any) -> AuthorizeResult:
        # Stands in for Bolt's auth.test lookup, which would need a Slack API.
        return AuthorizeResult(enterprise_id=None, team_id="T0001", bot_token="xoxb-test", bot_user_id="UBOT")

    app = AsyncApp(signing_secret=SIGNING_SECRET, authorize=authorize, process_before_response=True)
    return app, Registry(app)


def slash(text: str) -> AsyncBoltRequest:
    body = slash_command_body(text, command="/aigc")
    headers = {"content-type": "application/x-www-form-urlencoded", **signed_headers(SIGNING_SECRET, body)}
    return AsyncBoltRequest(body=body.decode(), headers=headers)


def test_the_response_returns_at_ack_while_the_work_goes_on() -> None:
    app, registry = bolt_app()
    release = asyncio.Event()
    finished: list[str] = []

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any]) -> None:
        await ack(text=f"working on {command['text']}")
        await release.wait()
        finished.append(command["text"])

    async def scenario() -> None:
        response = await asyncio.wait_for(app.async_dispatch(slash("product shoes")), timeout=2)
        assert response.status == 200 and "working on product shoes" in response.body
        assert finished == []  # the answer went back while the work was still waiting
        release.set()
        await registry.drain(timeout=2)
        assert finished == ["product shoes"]

    asyncio.run(scenario())


def test_responses_made_ready_together_all_leave_before_work_after_ack_starts() -> None:
    app, registry = bolt_app()
    order: list[str] = []

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any]) -> None:
        await ack()
        order.append(f"work {command['text']}")
        time.sleep(0.05)  # work that holds the event loop, as a burst of SQLite writes would

    async def dispatch(text: str) -> None:
        await app.async_dispatch(slash(text))
        order.append(f"answered {text}")

    async def scenario() -> None:
        await asyncio.gather(*(dispatch(name) for name in ("a", "b", "c")))
        await registry.drain(timeout=2)

    asyncio.run(scenario())
    assert order[:3] == ["answered a", "answered b", "answered c"], order
    assert sorted(order[3:]) == ["work a", "work b", "work c"]


def test_over_http_work_after_an_ack_waits_until_every_open_request_has_its_answer() -> None:
    app, registry = bolt_app()
    order: list[str] = []

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any]) -> None:
        await ack()
        order.append(f"work {command['text']}")

    async def answer(text: str, delay: float) -> None:
        with registry.backlog.answering():  # as handlers/app.py does around each HTTP request
            await asyncio.sleep(delay)  # read later than the others
            await app.async_dispatch(slash(text))
            order.append(f"answered {text}")

    async def scenario() -> None:
        await asyncio.gather(*(answer(name, delay) for name, delay in (("a", 0), ("b", 0), ("c", 0.05))))
        await registry.drain(timeout=2)

    asyncio.run(scenario())
    assert order[:3] == ["answered a", "answered b", "answered c"], order
    assert sorted(order[3:]) == ["work a", "work b", "work c"]


def test_work_after_an_ack_waits_for_open_requests_no_longer_than_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    app, registry = bolt_app()
    monkeypatch.setattr(registry.backlog, "MAX_DEFER_SECONDS", 0.05)
    finished: list[float] = []

    @registry.command("/aigc")
    async def listener(ack: Any) -> None:
        await ack()
        finished.append(time.monotonic())

    async def scenario() -> float:
        with registry.backlog.answering():  # a request that never gets its answer
            began = time.monotonic()
            await app.async_dispatch(slash("product"))
            await registry.drain(timeout=2)
        return began

    began = asyncio.run(scenario())
    assert len(finished) == 1 and 0.04 <= finished[0] - began < 1.0


def test_garbage_collection_waits_while_requests_are_open_but_no_longer_than_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    backlog = Registry(bolt_app()[0]).backlog
    monkeypatch.setattr(backlog, "MAX_DEFER_SECONDS", 0.05)
    seen: list[bool] = []

    async def scenario() -> None:
        with backlog.answering():
            with backlog.answering():
                seen.append(gc.isenabled())
            seen.append(gc.isenabled())  # one request still open
        seen.append(gc.isenabled())  # all answered
        with backlog.answering():  # a request left open past the limit
            await asyncio.sleep(0.1)
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())

    assert gc.isenabled()
    asyncio.run(scenario())
    assert seen == [False, False, True, True, True]


def test_a_collector_turned_off_elsewhere_stays_off() -> None:
    backlog = Registry(bolt_app()[0]).backlog

    async def scenario() -> None:
        with backlog.answering():
            pass

    gc.disable()
    try:
        asyncio.run(scenario())
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_error_after_the_ack_is_logged_and_slack_still_gets_its_ack(caplog: pytest.LogCaptureFixture) -> None:
    app, registry = bolt_app()

    @registry.command("/aigc")
    async def listener(ack: Any) -> None:
        await ack(text="on it")
        raise RuntimeError("the work broke")

    async def scenario() -> int:
        response = await app.async_dispatch(slash("product"))
        await registry.drain(timeout=2)
        await asyncio.sleep(0)
        return response.status

    with caplog.at_level(logging.ERROR, logger="handlers.registry"):
        assert asyncio.run(scenario()) == 200
    assert any("failed after acknowledging" in r.getMessage() and r.exc_info for r in caplog.records)


def test_an_error_before_the_ack_reaches_bolt_as_a_failed_request() -> None:
    app, registry = bolt_app()

    @registry.command("/aigc")
    async def listener(ack: Any) -> None:
        raise ValueError("broken before answering")

    async def scenario() -> int:
        response = await app.async_dispatch(slash("product"))
        return response.status

    assert asyncio.run(scenario()) == 500


def test_a_listener_gets_bolts_arguments_by_name_and_the_registrys_surface() -> None:
    app, _ = bolt_app()
    surface = object()
    registry = Registry(app, surface)  # type: ignore[arg-type]
    seen: list[tuple[str, object]] = []

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any], surface: Any) -> None:
        await ack()
        seen.append((command["text"], surface))

    async def scenario() -> None:
        response = await asyncio.wait_for(app.async_dispatch(slash("outpaint banner")), timeout=2)
        assert response.status == 200
        await registry.drain(timeout=2)

    asyncio.run(scenario())
    assert seen == [("outpaint banner", surface)]


def test_a_listener_that_cannot_ack_is_refused_at_registration() -> None:
    _, registry = bolt_app()

    async def listener(command: dict[str, Any]) -> None:
        return None

    with pytest.raises(TypeError, match="must take `ack`"):
        registry.command("/aigc")(listener)

    async def wants_surface(ack: Any, surface: Any) -> None:
        await ack()

    with pytest.raises(TypeError, match="has none to give"):
        registry.command("/aigc")(wants_surface)


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 200, "body": {"text": "Working on it ✓", "response_type": "ephemeral"}},
        {"status": 200, "body": "Working on it"},
        {"status": 200, "body": ""},
        {"status": 404, "body": {"error": "unhandled request"}},
        {"status": 200, "body": {"response_action": "errors"}, "headers": {"X-Slack-No-Retry": "1"}},
        {"status": 200, "body": "<p>x</p>", "headers": {"content-type": "text/html; charset=utf-8"}},
        {"status": 302, "body": "", "headers": {"set-cookie": "state=1; Path=/", "location": "https://x.test/"}},
    ],
    ids=["json", "text", "empty", "not found", "extra header", "other type", "cookie"],
)
def test_an_answer_leaves_exactly_as_bolts_aiohttp_adapter_sends_it(answer: dict[str, Any]) -> None:
    async def sent(response: web.Response) -> tuple[int, dict[str, str], bytes]:
        await response.prepare(make_mocked_request("POST", "/slack/events"))
        headers = {name: value for name, value in response.headers.items() if name != "Date"}
        payload = response.body
        return response.status, headers, payload._value if payload is not None else b""

    async def both() -> tuple[Any, Any]:
        ours = await sent(await _as_aiohttp(BoltResponse(**answer)))
        bolts = await sent(await to_aiohttp_response(BoltResponse(**answer)))
        return ours, bolts

    ours, bolts = asyncio.run(both())
    assert ours == bolts
