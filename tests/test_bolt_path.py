"""Every Slack request over HTTP goes through Bolt's own dispatch, middleware included, and is answered at ack().

Bolt returns each answer when its listener returns (process_before_response); the work after an ack
(uploading, submitting) is handed on and waits until Slack's waiting answers have left:
tests/test_slack_flows.py shows a command answered while Tencent takes seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from bot.config import Settings
from bot.services import build_services
from handlers.answering import Later
from handlers.app import BOLT_APP, bolt_request, create_bolt_app, create_web_app
from tests.conftest import SIGNING_SECRET, PNG_1x1, RunningBot, free_port, rows, wait_status
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.slack_signing import app_mention_event, event_callback_body, signed_headers, slash_command_body

FORM = "application/x-www-form-urlencoded"


def signed(body: bytes) -> dict[str, str]:
    return {"Content-Type": FORM, **signed_headers(SIGNING_SECRET, body)}


def test_a_global_middleware_added_with_app_use_sees_every_aigc_command(
    settings: Settings, slack: FakeSlack, vod: FakeVod
) -> None:
    seen: list[str] = []

    async def note_command(body: dict[str, Any], next_: Callable[[], Awaitable[None]]) -> None:
        seen.append(f"{body.get('command')} {body.get('text')}")
        await next_()

    async def scenario() -> list[httpx.Response]:
        web_app = create_web_app(build_services(settings))
        web_app[BOLT_APP].use(note_command)
        runner = web.AppRunner(web_app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                return [
                    await client.post("/slack/events", content=body, headers=signed(body))
                    for body in (slash_command_body("help"), slash_command_body("outpaint https://shop.example/a.png"))
                ]
        finally:
            await runner.cleanup()

    answers = asyncio.run(scenario())
    assert [answer.status_code for answer in answers] == [200, 200]
    assert "Working on" in answers[1].json()["text"]
    assert seen == ["/aigc help", "/aigc outpaint https://shop.example/a.png"]


def test_a_command_whose_text_says_payload_is_answered(bot: RunningBot, settings: Settings) -> None:
    # Bolt reads any form body containing "payload" as an interactive payload and finds no command in it.
    response = bot.command("product https://shop.example/payload-shot.png on white")
    assert response.status_code == 200
    assert "Working on" in response.json()["text"]
    row = wait_status(settings, "submitted")[0]
    assert row["prompt"] == "on white"


def test_every_answer_over_http_still_logs_before_it_leaves(bot: RunningBot, settings: Settings) -> None:
    answers = [bot.command(f"product https://shop.example/{n}.png studio", user_id=f"U{n}") for n in range(5)]
    assert all(answer.status_code == 200 for answer in answers)
    assert len(rows(settings)) == 5


async def dispatch_to(
    settings: Settings, listener: Callable[..., Awaitable[None]], after: float = 0.0
) -> tuple[int, str]:
    """A signed `/broken` command through the bot's Bolt app, given one more listener that breaks."""
    services = build_services(settings)
    app, _ = create_bolt_app(services)
    app.command("/broken")(listener)
    body = slash_command_body("anything", command="/broken")
    incoming = bolt_request(body.decode(), make_mocked_request("POST", "/slack/events", headers=signed(body)))
    try:
        answer = await app.async_dispatch(incoming)
        await asyncio.sleep(after)  # the listener may go on after the answer
    finally:
        await services.aclose()
    return answer.status, answer.body


def test_a_listener_failing_before_its_ack_answers_500_without_a_traceback(
    settings: Settings, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(ack: Any, command: dict[str, Any]) -> None:
        raise RuntimeError(f"cannot read {command['text']}")

    with caplog.at_level(logging.ERROR):
        status, body = asyncio.run(dispatch_to(settings, broken))
    assert status == 500 and "Traceback" not in body and "cannot read" not in body
    assert any("cannot read anything" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_work_handed_on_after_an_ack_that_fails_leaves_the_answer_and_is_logged(
    settings: Settings, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    async def the_work() -> None:
        raise RuntimeError("the work broke")

    async def broken(ack: Any, later: Later) -> None:
        await ack(text="on it")
        await later(the_work)

    with caplog.at_level(logging.ERROR):
        status, body = asyncio.run(dispatch_to(settings, broken, after=0.2))
    assert status == 200 and "on it" in body
    assert any("the work broke" in str(r.exc_info[1]) for r in caplog.records if r.exc_info)


def test_a_mention_is_logged_before_bolt_hands_back_its_answer(settings: Settings, slack: FakeSlack) -> None:
    # Bolt answers an event before its listener runs unless it processes before responding: a crash in
    # between would lose a mention Slack had been told was received.
    shared = slack.add_file("F900", PNG_1x1, "shoe.png", "image/png", "png")
    body = event_callback_body(app_mention_event("product on white", channel="C900", files=[shared]))

    async def scenario() -> tuple[int, list[dict[str, Any]]]:
        services = build_services(settings)
        app, _ = create_bolt_app(services)
        headers = {"Content-Type": "application/json", **signed_headers(SIGNING_SECRET, body)}
        incoming = bolt_request(body.decode(), make_mocked_request("POST", "/slack/events", headers=headers))
        try:
            answer = await app.async_dispatch(incoming)
            logged_by_then = rows(settings)  # nothing else has run on the loop since the answer came back
            await asyncio.sleep(0.2)
        finally:
            await services.aclose()
        return answer.status, logged_by_then

    status, logged = asyncio.run(scenario())
    assert status == 200
    assert [(row["source"], row["channel_id"], row["prompt"]) for row in logged] == [("file_share", "C900", "on white")]


def test_answers_of_a_burst_all_leave_before_the_work_after_their_acks(settings: Settings, slack: FakeSlack) -> None:
    order: list[str] = []

    async def note_work(user_id: str) -> None:
        order.append(f"work {user_id}")

    async def probe(ack: Any, command: dict[str, Any], later: Later) -> None:
        await ack()
        await later(note_work, command["user_id"])

    async def scenario() -> None:
        services = build_services(settings)
        app, registry = create_bolt_app(services)
        app.command("/probe")(probe)

        async def send(user_id: str) -> None:
            body = slash_command_body("x", command="/probe", user_id=user_id)
            request = make_mocked_request("POST", "/slack/events", headers=signed(body))
            with registry.answers.answering():  # as the HTTP and Socket Mode handlers count each request
                answer = await app.async_dispatch(bolt_request(body.decode(), request))
            order.append(f"answered {user_id}" if answer.status == 200 else "failed")

        try:
            await send("U0")  # Bolt asks Slack who the bot is at the first request only
            await asyncio.sleep(0.1)
            order.clear()
            for user_id in ("U1", "U2", "U3"):  # a burst: each arrives while the one before could be working
                await send(user_id)
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.1)
        finally:
            await services.aclose()

    asyncio.run(scenario())
    assert order == ["answered U1", "answered U2", "answered U3", "work U1", "work U2", "work U3"], order
