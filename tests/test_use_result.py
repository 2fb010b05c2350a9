"""Building on a result: "Use this image" under a result opens the form with that image as the input."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from bot.follow.delivery import result_buttons
from bot.slack.modal import FormContext, form_view, read_submission
from bot.slack.refs import UrlRef
from bot.slack.use_result import USE_RESULT_ACTION, reference_of_action
from tests.conftest import RunningBot, make_settings, result_click, rows, wait_status, wait_until
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_slack_flows import CREATE, form_submission

# -- the control under a result ------------------------------------------------------------------------------


def _use_element(blocks: dict[str, Any]) -> dict[str, Any] | None:
    return next((e for e in blocks["elements"] if e["action_id"] == USE_RESULT_ACTION), None)


def test_one_image_gets_a_use_this_image_button_naming_the_row_and_the_image() -> None:
    blocks = result_buttons(42, image_count=1)
    assert [e["action_id"] for e in blocks["elements"]] == ["aigc_refresh", "aigc_run_again", "aigc_use_result"]
    button = _use_element(blocks)
    assert button is not None and button["type"] == "button"
    assert button["text"]["text"] == "Use this image"
    assert reference_of_action(button) == (42, 1)


def test_several_images_get_a_select_with_one_option_per_image() -> None:
    select = _use_element(result_buttons(7, image_count=3))
    assert select is not None and select["type"] == "static_select"
    assert [o["text"]["text"] for o in select["options"]] == ["Image 1", "Image 2", "Image 3"]
    picked = [reference_of_action({"selected_option": option}) for option in select["options"]]
    assert picked == [(7, 1), (7, 2), (7, 3)]
    # Block Kit's limits: a value is at most 2000 characters (it is a reference, never the image's URL).
    assert all(len(o["value"]) <= 2000 and "://" not in o["value"] for o in select["options"])
    assert len(result_buttons(7, image_count=10)["elements"]) <= 25


def test_a_result_without_images_has_no_use_this_image() -> None:
    assert _use_element(result_buttons(7)) is None
    assert _use_element(result_buttons(7, image_count=0)) is None


@pytest.mark.parametrize("value", ["", "12", "x:1", "12:0", "12:", ":1"])
def test_a_value_that_is_no_reference_names_nothing(value: str) -> None:
    assert reference_of_action({"value": value}) is None


def _form_values(scene: str, links: str) -> dict[str, Any]:
    return {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": scene}}},
        "links": {"value": {"type": "plain_text_input", "value": links}},
    }


def test_only_the_link_the_bot_filled_in_skips_the_reachability_check() -> None:
    context = FormContext(channel_id="C1", links=["http://127.0.0.1:9/outputs/t/0.png"], derived_from=3)
    kept = read_submission(_form_values("outpaint", "http://127.0.0.1:9/outputs/t/0.png"), context)
    assert kept.command is not None and kept.command.images == [UrlRef("http://127.0.0.1:9/outputs/t/0.png")]
    typed = read_submission(_form_values("outpaint", "http://10.0.0.7/a.png"), context)
    assert typed.command is None and "private or reserved address" in typed.errors["links"]


def test_the_form_opened_with_a_result_shows_it_and_does_not_insist_on_an_upload() -> None:
    view = form_view("tryon", FormContext(channel_id="C1", links=["3704211000509819"], derived_from=3))
    links = next(b for b in view["blocks"] if b.get("block_id") == "links")
    assert links["element"]["initial_value"] == "3704211000509819" and "model photo" in links["hint"]["text"]
    assert all(b["optional"] for b in view["blocks"] if b.get("block_id") in ("images", "clothes"))
    assert FormContext.load(view["private_metadata"]).derived_from == 3
    plain = form_view("tryon", FormContext(channel_id="C1"))
    assert not any(b.get("block_id") == "links" for b in plain["blocks"])


# -- through the running bot -----------------------------------------------------------------------------


def _blocks(call: dict[str, Any]) -> list[dict[str, Any]]:
    blocks = call.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else list(blocks)


def use_control(slack: FakeSlack, row: dict[str, Any]) -> dict[str, Any]:
    """The Use this image element posted under `row`'s result."""

    def posted() -> list[dict[str, Any]]:
        return [
            element
            for call in slack.calls_to("chat.postMessage")
            for block in _blocks(call)
            if block.get("block_id") == f"result-{row['id']}"
            for element in block["elements"]
            if element["action_id"] == USE_RESULT_ACTION
        ]

    return wait_until(posted, what="the Use this image control under the result")[0]


def opened_form(slack: FakeSlack, trigger_id: str) -> dict[str, Any]:
    def opened() -> list[dict[str, Any]]:
        return [c for c in slack.calls_to("views.open") if c.get("trigger_id") == trigger_id]

    view = wait_until(opened, what="the form opened by the click")[0]["view"]
    return view if isinstance(view, dict) else dict(json.loads(view))


def links_field(view: dict[str, Any]) -> str:
    block = next(b for b in view["blocks"] if b.get("block_id") == "links")
    return str(block["element"]["initial_value"])


def finished(settings: Settings, count: int = 1) -> list[dict[str, Any]]:
    wait_until(lambda: len([r for r in rows(settings) if r["delivered_at"]]) >= count, what="delivery")
    return [r for r in rows(settings) if r["delivered_at"]]


def submit(bot: RunningBot, view: dict[str, Any], scene: str, links: str, view_id: str) -> None:
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": scene}}},
        "links": {"value": {"type": "plain_text_input", "value": links}},
    }
    response = bot.interactive(form_submission(view_id, view["private_metadata"], values))
    assert response.status_code == 200 and response.content in (b"", b"{}"), response.text


