"""Slash commands over HTTP are answered without Bolt's dispatch, with the answer Bolt itself would give.

The bot's own listener still does the work; what is skipped is Bolt's per-request routing (see
handlers/registry.py). These tests hold the two ways to the same answers, and show what the short way fixes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qsl

import pytest
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.config import Settings
from bot.services import build_services
from handlers.app import create_bolt_app, shut_down
from tests.conftest import SIGNING_SECRET, RunningBot, rows, wait_status
from tests.fakes import FakeSlack
from tests.fakes.slack_signing import signed_headers, slash_command_body
from tests.test_ack_first import bolt_app

FORM = "application/x-www-form-urlencoded"

# One of each kind of answer /aigc gives before the work after its ack.
COMMANDS = [
    "help",
    "product https://shop.example/mug.png on a marble counter ratio=4:5",
    "product https://shop.example/mug.png ratio=7:3",
    "tryon https://shop.example/model.png",
    "",
    "history",
    "usage",
    "preset list",
    "defaults",
    "batch status",
    "status 1400000001-SceneAigcImage-abc",
]


def form_fields(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


@pytest.mark.parametrize("text", COMMANDS, ids=lambda text: text.split(" ")[0] or "form")
def test_the_direct_answer_is_the_answer_bolt_gives(settings: Settings, slack: FakeSlack, text: str) -> None:
    async def scenario() -> None:
        services = build_services(settings)
        bolt, registry = create_bolt_app(services)
        try:
            # Two people send the same command, so neither reads as the other's repeat.
            through_bolt = slash_command_body(text, user_id="U1", response_url=slack.response_url("bolt"))
            direct = slash_command_body(text, user_id="U2", response_url=slack.response_url("direct"))
            headers = {"content-type": FORM, **signed_headers(SIGNING_SECRET, through_bolt)}
            expected = await bolt.async_dispatch(AsyncBoltRequest(body=through_bolt.decode(), headers=headers))
            answer = await registry.answer_command(form_fields(direct))
            assert answer is not None
            assert (answer.status, answer.headers, answer.body) == (expected.status, expected.headers, expected.body)
        finally:
            await shut_down(registry, services, asyncio.get_running_loop().time() + 10)

    asyncio.run(scenario())


def test_a_command_whose_text_says_payload_is_answered(bot: RunningBot, settings: Settings) -> None:
    # Bolt reads any form body containing "payload" as an interactive payload and finds no command in it.
    response = bot.command("product https://shop.example/payload-shot.png on white")
    assert response.status_code == 200
    assert "Working on" in response.json()["text"]
    row = wait_status(settings, "submitted")[0]
    assert row["prompt"] == "on white"


def test_a_request_that_is_not_a_registered_command_is_left_to_bolt() -> None:
    _, registry = bolt_app()

    @registry.command("/aigc")
    async def listener(ack: Any) -> None:
        await ack()

    async def scenario() -> None:
        assert await registry.answer_command(form_fields(slash_command_body("help", command="/other"))) is None
        assert await registry.answer_command({"ssl_check": "1", "command": "/aigc", "token": "x"}) is None
        assert await registry.answer_command(form_fields(slash_command_body("help"))) is not None

    asyncio.run(scenario())


def test_a_listener_wanting_more_than_a_command_gives_is_left_to_bolt() -> None:
    _, registry = bolt_app()

    @registry.command("/aigc")
    async def listener(ack: Any, client: Any) -> None:
        await ack()

    assert asyncio.run(registry.answer_command(form_fields(slash_command_body("help")))) is None


def test_a_listener_failing_before_its_ack_answers_500_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    _, registry = bolt_app()

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any]) -> None:
        raise RuntimeError(f"cannot read {command['text']}")

    with caplog.at_level(logging.ERROR, logger="handlers.registry"):
        answer = asyncio.run(registry.answer_command(form_fields(slash_command_body("help"))))
    assert answer is not None and answer.status == 500 and answer.body == ""
    assert "cannot read help" in caplog.text


def test_the_listener_gets_the_arguments_bolt_would_give(settings: Settings) -> None:
    _, registry = bolt_app()
    seen: dict[str, Any] = {}

    @registry.command("/aigc")
    async def listener(ack: Any, command: dict[str, Any], body: dict[str, Any], respond: Any) -> None:
        seen.update(command=command, body=body, response_url=respond.response_url)
        await ack(text="ok")

    fields = form_fields(slash_command_body("product x", response_url="https://hooks.slack.test/r/1"))
    answer = asyncio.run(registry.answer_command(fields))
    assert answer is not None and answer.status == 200
    assert seen == {"command": fields, "body": fields, "response_url": "https://hooks.slack.test/r/1"}


def test_every_answer_over_http_still_logs_before_it_leaves(bot: RunningBot, settings: Settings) -> None:
    answers = [bot.command(f"product https://shop.example/{n}.png studio", user_id=f"U{n}") for n in range(5)]
    assert all(answer.status_code == 200 for answer in answers)
    assert len(rows(settings)) == 5
