"""The Slack listeners, called as plain functions with a recording `ack`, over the loopback fakes.

What a person relies on: by the time Slack shows "Working on…" (the ack), the request is in the log with
everything needed to finish it, so a crash right after the ack loses nothing.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from bot.config import Settings
from bot.follow.delivery import REFRESH_ACTION, RUN_AGAIN_ACTION
from bot.services import Services, build_services
from bot.slack.batch_text import DROP_ACTION as BATCH_DROP_ACTION
from bot.slack.batch_text import FILE_BLOCK as BATCH_FORM_FILE
from bot.slack.batch_text import FORM_CALLBACK as BATCH_FORM_CALLBACK
from bot.slack.batch_text import SUBMIT_ACTION as BATCH_SUBMIT_ACTION
from bot.slack.modal import FORM_CALLBACK, SCENE_ACTION, FormContext
from bot.slack_surface import SlackSurface
from handlers import actions, commands, events, shortcuts, views
from tests.conftest import TEAM_ID, PNG_1x1, slack_argument
from tests.fakes import FakeSlack, FakeVod
from tests.fakes.slack_signing import (
    app_mention_event,
    block_actions_payload,
    button_action,
    channel_message,
    im_message_event,
    message_action_payload,
    slash_command_fields,
    static_select_action,
    view_submission_payload,
)

Listener = Callable[..., Any]


class Listeners:
    """Stands in for the registry: keeps each listener function exactly as the handler module wrote it."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, str], Listener] = {}

    def _keep(self, kind: str, key: str) -> Callable[[Listener], Listener]:
        def decorate(listener: Listener) -> Listener:
            self.by_key[(kind, key)] = listener
            return listener

        return decorate

    def command(self, name: str) -> Callable[[Listener], Listener]:
        return self._keep("command", name)

    def message_shortcut(self, callback_id: str) -> Callable[[Listener], Listener]:
        return self._keep("message_shortcut", callback_id)

    def event(self, name: str, manifest_name: str | None = None) -> Callable[[Listener], Listener]:
        return self._keep("event", manifest_name or name)

    def view(self, callback_id: str) -> Callable[[Listener], Listener]:
        return self._keep("view", callback_id)

    def action(self, action_id: str) -> Callable[[Listener], Listener]:
        return self._keep("action", action_id)


class RecordingAck:
    """An ack that notes what it was called with and what the log held at that moment."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.calls: list[dict[str, Any]] = []
        self.rows_at_ack: list[dict[str, Any]] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)
        self.rows_at_ack = self.services.log_db.query("SELECT * FROM requests ORDER BY id")


class RecordingRespond:
    def __init__(self) -> None:
        self.texts: list[str] = []

    async def __call__(self, **kwargs: Any) -> None:
        self.texts.append(str(kwargs.get("text", "")))


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """One event loop for the whole test, as in the running bot: its HTTP connections live on it."""
    running = asyncio.new_event_loop()
    yield running
    running.close()


@pytest.fixture
def services(settings: Settings, loop: asyncio.AbstractEventLoop) -> Iterator[Services]:
    built = build_services(settings)
    yield built
    loop.run_until_complete(built.aclose())


@pytest.fixture
def listeners(services: Services) -> Listeners:
    """Each module-level listener, given a surface of its own as the registry would give it."""
    kept = Listeners()
    for module in (commands, shortcuts, events, views, actions):
        module.register(kept)  # type: ignore[arg-type]
    surface = SlackSurface(services)
    kept.by_key = {
        key: functools.partial(listener, surface=surface, later=at_once) for key, listener in kept.by_key.items()
    }
    return kept


async def at_once(work: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """The listeners' `later`, here running the work after the ack at once, so a test sees its end."""
    await work(*args, **kwargs)


def rows(services: Services) -> list[dict[str, Any]]:
    return services.log_db.query("SELECT * FROM requests ORDER BY id")