def test_a_temporary_result_is_used_by_its_url_and_the_new_request_builds_on_it(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("product https://shop.example/mug.png on marble")
    [source] = finished(settings)
    [output] = json.loads(source["output_json"])
    assert output["storage_mode"] == "Temporary" and output["url"]

    button = use_control(slack, source)
    assert button["type"] == "button" and button["text"]["text"] == "Use this image"
    assert bot.interactive(result_click(source, button, slack, "use-temp")).status_code == 200
    view = opened_form(slack, "trig-use-temp")
    assert view["callback_id"] == "aigc_form"
    assert links_field(view) == output["url"]

    submit(bot, view, "outpaint", links_field(view), "V-use-temp")
    sent = wait_until(lambda: vod.calls(CREATE)[1:], what="the second task")[0]
    assert sent["SceneInfo"]["Type"] == "outpainting"
    assert sent["FileInfos"] == [{"Type": "Url", "Url": output["url"]}]
    derived = wait_status(settings, "submitted")[0]
    assert derived["derived_from"] == source["id"] and derived["source"] == "modal"
    # The new request answers in the same thread, and its parent message there says what it builds on.
    assert derived["thread_ts"] == source["thread_ts"]
    parents = [
        c["text"]
        for c in slack.calls_to("chat.postMessage")
        if c.get("thread_ts") == source["thread_ts"] and "asked for" in c["text"]
    ]
    built_on = f"Built on the result of TaskId `{source['task_id']}`"
    assert len(parents) == 1 and built_on in parents[0]
    # ...and still does once the new task is done.
    wait_until(
        lambda: [
            u for u in slack.calls_to("chat.update") if built_on in u["text"] and ":white_check_mark: done" in u["text"]
        ],
        what="the derived request's parent reading done",
    )


def test_a_permanent_result_is_used_by_its_file_id(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("outpaint https://shop.example/banner.jpg storage=permanent")
    [source] = finished(settings)
    [output] = json.loads(source["output_json"])
    file_id = output["file_id"]

    bot.interactive(result_click(source, use_control(slack, source), slack, "use-perm"))
    view = opened_form(slack, "trig-use-perm")
    assert links_field(view) == file_id

    # As a try-on model the image still needs clothes: the form says so on the clothes field, and nothing is sent.
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "tryon"}}},
        "links": {"value": {"type": "plain_text_input", "value": file_id}},
    }
    answer = bot.interactive(form_submission("V-use-perm-1", view["private_metadata"], values)).json()
    assert answer["response_action"] == "errors" and set(answer["errors"]) == {"clothes"}
    assert vod.calls(CREATE)[1:] == []

    submit(bot, view, "outpaint", links_field(view), "V-use-perm-2")
    sent = wait_until(lambda: vod.calls(CREATE)[1:], what="the second task")[0]
    assert sent["FileInfos"] == [{"Type": "File", "FileId": file_id}]
    assert wait_status(settings, "submitted")[0]["derived_from"] == source["id"]


def test_each_of_several_images_can_be_picked(bot: RunningBot, slack: FakeSlack, settings: Settings) -> None:
    bot.command("product https://shop.example/mug.png count=3")
    [source] = finished(settings)
    outputs = json.loads(source["output_json"])
    select = use_control(slack, source)
    assert select["type"] == "static_select" and len(select["options"]) == 3

    picked = {"action_id": USE_RESULT_ACTION, "type": "static_select", "selected_option": select["options"][1]}
    bot.interactive(result_click(source, picked, slack, "use-second"))
    assert links_field(opened_form(slack, "trig-use-second")) == outputs[1]["url"]


# -- when there is nothing to build on, or the person may not --------------------------------------------


def said(slack: FakeSlack, name: str) -> str:
    return str(slack.wait_for_response(name)[0]["text"])


def test_an_expired_temporary_result_says_so_and_suggests_run_again(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("outpaint https://shop.example/banner.jpg")
    [source] = finished(settings)
    button = use_control(slack, source)
    [output] = json.loads(source["output_json"])
    with closing(sqlite3.connect(settings.aigc_bot_db)) as connection, connection:  # commits, then closes
        expired = [{**output, "expire_time": "2020-01-08T00:00:00Z"}]
        connection.execute("UPDATE requests SET output_json = ? WHERE id = ?", [json.dumps(expired), source["id"]])

    bot.interactive(result_click(source, button, slack, "use-expired"))
    text = said(slack, "use-expired")
    assert "gone" in text and "2020-01-08T00:00:00Z" in text and "Run again" in text
    assert slack.calls_to("views.open") == [] and len(vod.calls(CREATE)) == 1


def test_a_request_still_running_has_nothing_to_build_on_yet(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    vod.set_task_script("*", [{"Status": "PROCESSING", "Progress": 10}])
    bot.command("outpaint https://shop.example/banner.jpg")
    source = wait_status(settings, "submitted")[0]
    button = {"action_id": USE_RESULT_ACTION, "type": "button", "value": f"{source['id']}:1"}
    bot.interactive(result_click(source, button, slack, "use-early"))
    assert "not finished yet" in said(slack, "use-early")
    assert slack.calls_to("views.open") == []


def test_someone_not_allowed_to_generate_is_told_and_gets_no_form(
    tmp_path: Path, slack: FakeSlack, vod: FakeVod, cos: FakeCos
) -> None:
    settings = make_settings(tmp_path, vod, cos, slack, aigc_bot_allowed_users="U900")
    bot = RunningBot(settings).start()
    try:
        bot.command("outpaint https://shop.example/banner.jpg", user_id="U900")
        [source] = finished(settings)
        bot.interactive(result_click(source, use_control(slack, source), slack, "use-denied"))  # clicked by U100
        assert "limited to approved people" in said(slack, "use-denied")
        assert slack.calls_to("views.open") == []
    finally:
        bot.stop()
