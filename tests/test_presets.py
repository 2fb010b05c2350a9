"""Precedence of options, preset names, and reading `/aigc preset …` and `/aigc defaults …`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.presets import apply_workflow, effective_options, prompt_with_preset
from bot.slack.command_text import CommandError, Generate, parse_command
from bot.slack.presets_text import (
    DefaultsClear,
    DefaultsSet,
    DefaultsShow,
    PresetDelete,
    PresetList,
    PresetSave,
    PresetShow,
    parse_workflow_command,
    preset_contents,
)
from bot.store.db import RequestLog
from bot.store.presets import PresetStore, preset_name_problem
from bot.tencent.scenes import TaskOptions


@pytest.fixture
def store(tmp_path: Path) -> Iterator[PresetStore]:
    log_db = RequestLog(tmp_path / "log.db")
    yield PresetStore(log_db)
    log_db.close()


def test_explicit_beats_preset_beats_defaults_beats_built_in() -> None:
    options = effective_options(
        "product",
        TaskOptions(count=3),
        preset={"ratio": "16:9", "count": 2},
        defaults={"ratio": "1:1", "count": 4, "negative": "text"},
    )
    assert options.to_dict() == {"ratio": "16:9", "count": 3, "negative": "text"}
    assert effective_options("product", TaskOptions()).to_dict() == {}


def test_presets_and_defaults_the_scene_does_not_take_are_left_out() -> None:
    defaults = {"ratio": "1:1", "count": 4, "resolution": "2K", "model": "pro", "storage": "permanent"}
    assert effective_options("tryon", TaskOptions(), defaults=defaults).to_dict() == {
        "resolution": "2K",
        "model": "pro",
        "storage": "permanent",
    }
    assert effective_options("outpaint", TaskOptions(), preset=defaults).to_dict() == {
        "ratio": "1:1",
        "storage": "permanent",
    }
    # What the person typed stays, even where it does not fit: the scene's rules then explain why.
    assert effective_options("outpaint", TaskOptions(count=2)).to_dict() == {"count": 2}


def test_the_presets_prompt_comes_first() -> None:
    assert prompt_with_preset("clean studio light", "red mug") == "clean studio light, red mug"
    assert prompt_with_preset("Clean studio light.", "red mug") == "Clean studio light. red mug"
    assert prompt_with_preset("clean studio light", None) == "clean studio light"
    assert prompt_with_preset(None, "red mug") == "red mug"


@pytest.mark.parametrize("name", ["a", "banner", "banner-red_2", "x" * 32, "0"])
def test_good_preset_names(name: str) -> None:
    assert preset_name_problem(name) is None


@pytest.mark.parametrize("name", ["", "Banner", "banner red", "x" * 33, "bänner", "banner!", "a.b"])
def test_bad_preset_names_are_explained(name: str) -> None:
    problem = preset_name_problem(name)
    assert problem is not None and "1 to 32 characters of a-z, 0-9, - and _" in problem


def test_reading_preset_and_defaults_commands() -> None:
    assert parse_workflow_command("preset list") == PresetList()
    assert parse_workflow_command("preset") == PresetList()
    assert parse_workflow_command("preset show banner") == PresetShow("banner")
    assert parse_workflow_command("preset delete banner") == PresetDelete("banner")
    assert parse_workflow_command('preset save banner ratio=16:9 prompt="clean, bright light"') == PresetSave(
        "banner", {"ratio": "16:9", "prompt": "clean, bright light"}
    )
    assert parse_workflow_command("defaults") == DefaultsShow()
    assert parse_workflow_command("defaults clear") == DefaultsClear()
    assert parse_workflow_command("defaults count=2 negative=“people, text”") == DefaultsSet(
        {"count": "2", "negative": "people, text"}
    )
    assert parse_workflow_command("product https://a.example/x.png") is None
    for text, expected in [
        ("preset save", "Name the preset"),
        ("preset rename a b", "Use `/aigc preset save NAME"),
        ("preset show a b", "takes one name"),
        ("preset save banner ratio=1:1 ratio=4:5", "ratio= is given twice"),
        ('preset save banner prompt="studio light', "The quote after prompt= is not closed"),
        ('defaults negative="people', "The quote after negative= is not closed"),
    ]:
        with pytest.raises(CommandError, match=expected):
            parse_workflow_command(text)


def test_preset_contents_use_the_option_rules() -> None:
    assert preset_contents({"scene": "try-on", "model": "pro", "resolution": "2k", "prompt": " soft "}) == (
        {"resolution": "2K", "model": "pro"},
        "soft",
        "tryon",
    )
    for pairs, expected in [
        ({"scene": "paint"}, "scene=paint is not a scene"),
        ({"ratio": "7:3"}, "ratio=7:3 is not offered"),
        ({"prompt": ""}, "needs at least one key=value"),
        ({"prompt": "x" * 1001}, "the most is 1000"),
        ({"scene": "outpaint", "prompt": "studio"}, "Outpainting takes no prompt"),
    ]:
        with pytest.raises(CommandError, match=expected):
            preset_contents(pairs)


def test_apply_workflow_fills_in_the_preset_and_the_channels_defaults(store: PresetStore) -> None:
    store.save_preset(
        team_id="T1", name="banner", creator="U1", options={"ratio": "16:9"}, prompt="studio", scene="product"
    )
    store.set_channel_defaults(team_id="T1", channel_id="C1", options={"ratio": "1:1", "count": 2}, set_by="U1")
    parsed = parse_command("product https://a.example/x.png preset=banner mug")
    assert isinstance(parsed, Generate) and parsed.preset == "banner"
    applied = apply_workflow(store, team_id="T1", channel_id="C1", command=parsed)
    assert applied.spec.prompt == "studio, mug" and applied.preset == "banner"
    assert applied.spec.options.to_dict() == {"ratio": "16:9", "count": 2}
    assert parsed.spec.prompt == "mug"  # the parsed request itself is left as it was
    outpaint = parse_command("outpaint 123")
    assert isinstance(outpaint, Generate)
    other_team = apply_workflow(store, team_id="T2", channel_id="C1", command=outpaint)
    assert other_team.spec.options.to_dict() == {}
    with pytest.raises(CommandError, match="There is no preset `banner`"):
        apply_workflow(store, team_id="T2", channel_id="C1", command=parsed)


def test_channel_defaults_changed_by_another_process_apply_to_the_next_request(tmp_path: Path) -> None:
    """Two bot processes may share one log: defaults one of them sets or clears reach the other's next request."""
    here, there = RequestLog(tmp_path / "log.db"), RequestLog(tmp_path / "log.db")
    try:
        mine, theirs = PresetStore(here), PresetStore(there)
        assert mine.channel_defaults("T1", "C1") is None
        theirs.set_channel_defaults(team_id="T1", channel_id="C1", options={"ratio": "16:9"}, set_by="U2")
        seen = mine.channel_defaults("T1", "C1")
        assert seen is not None and seen.options == {"ratio": "16:9"}
        theirs.clear_channel_defaults("T1", "C1")
        assert mine.channel_defaults("T1", "C1") is None
        mine.set_channel_defaults(team_id="T1", channel_id="C1", options={"count": 2}, set_by="U1")
        seen = mine.channel_defaults("T1", "C1")
        assert seen is not None and seen.options == {"count": 2}
    finally:
        here.close()
        there.close()
