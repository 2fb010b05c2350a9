"""The scene rules are written once, in bot/tencent/models.py and scenes.py; every surface offers exactly them."""

from __future__ import annotations

import argparse
import itertools
from typing import Any

import pytest

from bot.slack.command_text import CommandError, Generate, parse_command, parse_options
from bot.slack.modal import FormContext, form_view, read_submission
from bot.tencent.models import (
    ASPECT_RATIOS,
    CLOTHES_COUNT,
    MAX_PROMPT_CHARS,
    OUTPUT_IMAGE_COUNT,
    RESOLUTIONS,
    STORAGE_MODES,
    TRY_ON_MODELS,
    FileInfo,
)
from bot.tencent.scenes import (
    OPTIONS_BY_SCENE,
    PROMPT_SCENES,
    SCENE_IMAGE_COUNTS,
    SCENE_TYPES,
    TRY_ON_MODEL_ALIASES,
    TaskOptions,
    TaskSpec,
    build_task_request,
)
from bot.tencent.scenes import STORAGE_MODES as STORAGE_WORDS
from handlers.cli import build_parser

COUNTS = [str(n) for n in range(OUTPUT_IMAGE_COUNT[0], OUTPUT_IMAGE_COUNT[1] + 1)]


def _form_blocks(scene: str) -> dict[str, dict[str, Any]]:
    view = form_view(scene, FormContext(channel_id="C1"))
    return {block["block_id"]: block for block in view["blocks"] if "block_id" in block}


def _choices(block: dict[str, Any]) -> list[str]:
    return [option["value"] for option in block["element"]["options"]]


def _submit_choices() -> dict[str, Any]:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.choices for action in commands.choices["submit"]._actions}


def test_the_form_offers_exactly_the_defined_choices() -> None:
    tryon, product, outpaint = _form_blocks("tryon"), _form_blocks("product"), _form_blocks("outpaint")
    assert _choices(_form_blocks("product")["scene"]) == list(SCENE_TYPES)
    assert _choices(tryon["model"]) == list(TRY_ON_MODEL_ALIASES)
    assert _choices(tryon["resolution"]) == list(RESOLUTIONS)
    assert _choices(product["ratio"]) == _choices(outpaint["ratio"]) == list(ASPECT_RATIOS)
    assert _choices(product["count"]) == COUNTS
    assert tryon["clothes"]["element"]["max_files"] == CLOTHES_COUNT[1]
    for scene, blocks in (("tryon", tryon), ("product", product), ("outpaint", outpaint)):
        assert blocks["images"]["element"]["max_files"] == SCENE_IMAGE_COUNTS[scene][1]
        if scene in PROMPT_SCENES:
            assert blocks["prompt"]["element"]["max_length"] == MAX_PROMPT_CHARS
        else:
            assert "prompt" not in blocks  # outpainting takes none, so the form does not ask for one


def test_the_command_line_offers_exactly_the_defined_choices() -> None:
    choices = _submit_choices()
    assert sorted(choices["scene"]) == sorted(SCENE_TYPES)
    assert list(choices["ratio"]) == list(ASPECT_RATIOS)
    assert list(choices["resolution"]) == list(RESOLUTIONS)
    assert list(choices["storage"]) == list(STORAGE_WORDS)


def test_the_slash_command_takes_every_defined_value_and_nothing_past_them() -> None:
    for ratio in ASPECT_RATIOS:
        assert parse_options({"ratio": ratio}).ratio == ratio
    for count in COUNTS:
        assert parse_options({"count": count}).count == int(count)
    for resolution in RESOLUTIONS:
        assert parse_options({"resolution": resolution.lower()}).resolution == resolution
    for word in [*TRY_ON_MODEL_ALIASES, *TRY_ON_MODELS]:
        assert parse_options({"model": word}).model == word
    for word in STORAGE_WORDS:
        assert parse_options({"storage": word.upper()}).storage == word
    for key, beyond in (("count", str(OUTPUT_IMAGE_COUNT[1] + 1)), ("resolution", "8K"), ("model", "max")):
        with pytest.raises(CommandError, match="not"):
            parse_options({key: beyond})


def test_the_slash_command_counts_images_by_the_defined_limits() -> None:
    most_clothes = CLOTHES_COUNT[1]
    links = [f"https://shop.example/{n}.png" for n in range(1 + most_clothes + 1)]
    command = parse_command("tryon " + " ".join(links[: 1 + most_clothes]))
    assert isinstance(command, Generate) and len(command.clothes) == most_clothes
    with pytest.raises(CommandError, match=f"at most {most_clothes} clothes images"):
        parse_command("tryon " + " ".join(links))
    most_products = SCENE_IMAGE_COUNTS["product"][1]
    many = [f"https://shop.example/{n}.png" for n in range(most_products + 1)]
    assert isinstance(parse_command("product " + " ".join(many[:most_products])), Generate)
    with pytest.raises(CommandError, match=f"1 to {most_products} images"):
        parse_command("product " + " ".join(many))
    with pytest.raises(CommandError, match=f"the most is {MAX_PROMPT_CHARS}"):
        parse_command("product https://shop.example/a.png " + "x" * (MAX_PROMPT_CHARS + 1))


