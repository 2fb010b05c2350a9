"""Presets and channel defaults, driven by signed slash commands and form submissions into the running bot."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config import Settings
from tests.conftest import (
    TEAM_ID,
    PNG_1x1,
    RunningBot,
    make_settings,
    result_action,
    rows,
    slack_argument,
    thread_replies,
    wait_status,
    wait_until,
)
from tests.fakes import FakeCos, FakeSlack, FakeVod
from tests.test_slack_flows import CREATE, form_submission

ADMIN = "UADMIN"
IMAGE = "https://shop.example/mug.png"


@pytest.fixture
def admin_bot(tmp_path: Path, vod: FakeVod, cos: FakeCos, slack: FakeSlack) -> Iterator[RunningBot]:
    running = RunningBot(make_settings(tmp_path, vod, cos, slack, aigc_bot_admins=ADMIN)).start()
    yield running
    running.stop()


def said(bot: RunningBot, text: str, user_id: str = "U100", channel_id: str = "C100") -> str:
    response = bot.command(text, user_id=user_id, channel_id=channel_id)
    assert response.status_code == 200
    return str(response.json()["text"])


def opened_view(slack: FakeSlack, index: int = 0) -> dict[str, Any]:
    view = slack.wait_for("views.open", count=index + 1)[index]["view"]
    return slack_argument(view)  # type: ignore[no-any-return]


def test_preset_save_list_show_and_delete_by_its_creator_or_an_admin(admin_bot: RunningBot) -> None:
    saved = said(admin_bot, 'preset save banner scene=product ratio=16:9 count=2 prompt="clean studio light"')
    assert "Saved preset `banner`" in saved and "ratio=16:9" in saved
    said(admin_bot, "preset save square ratio=1:1", user_id="U200")
    listed = said(admin_bot, "preset list")
    assert "`banner` (product) ratio=16:9 · count=2" in listed and "<@U100>" in listed
    assert "`square`" in listed and "<@U200>" in listed
    shown = said(admin_bot, "preset show banner")
    assert "clean studio light" in shown and "Scene: product" in shown

    refused = said(admin_bot, "preset delete banner", user_id="U200")
    assert "Only <@U100> (who saved it) or an admin can delete preset `banner`" in refused
    overwrite = said(admin_bot, "preset save banner ratio=4:5", user_id="U200")
    assert "Only <@U100> (who saved it) or an admin can change preset `banner`" in overwrite
    assert "ratio=16:9" in said(admin_bot, "preset show banner")  # someone else could not overwrite it either

    assert "Deleted preset `banner`" in said(admin_bot, "preset delete banner", user_id=ADMIN)
    assert "Deleted preset `square`" in said(admin_bot, "preset delete square", user_id="U200")
    assert "There is no preset `banner`" in said(admin_bot, "preset show banner")
    assert "No presets yet" in said(admin_bot, "preset list")


def test_preset_mistakes_get_a_clear_sentence(bot: RunningBot, vod: FakeVod, settings: Settings) -> None:
    for text, expected in [
        ("preset save Banner! ratio=1:1", "`Banner!` is not a preset name: use 1 to 32 characters of a-z, 0-9"),
        ("preset save " + "a" * 33 + " ratio=1:1", "is not a preset name"),
        ("preset save banner colour=red", "Unknown key colour=. A preset takes: ratio="),
        ("preset save banner ratio=7:3", "ratio=7:3 is not offered"),
        ("preset save banner count=11", "count=11 is not allowed"),
        ("preset save banner scene=outpaint count=2", "count= is for product images only."),
        ("preset save banner red background", "`red` is not key=value"),
        ("preset show nothing-here", "There is no preset `nothing-here` in this workspace"),
        ("preset delete nothing-here", "There is no preset `nothing-here`"),
        (f"product {IMAGE} preset=nothing-here", "There is no preset `nothing-here`"),
        (f"product {IMAGE} preset=Bad!", "`Bad!` is not a preset name"),
        ("defaults colour=red", "Unknown key colour=. Channel defaults take: ratio="),
        ("defaults resolution=8K", "resolution=8K is not offered"),
    ]:
        assert expected in said(bot, text), text
    assert vod.requests == []
    # A request naming an unknown preset is logged as unusable input, like any other mistyped command.
    logged = [r["error_message"] for r in rows(settings) if r["status"] == "invalid"]
    assert any("There is no preset `nothing-here`" in message for message in logged)


def test_channel_defaults_are_changed_by_admins_only_when_admins_are_set(admin_bot: RunningBot) -> None:
    assert "This channel has no defaults" in said(admin_bot, "defaults")
    assert "Only an admin (<@UADMIN>)" in said(admin_bot, "defaults ratio=4:5")
    assert "This channel has no defaults" in said(admin_bot, "defaults")
    assert "now ratio=4:5 · count=2" in said(admin_bot, "defaults ratio=4:5 count=2", user_id=ADMIN)
    shown = said(admin_bot, "defaults", user_id="U200")
    assert "ratio=4:5 · count=2" in shown and "<@UADMIN>" in shown
    assert "This channel has no defaults" in said(admin_bot, "defaults", channel_id="C999")
    assert "Only an admin" in said(admin_bot, "defaults clear")
    assert "Removed this channel's defaults" in said(admin_bot, "defaults clear", user_id=ADMIN)
    assert "This channel has no defaults" in said(admin_bot, "defaults")


def test_anyone_may_set_channel_defaults_when_no_admins_are_set(bot: RunningBot) -> None:
    assert "now ratio=21:9" in said(bot, "defaults ratio=21:9", user_id="U300")
    assert "Removed this channel's defaults" in said(bot, "defaults clear", user_id="U400")


def test_explicit_beats_preset_beats_channel_defaults_beats_built_in_at_tencent(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    said(bot, 'defaults ratio=1:1 count=4 negative="text, watermark" resolution=2K')
    said(bot, 'preset save banner ratio=16:9 count=2 prompt="clean studio light"')
    said(bot, f"product {IMAGE} preset=banner red background count=3")
    first = wait_status(settings, "submitted")[0]
    body = vod.calls(CREATE)[0]
    assert body["OutputConfig"] == {"AspectRatio": "16:9"}  # the preset over the channel's 1:1
    assert body["SceneInfo"]["ProductImageConfig"] == {
        "Prompt": "clean studio light, red background",  # the preset's prompt first
        "NegativePrompt": "text, watermark",  # only the channel sets it
        "OutputImageCount": 3,  # typed, over the preset's 2 and the channel's 4
    }
    # The row keeps what was applied, so a restart or "Run again" runs the same.
    assert first["preset"] == "banner" and first["prompt"] == "clean studio light, red background"
    assert json.loads(first["options_json"]) == {"ratio": "16:9", "count": 3, "negative": "text, watermark"}
    parent = slack.calls_to("chat.postMessage")[0]["text"]
    assert "preset `banner`" in parent and "ratio=16:9 · count=3" in parent

    said(bot, f"product {IMAGE} on a beach")  # no preset: the channel's defaults
    said(bot, f"outpaint {IMAGE}")  # count= and negative= do not fit outpainting, the ratio does
    said(bot, f"product {IMAGE} on a beach", channel_id="C999")  # nothing set here: Tencent's own
    sent_rows = wait_until(lambda: [r for r in rows(settings) if r["task_id"]][3:] and rows(settings), what="4 tasks")
    later = [r for r in sent_rows if r["id"] != first["id"]]
    sent = {(r["channel_id"], r["scene"]): json.loads(r["request_json"]) for r in later}
    assert sorted(map(json.dumps, sent.values())) == sorted(map(json.dumps, vod.calls(CREATE)[1:]))
    plain, outpaint, elsewhere = sent["C100", "product"], sent["C100", "outpaint"], sent["C999", "product"]
    assert plain["OutputConfig"] == {"AspectRatio": "1:1"}
    assert plain["SceneInfo"]["ProductImageConfig"]["OutputImageCount"] == 4
    assert outpaint["OutputConfig"] == {"AspectRatio": "1:1"} and "ProductImageConfig" not in outpaint["SceneInfo"]
    assert "OutputConfig" not in elsewhere
    assert elsewhere["SceneInfo"]["ProductImageConfig"] == {"Prompt": "on a beach"}


def test_run_again_uses_the_options_applied_the_first_time(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    said(bot, 'preset save banner ratio=16:9 prompt="clean studio light"')
    said(bot, f"product {IMAGE} preset=banner mug")
    original = wait_status(settings, "done")[0]
    finished = wait_until(lambda: [c for c in slack.calls_to("chat.update") if ":white_check_mark: done" in c["text"]])
    assert "preset `banner` · ratio=16:9" in finished[-1]["text"]  # the parent keeps naming the preset
    said(bot, "preset save banner ratio=4:5", user_id="U100")  # changed after the first run
    bot.interactive(result_action(original, "aigc_run_again", slack, "1700000600.1"))
    wait_until(lambda: len(vod.calls(CREATE)) == 2, what="second submission")
    first, second = vod.calls(CREATE)
    assert second["OutputConfig"] == first["OutputConfig"] == {"AspectRatio": "16:9"}
    assert second["SceneInfo"] == first["SceneInfo"]  # the preset's prompt is not added twice
    rerun = next(r for r in rows(settings) if r["rerun_of"] == original["id"])
    assert rerun["preset"] == "banner"


def test_a_preset_for_another_scene_is_refused_before_anything_is_billed(bot: RunningBot, vod: FakeVod) -> None:
    said(bot, "preset save looks scene=tryon model=pro")
    answer = said(bot, f"product {IMAGE} preset=looks")
    assert "Preset `looks` is for tryon, not product" in answer
    time.sleep(0.3)
    assert vod.requests == []


def test_the_forms_preset_select_applies_the_preset(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    bot.command("", trigger_id="trig-none")
    assert "preset" not in {b.get("block_id") for b in opened_view(slack)["blocks"]}  # nothing to choose yet
    said(bot, 'preset save banner ratio=16:9 count=2 prompt="clean studio light"')
    said(bot, "defaults count=4 negative=people")
    bot.command("", trigger_id="trig-preset")
    modal = opened_view(slack, 1)
    select = next(b for b in modal["blocks"] if b.get("block_id") == "preset")
    assert [o["value"] for o in select["element"]["options"]] == ["banner"]
    shared = slack.add_file("F100", PNG_1x1, "mug.png", "image/png", "png")
    values = {
        "scene": {"scene_select": {"type": "static_select", "selected_option": {"value": "product"}}},
        "images": {"files": {"type": "file_input", "files": [shared]}},
        "prompt": {"value": {"type": "plain_text_input", "value": "on marble"}},
        "preset": {"value": {"type": "static_select", "selected_option": {"value": "banner"}}},
        "count": {"value": {"type": "static_select", "selected_option": {"value": "3"}}},
    }
    said(bot, "preset delete banner")
    answer = bot.interactive(form_submission("VGONE", modal["private_metadata"], values)).json()
    assert answer["response_action"] == "errors" and "There is no preset `banner`" in answer["errors"]["preset"]
    said(bot, 'preset save banner ratio=16:9 count=2 prompt="clean studio light"')
    assert bot.interactive(form_submission("VP", modal["private_metadata"], values)).status_code == 200
    row = wait_until(lambda: [r for r in rows(settings) if r["source"] == "modal" and r["status"] != "invalid"])[0]
    assert row["preset"] == "banner"
    body = wait_until(lambda: vod.calls(CREATE), what="the form's submission")[0]
    assert body["OutputConfig"] == {"AspectRatio": "16:9"}
    assert body["SceneInfo"]["ProductImageConfig"] == {
        "Prompt": "clean studio light, on marble",
        "NegativePrompt": "people",
        "OutputImageCount": 3,
    }


def test_help_names_presets_and_defaults(bot: RunningBot) -> None:
    text = said(bot, "help")
    assert "/aigc preset save" in text and "preset=banner" in text and "/aigc defaults" in text


def test_a_mention_asking_for_presets_or_nothing_gets_a_useful_answer_in_its_thread(
    bot: RunningBot, slack: FakeSlack, settings: Settings
) -> None:
    bot.command('preset save banner ratio=16:9 prompt="clean studio light"')
    for n, text in enumerate(["<@UBOT> preset list", "<@UBOT>", "<@UBOT> preset show"]):
        ts = f"1700002000.00010{n}"
        event = {"type": "app_mention", "user": "U100", "channel": "C100", "ts": ts, "text": text, "team": TEAM_ID}
        assert bot.event(event, event_id=f"EvAsk{n}").status_code == 200
    [listed] = wait_until(lambda: thread_replies(slack, "1700002000.000100"), what="the preset list")
    assert "banner" in listed["text"] and "not a scene" not in listed["text"]
    [helped] = wait_until(lambda: thread_replies(slack, "1700002000.000101"), what="the help")
    assert "Generate images with Tencent Cloud AIGC" in helped["text"]
    [mistaken] = wait_until(lambda: thread_replies(slack, "1700002000.000102"), what="the usage sentence")
    assert "Name the preset: `/aigc preset show NAME`" in mistaken["text"]
    assert [r["status"] for r in rows(settings)] == ["invalid"]  # only the mistake is logged, as typed input is


def test_a_presets_prompt_and_options_the_scene_does_not_take_are_left_out_not_failed(
    bot: RunningBot, slack: FakeSlack, vod: FakeVod, settings: Settings
) -> None:
    said(bot, 'preset save anyscene ratio=16:9 count=2 prompt="studio"')  # no scene=: meant for any scene
    answer = said(bot, f"outpaint {IMAGE} preset=anyscene")
    assert answer.startswith(":hourglass_flowing_sand: Working on")
    body = wait_until(lambda: vod.calls(CREATE), what="the outpainting request")[0]
    assert body["SceneInfo"] == {"Type": "outpainting"} and body["OutputConfig"] == {"AspectRatio": "16:9"}
    row = wait_status(settings, "done")[0]
    assert (row["prompt"], json.loads(row["options_json"])) == (None, {"ratio": "16:9"})
    # Typed by the person, the same prompt is refused before anything is posted, preset or not.
    refused = said(bot, f"outpaint {IMAGE} preset=anyscene studio")
    assert refused.startswith(":warning: Outpainting takes no prompt")
    assert len(vod.calls(CREATE)) == 1