def slack_connect_stub(file_id: str) -> dict[str, Any]:
    """How Slack sends a file shared from another organisation: an id and a hint to call files.info."""
    return {"id": file_id, "mode": "file_access", "file_access": "check_file_info", "created": 0, "user": "U300"}


def test_a_slash_command_is_logged_with_where_to_answer_before_the_ack(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack, vod: FakeVod
) -> None:
    ack = RecordingAck(services)
    payload = slash_command_fields(
        "outpaint https://shop.example/banner.png ratio=16:9", response_url=slack.response_url("cmd")
    )
    loop.run_until_complete(
        listeners.by_key[("command", "/aigc")](ack=ack, command=payload, respond=RecordingRespond())
    )

    assert "Working on" in ack.calls[0]["text"]
    [row] = ack.rows_at_ack
    assert row["status"] == "received" and row["scene"] == "outpaint"
    assert (row["channel_id"], row["user_id"], row["response_url"]) == (
        payload["channel_id"],
        payload["user_id"],
        slack.response_url("cmd"),
    )
    assert json.loads(row["inputs_json"])["images"] == ["url:https://shop.example/banner.png"]
    assert json.loads(row["options_json"]) == {"ratio": "16:9"}
    # After the ack the same listener carried the row on to Tencent.
    assert rows(services)[0]["status"] == "submitted" and len(vod.calls("CreateSceneAigcImageTask")) == 1


def test_the_same_command_twice_in_a_row_is_answered_at_the_ack_and_logged_once(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, vod: FakeVod
) -> None:
    aigc = listeners.by_key[("command", "/aigc")]
    first, second = RecordingAck(services), RecordingAck(services)
    text = "outpaint https://shop.example/banner.png"
    loop.run_until_complete(aigc(ack=first, command=slash_command_fields(text), respond=RecordingRespond()))
    loop.run_until_complete(aigc(ack=second, command=slash_command_fields(text), respond=RecordingRespond()))
    assert "same request a few seconds ago" in second.calls[0]["text"]
    assert len(rows(services)) == 1 and len(vod.calls("CreateSceneAigcImageTask")) == 1


def test_a_form_submission_is_logged_with_its_files_before_the_form_closes(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack, vod: FakeVod
) -> None:
    shared = slack.add_file("F700", PNG_1x1, "mug.png", "image/png", "png")
    payload = view_submission_payload(
        callback_id=FORM_CALLBACK,
        values={
            "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "outpaint"}}},
            "images": {"files": {"type": "file_input", "files": [shared]}},
        },
        private_metadata=FormContext(channel_id="C700").dump(),
    )
    ack = RecordingAck(services)
    loop.run_until_complete(listeners.by_key[("view", FORM_CALLBACK)](ack=ack, body=payload, view=payload["view"]))

    [row] = ack.rows_at_ack
    assert (row["status"], row["source"], row["channel_id"]) == ("received", "modal", "C700")
    kept = json.loads(row["slack_files_json"])["F700"]
    assert kept["url_private_download"] == shared["url_private_download"] and "name" in kept
    assert rows(services)[0]["status"] == "submitted"


@pytest.mark.parametrize("where", ["mention", "dm"])
def test_a_slack_connect_file_is_looked_up_then_used(
    loop: asyncio.AbstractEventLoop,
    where: str,
    services: Services,
    listeners: Listeners,
    slack: FakeSlack,
    vod: FakeVod,
) -> None:
    slack.add_file("F710", PNG_1x1, "partner-bag.png", "image/png", "png")
    if where == "mention":
        event = app_mention_event("product on marble", channel="C710", files=[slack_connect_stub("F710")])
        listener = listeners.by_key[("event", "app_mention")]
    else:
        event = im_message_event("product on marble", channel="D710", files=[slack_connect_stub("F710")])
        listener = listeners.by_key[("event", "message.im")]
    ack = RecordingAck(services)
    loop.run_until_complete(listener(ack=ack, event=event, body={"team_id": TEAM_ID, "event": event}))

    [row] = ack.rows_at_ack
    assert row["status"] == "received" and json.loads(row["inputs_json"])["images"] == ["slack:F710"]
    assert [c["file"] for c in slack.calls_to("files.info")] == ["F710"]
    done = rows(services)[0]
    assert done["status"] == "submitted", done["error_message"]
    assert "F710" in "".join(slack.downloads)