def test_every_word_people_may_type_builds_a_valid_request() -> None:
    image = [FileInfo.of_url("https://shop.example/a.png")]
    for alias, resolution, storage in itertools.product(TRY_ON_MODEL_ALIASES, RESOLUTIONS, STORAGE_WORDS):
        spec = TaskSpec("tryon", options=TaskOptions(model=alias, resolution=resolution, storage=storage))
        request = build_task_request(spec, sub_app_id=1, images=image, clothes=image).to_wire()
        assert request["SceneInfo"]["AiTryOnConfig"]["Model"] == TRY_ON_MODEL_ALIASES[alias]
        assert request["OutputConfig"]["StorageMode"] == STORAGE_WORDS[storage] in STORAGE_MODES
        assert request["OutputConfig"]["Resolution"] == resolution


SAMPLE_OPTIONS: dict[str, Any] = {
    "ratio": "16:9",
    "count": 2,
    "negative": "people",
    "storage": "permanent",
    "model": "pro",
    "resolution": "2K",
}


@pytest.mark.parametrize("scene", sorted(OPTIONS_BY_SCENE))
def test_a_scene_takes_exactly_the_options_presets_and_defaults_may_give_it(scene: str) -> None:
    """OPTIONS_BY_SCENE, which decides what a preset or channel default passes on, agrees with the request rules."""
    assert set(SAMPLE_OPTIONS) == {name for names in OPTIONS_BY_SCENE.values() for name in names}
    image = [FileInfo.of_url("https://shop.example/a.png")]
    low = SCENE_IMAGE_COUNTS[scene][0]
    for name, value in SAMPLE_OPTIONS.items():
        spec = TaskSpec(scene, options=TaskOptions(**{name: value}))
        clothes = image if scene == "tryon" else []
        if name in OPTIONS_BY_SCENE[scene]:
            build_task_request(spec, sub_app_id=1, images=image * low, clothes=clothes)
        else:
            with pytest.raises(ValueError):
                build_task_request(spec, sub_app_id=1, images=image * low, clothes=clothes)


@pytest.mark.parametrize("scene", sorted(OPTIONS_BY_SCENE))
def test_a_scene_takes_a_prompt_exactly_when_the_request_rules_let_it(scene: str) -> None:
    image = [FileInfo.of_url("https://shop.example/a.png")]
    spec = TaskSpec(scene, prompt="studio light")
    clothes = image if scene == "tryon" else []
    if scene in PROMPT_SCENES:
        build_task_request(spec, sub_app_id=1, images=image, clothes=clothes)
    else:
        with pytest.raises(ValueError):
            build_task_request(spec, sub_app_id=1, images=image, clothes=clothes)


def _typed(scene: str, extra: str) -> str:
    images = (
        "https://shop.example/a.png https://shop.example/b.png" if scene == "tryon" else "https://shop.example/a.png"
    )
    return f"{scene} {images} {extra}"


@pytest.mark.parametrize("scene", sorted(OPTIONS_BY_SCENE))
def test_the_slash_command_refuses_exactly_the_options_and_prompt_the_scene_does_not_take(scene: str) -> None:
    """What a scene does not take is refused while reading the command, before anything is announced or billed."""
    typed = {**SAMPLE_OPTIONS, "count": "2", "resolution": "2K"}
    for name, value in typed.items():
        if name in OPTIONS_BY_SCENE[scene]:
            assert isinstance(parse_command(_typed(scene, f"{name}={value}")), Generate)
        else:
            with pytest.raises(CommandError, match=f"^{name}= is for .* only\\.$"):
                parse_command(_typed(scene, f"{name}={value}"))
    if scene in PROMPT_SCENES:
        command = parse_command(_typed(scene, "on marble"))
        assert isinstance(command, Generate) and command.spec.prompt == "on marble"
    else:
        with pytest.raises(CommandError, match="takes no prompt"):
            parse_command(_typed(scene, "on marble"))


def test_the_form_refuses_on_its_field_a_value_the_chosen_scene_does_not_take() -> None:
    """Only a form drawn for another scene can send these; they are refused there, not after the form closes."""

    def chosen(block: str, value: str) -> dict[str, Any]:
        return {block: {"value": {"type": "static_select", "selected_option": {"value": value}}}}

    values = {
        **chosen("scene", "outpaint"),
        **chosen("count", "3"),
        **chosen("ratio", "16:9"),
        "links": {"value": {"type": "plain_text_input", "value": "https://shop.example/a.png"}},
    }
    refused = read_submission(values, FormContext(channel_id="C1"))
    assert refused.command is None and refused.errors == {"count": "count= is for product images only."}
    values.pop("count")
    taken = read_submission(values, FormContext(channel_id="C1"))
    assert taken.command is not None and taken.command.spec.options.ratio == "16:9"


@pytest.mark.parametrize("quoted", ['negative="people, text"', "negative=“people, text”", 'negative="people"'])
def test_a_closed_quote_keeps_the_words_together(quoted: str) -> None:
    command = parse_command(f"product https://shop.example/a.png {quoted} on marble")
    assert isinstance(command, Generate) and command.spec.options.negative in ("people, text", "people")
    assert command.spec.prompt == "on marble"


@pytest.mark.parametrize("unclosed", ['negative="people on marble', "negative=“people, text", 'negative="'])
def test_an_unclosed_quote_is_refused_rather_than_kept_in_the_value(unclosed: str) -> None:
    with pytest.raises(CommandError, match=r"^The quote after negative= is not closed"):
        parse_command(f"product https://shop.example/a.png {unclosed}")