def test_a_slack_connect_file_that_is_not_an_image_is_named_with_its_real_name_and_type(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack, vod: FakeVod
) -> None:
    pdf = slack.add_file("F720", b"%PDF-1.7\n", "price-list.pdf", "application/pdf", "pdf")
    event = app_mention_event("product on marble", channel="C720", files=[slack_connect_stub("F720")])
    loop.run_until_complete(
        listeners.by_key[("event", "app_mention")](
            ack=RecordingAck(services), event=event, body={"team_id": TEAM_ID, "event": event}
        )
    )
    row = rows(services)[0]
    expected = f"price-list.pdf is a {pdf['pretty_type']} file (application/pdf), not an image"
    assert row["status"] == "invalid" and row["error_message"].startswith(expected)
    replies = [c["text"] for c in slack.calls_to("chat.postMessage") if c.get("thread_ts") == event["ts"]]
    assert any(expected in reply for reply in replies)
    assert vod.calls("CreateSceneAigcImageTask") == [] and "F720" not in "".join(slack.downloads)


def test_the_message_shortcut_looks_up_slack_connect_files_before_saying_there_are_no_images(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    slack.add_file("F730", PNG_1x1, "partner-shoe.png", "image/png", "png")
    message = channel_message("new shoe", files=[slack_connect_stub("F730")])
    payload = message_action_payload(callback_id="aigc_from_message", message=message)
    respond = RecordingRespond()
    loop.run_until_complete(
        listeners.by_key[("message_shortcut", "aigc_from_message")](
            ack=RecordingAck(services), shortcut=payload, respond=respond
        )
    )
    assert respond.texts == []
    [opened] = slack.calls_to("views.open")
    assert "partner-shoe.png" in json.dumps(opened["view"])


def test_run_again_is_logged_before_the_ack(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, vod: FakeVod
) -> None:
    loop.run_until_complete(
        listeners.by_key[("command", "/aigc")](
            ack=RecordingAck(services),
            command=slash_command_fields("outpaint https://shop.example/banner.png"),
            respond=RecordingRespond(),
        )
    )
    first = rows(services)[0]
    ack = RecordingAck(services)
    body = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": "U100"},
        "actions": [{"action_id": "aigc_run_again", "value": str(first["id"]), "action_ts": "1700000900.1"}],
    }
    loop.run_until_complete(
        listeners.by_key[("action", "aigc_run_again")](ack=ack, body=body, respond=RecordingRespond())
    )
    assert [(r["source"], r["rerun_of"], r["status"]) for r in ack.rows_at_ack[1:]] == [
        ("rerun", first["id"], "received")
    ]
    assert len(vod.calls("CreateSceneAigcImageTask")) == 2


@pytest.mark.parametrize(
    "text",
    ["product https://shop.example/a.png " + "very " * 400_000, "x" * 2_000_000 + " https://shop.example/a.png"],
    ids=["2 MB prompt", "2 MB scene word"],
)
def test_megabytes_of_unusable_input_are_logged_and_answered_in_a_few_kilobytes(
    loop: asyncio.AbstractEventLoop, text: str, services: Services, listeners: Listeners, vod: FakeVod
) -> None:
    ack = RecordingAck(services)
    loop.run_until_complete(
        listeners.by_key[("command", "/aigc")](ack=ack, command=slash_command_fields(text), respond=RecordingRespond())
    )
    [row] = rows(services)
    assert row["status"] == "invalid"
    stored = len(row["inputs_json"]) + len(row["error_message"])
    assert stored < 12_000, stored
    assert json.loads(row["inputs_json"])["length"] == len(text)
    assert len(ack.calls[0]["text"]) < 2_000
    assert vod.calls("CreateSceneAigcImageTask") == []


def test_the_same_command_twice_at_the_same_moment_is_still_logged_once(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, vod: FakeVod
) -> None:
    aigc = listeners.by_key[("command", "/aigc")]
    acks = [RecordingAck(services), RecordingAck(services)]
    text = "outpaint https://shop.example/banner.png"

    async def both() -> None:
        await asyncio.gather(
            *(aigc(ack=ack, command=slash_command_fields(text), respond=RecordingRespond()) for ack in acks)
        )

    loop.run_until_complete(both())
    notes = sorted(str(ack.calls[0]["text"]) for ack in acks)
    assert "Working on" in notes[0] and "same request a few seconds ago" in notes[1]
    assert len(rows(services)) == 1 and len(vod.calls("CreateSceneAigcImageTask")) == 1


def test_use_this_image_acks_before_it_opens_the_form_with_the_image(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    image = "https://vod.example/outputs/task-1/0.png"
    row_id = services.log_db.claim(
        {"source": "slash_command", "channel_id": "C740", "user_id": "U100", "scene": "product"}
    )
    assert row_id is not None
    services.log_db.update(
        row_id, status="done", task_id="task-1", output_json=json.dumps([{"url": image, "storage_mode": "Temporary"}])
    )
    forms_at_ack: list[int] = []

    class AckBeforeForm(RecordingAck):
        async def __call__(self, **kwargs: Any) -> None:
            forms_at_ack.append(len(slack.calls_to("views.open")))
            await super().__call__(**kwargs)

    ack, respond = AckBeforeForm(services), RecordingRespond()
    body = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": "U100"},
        "trigger_id": "trig-use",
        "actions": [{"action_id": "aigc_use_result", "value": f"{row_id}:1", "action_ts": "1700000950.1"}],
    }
    loop.run_until_complete(listeners.by_key[("action", "aigc_use_result")](ack=ack, body=body, respond=respond))

    assert ack.calls == [{}] and forms_at_ack == [0] and respond.texts == []
    [opened] = slack.calls_to("views.open")
    view = slack_argument(opened["view"])
    assert opened["trigger_id"] == "trig-use" and image in json.dumps(view["blocks"])
    assert FormContext.load(view["private_metadata"]).derived_from == row_id


# Every listener the handler modules register has at least one test in this module.
TESTED_HERE = {
    ("command", "/aigc"),
    ("message_shortcut", "aigc_from_message"),
    ("event", "app_mention"),
    ("event", "message.im"),
    ("event", "app_home_opened"),
    ("view", FORM_CALLBACK),
    ("action", SCENE_ACTION),
    ("action", REFRESH_ACTION),
    ("action", RUN_AGAIN_ACTION),
    ("action", "aigc_use_result"),
    ("view", BATCH_FORM_CALLBACK),
    ("action", BATCH_SUBMIT_ACTION),
    ("action", BATCH_DROP_ACTION),
}


def test_every_registered_listener_is_tested_here(listeners: Listeners) -> None:
    assert set(listeners.by_key) == TESTED_HERE


def test_help_is_the_ack_itself_and_an_empty_command_opens_the_form(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    aigc = listeners.by_key[("command", "/aigc")]
    helped = RecordingAck(services)
    loop.run_until_complete(aigc(ack=helped, command=slash_command_fields("help"), respond=RecordingRespond()))
    assert "/aigc tryon" in helped.calls[0]["text"]
    assert slack.calls_to("views.open") == []

    opened = RecordingAck(services)
    payload = slash_command_fields("", channel_id="C750")
    loop.run_until_complete(aigc(ack=opened, command=payload, respond=RecordingRespond()))
    assert opened.calls == [{}]
    [form] = slack.calls_to("views.open")
    assert form["trigger_id"] == payload["trigger_id"]
    assert FormContext.load(slack_argument(form["view"])["private_metadata"]).channel_id == "C750"
    assert rows(services) == []


def test_a_channel_message_that_is_not_a_dm_is_acknowledged_and_ignored(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    event = {**channel_message("product on marble"), "channel_type": "channel", "channel": "C760"}
    ack = RecordingAck(services)
    loop.run_until_complete(
        listeners.by_key[("event", "message.im")](ack=ack, event=event, body={"team_id": TEAM_ID, "event": event})
    )
    assert ack.calls == [{}]
    assert rows(services) == [] and slack.calls_to("chat.postMessage") == []


def test_choosing_a_scene_redraws_the_open_form_for_that_scene(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    context = FormContext(channel_id="C770", thread_ts="1700000770.000100")
    view = {"id": "V770", "hash": "h-770", "callback_id": FORM_CALLBACK, "private_metadata": context.dump()}
    body = block_actions_payload(actions=[static_select_action(SCENE_ACTION, "tryon", block_id="scene")], view=view)
    ack = RecordingAck(services)
    loop.run_until_complete(listeners.by_key[("action", SCENE_ACTION)](ack=ack, body=body))

    assert ack.calls == [{}]
    [update] = slack.calls_to("views.update")
    assert (update["view_id"], update["hash"]) == ("V770", "h-770")
    redrawn = slack_argument(update["view"])
    assert {"images", "clothes", "model"} <= {b.get("block_id") for b in redrawn["blocks"]}
    assert FormContext.load(redrawn["private_metadata"]) == context


def test_refresh_answers_the_clicker_with_the_status_and_makes_the_task_due_now(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners
) -> None:
    loop.run_until_complete(
        listeners.by_key[("command", "/aigc")](
            ack=RecordingAck(services),
            command=slash_command_fields("outpaint https://shop.example/banner.png"),
            respond=RecordingRespond(),
        )
    )
    [row] = rows(services)
    assert row["status"] == "submitted" and row["follow_next_at"]
    refresh = listeners.by_key[("action", REFRESH_ACTION)]
    ack, respond = RecordingAck(services), RecordingRespond()
    body = block_actions_payload(actions=[button_action(REFRESH_ACTION, str(row["id"]))])
    loop.run_until_complete(refresh(ack=ack, body=body, respond=respond))

    assert ack.calls == [{}]
    assert len(respond.texts) == 1 and row["task_id"] in respond.texts[0]
    assert rows(services)[0]["follow_next_at"] < row["follow_next_at"]  # checked now, not at its planned time

    unknown, answer = block_actions_payload(actions=[button_action(REFRESH_ACTION, "999")]), RecordingRespond()
    loop.run_until_complete(refresh(ack=RecordingAck(services), body=unknown, respond=answer))
    assert answer.texts == ["I can't find that request in my log."]


def test_opening_the_home_tab_publishes_the_persons_home_and_the_messages_tab_does_not(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    home_opened = listeners.by_key[("event", "app_home_opened")]
    for tab, user in (("messages", "U780"), ("home", "U781")):
        event = {"type": "app_home_opened", "user": user, "channel": "D780", "tab": tab, "event_ts": "1700000780.1"}
        ack = RecordingAck(services)
        loop.run_until_complete(home_opened(ack=ack, event=event, body={"team_id": TEAM_ID, "event": event}))
        assert ack.calls == [{}]
    assert [c["user_id"] for c in slack.calls_to("views.publish")] == ["U781"]


CATALOGUE = (
    b"scene,image,clothes,prompt,preset,ratio,count,resolution,model,negative\n"
    b"product,https://shop.example/mug.png,,on marble,,,,,,\n"
    b"outpaint,https://shop.example/banner.png,,,,16:9,,,,\n"
)


def batch_confirmation(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> tuple[dict[str, Any], str]:
    """`@aigc batch` with a two-row CSV: the confirmation message, and its Submit batch button's value."""
    shared = slack.add_file("FCSV1", CATALOGUE, "catalogue.csv", "text/csv", "csv")
    event = {"type": "app_mention", "user": "U100", "channel": "C100", "ts": "1700000900.000100"}
    event |= {"text": "<@UBOT> batch", "files": [shared]}
    ack = RecordingAck(services)
    loop.run_until_complete(listeners.by_key[("event", "app_mention")](ack=ack, event=event, body={"team_id": TEAM_ID}))
    assert ack.calls == [{}] and ack.rows_at_ack == []  # checking a file bills nothing, so nothing to log first
    [message] = [m for m in slack.messages if m.get("thread_ts") == event["ts"]]
    buttons = [e for b in message.get("blocks") or [] for e in b.get("elements") or []]
    return message, next(str(b["value"]) for b in buttons if b.get("action_id") == BATCH_SUBMIT_ACTION)


def test_submit_batch_has_every_row_in_the_log_when_slack_hears_back(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    message, batch_id = batch_confirmation(loop, services, listeners, slack)
    ack, respond = RecordingAck(services), RecordingRespond()
    body = block_actions_payload(actions=[button_action(BATCH_SUBMIT_ACTION, batch_id)], message=message)
    loop.run_until_complete(listeners.by_key[("action", BATCH_SUBMIT_ACTION)](ack=ack, body=body, respond=respond))

    assert ack.calls == [{}] and respond.texts == []
    assert [(r["source"], r["batch_id"], r["scene"]) for r in ack.rows_at_ack] == [
        ("batch", int(batch_id), "product"),
        ("batch", int(batch_id), "outpaint"),
    ]

    again = RecordingRespond()
    loop.run_until_complete(
        listeners.by_key[("action", BATCH_SUBMIT_ACTION)](ack=RecordingAck(services), body=body, respond=again)
    )
    assert len(again.texts) == 1 and len(rows(services)) == 2  # a second click submits nothing more


def test_discard_drops_a_checked_batch_and_an_unknown_one_is_named(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners, slack: FakeSlack
) -> None:
    message, batch_id = batch_confirmation(loop, services, listeners, slack)
    drop = listeners.by_key[("action", BATCH_DROP_ACTION)]
    ack, respond = RecordingAck(services), RecordingRespond()
    body = block_actions_payload(actions=[button_action(BATCH_DROP_ACTION, batch_id)], message=message)
    loop.run_until_complete(drop(ack=ack, body=body, respond=respond))
    assert ack.calls == [{}] and len(respond.texts) == 1 and rows(services) == []

    submit = block_actions_payload(actions=[button_action(BATCH_SUBMIT_ACTION, batch_id)], message=message)
    refused = RecordingRespond()
    loop.run_until_complete(
        listeners.by_key[("action", BATCH_SUBMIT_ACTION)](ack=RecordingAck(services), body=submit, respond=refused)
    )
    assert len(refused.texts) == 1 and rows(services) == []  # a dropped batch cannot be submitted

    unknown = RecordingRespond()
    bad = block_actions_payload(actions=[button_action(BATCH_DROP_ACTION, "not-a-batch")])
    loop.run_until_complete(drop(ack=RecordingAck(services), body=bad, respond=unknown))
    assert unknown.texts == ["No such batch."]


def test_the_batch_form_without_a_file_is_answered_in_the_form(
    loop: asyncio.AbstractEventLoop, services: Services, listeners: Listeners
) -> None:
    ack = RecordingAck(services)
    view = {"callback_id": BATCH_FORM_CALLBACK, "private_metadata": "{}", "state": {"values": {}}}
    loop.run_until_complete(listeners.by_key[("view", BATCH_FORM_CALLBACK)](ack=ack, body={}, view=view))
    assert ack.calls == [
        {"response_action": "errors", "errors": {BATCH_FORM_FILE: "Attach the catalogue as a CSV file."}}
    ]
