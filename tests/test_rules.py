"""The rulebook (bot/rules.py): what every request must be, said the same way on every surface.

Each surface only names its fields: a typed command says `count=`, the command line `--count`, a CSV file its
column, the form the field the sentence sits on.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot import rules
from bot.rules import Draft, Naming, Refused, check
from bot.slack.batch_text import CSV
from bot.slack.command_text import TYPED, CommandError, Generate, parse_command
from bot.slack.modal import FormContext, form_view, read_submission
from bot.slack.presets_text import KEYS
from bot.tencent import models
from bot.tencent.models import ASPECT_RATIOS, RESOLUTIONS, TRY_ON_MODELS, FileInfo
from bot.tencent.scenes import STORAGE_MODES, TRY_ON_MODEL_ALIASES, TaskOptions, TaskSpec, build_task_request
from handlers.cli import COMMAND_LINE

URL = "https://shop.example/a.png"
COUNTS = [str(n) for n in range(models.OUTPUT_IMAGE_COUNT[0], models.OUTPUT_IMAGE_COUNT[1] + 1)]
# One value of each option, valid for the scenes that take it.
SAMPLE = {"ratio": "16:9", "count": "2", "negative": "text", "storage": "permanent", "model": "pro", "resolution": "2K"}


def refusal(naming: Naming = TYPED, **draft: Any) -> dict[str, str]:
    with pytest.raises(Refused) as refused:
        check(Draft(**draft), naming)
    return refused.value.problems


def test_one_rule_reads_the_same_on_every_surface_but_for_how_it_names_the_field() -> None:
    too_many = {"scene": "product", "images": [URL], "options": {"count": "11"}}
    rule = "is not allowed: give a whole number from 1 to 10."
    assert refusal(TYPED, **too_many) == {"count": f"count=11 {rule}"}
    assert refusal(COMMAND_LINE, **too_many) == {"count": f"--count 11 {rule}"}
    assert refusal(CSV, **too_many) == {"count": f"`11` in `count` {rule}"}
    try_on = {"scene": "tryon", "images": [URL], "clothes": []}
    assert refusal(COMMAND_LINE, **try_on) == {"clothes": "tryon takes 1 to 4 clothes images with --clothes; got 0."}
    assert refusal(CSV, **try_on) == {"clothes": "tryon takes 1 to 4 clothes images in `clothes`; got 0."}


def test_every_mistake_of_a_request_is_named_at_once_in_reading_order() -> None:
    problems = refusal(COMMAND_LINE, scene="outpaint", prompt="wider", options={"count": "3", "model": "ultra"})
    assert list(problems) == ["image", "prompt", "count", "model"]
    assert problems == {
        "image": "outpaint needs at least one image with --image: a path, a link or a VOD FileId.",
        "prompt": "Outpainting takes no prompt: it extends the image to the ratio. Leave out --prompt, "
        "or choose product or tryon.",
        "count": "--count is for product images only.",
        "model": "--model is for try-on only.",
    }


def test_a_typed_tryon_takes_its_first_image_as_the_model_and_the_rest_as_clothes() -> None:
    checked = check(Draft("try-on", ["model.png", "shirt.png", "shoes.png"]), TYPED)
    assert (checked.scene, checked.images, checked.clothes) == ("tryon", ["model.png"], ["shirt.png", "shoes.png"])
    assert refusal(scene="tryon", images=["m"] * 6) == {
        "clothes": "tryon takes 1 to 4 clothes images after the model image; got 5."
    }


@pytest.mark.parametrize("scene", rules.SCENES)
def test_a_scene_takes_exactly_its_options_and_a_prompt_only_where_it_takes_one(scene: str) -> None:
    images = [URL, URL] if scene == "tryon" else [URL]
    for name, value in SAMPLE.items():
        if name in rules.OPTIONS_BY_SCENE[scene]:
            check(Draft(scene, images, options={name: value}), TYPED)
        else:
            assert refusal(scene=scene, images=images, options={name: value})[name].startswith(f"{name}= is for ")
    if scene in rules.PROMPT_SCENES:
        assert check(Draft(scene, images, prompt=" on marble "), TYPED).prompt == "on marble"
    else:
        assert "takes no prompt" in refusal(scene=scene, images=images, prompt="on marble")["prompt"]


@pytest.mark.parametrize("scene", rules.SCENES)
def test_what_the_rulebook_passes_the_request_takes_and_what_it_refuses_the_request_refuses(scene: str) -> None:
    """The wire schema is the last gate; it agrees with the rulebook, so nothing it lets by is dropped later."""
    image = [FileInfo.of_url(URL)]
    clothes = image if scene == "tryon" else []
    for name, value in SAMPLE.items():
        options = TaskOptions(**{name: int(value) if name == "count" else value})
        spec = TaskSpec(scene, options=options)
        if name in rules.OPTIONS_BY_SCENE[scene]:
            build_task_request(spec, sub_app_id=1, images=image, clothes=clothes)
        else:
            with pytest.raises(ValueError):
                build_task_request(spec, sub_app_id=1, images=image, clothes=clothes)


def test_every_value_people_may_give_is_taken_and_nothing_past_them() -> None:
    def taken(key: str, value: str) -> Any:
        return getattr(check(Draft(options={key: value}), KEYS, with_images=False).options, key)

    assert [taken("ratio", r) for r in ASPECT_RATIOS] == list(ASPECT_RATIOS)
    assert [taken("count", c) for c in COUNTS] == [int(c) for c in COUNTS]
    assert [taken("resolution", r.lower()) for r in RESOLUTIONS] == list(RESOLUTIONS)
    assert [taken("storage", s.upper()) for s in STORAGE_MODES] == list(STORAGE_MODES)
    models = [*TRY_ON_MODEL_ALIASES, *TRY_ON_MODELS]
    assert [taken("model", m) for m in models] == models
    beyond = {"count": "11", "resolution": "8K", "model": "max", "ratio": "7:3", "storage": "forever"}
    for key, value in beyond.items():
        with pytest.raises(Refused, match=f"^{key}={value} is not"):
            check(Draft(options={key: value}), KEYS, with_images=False)


def test_every_word_people_may_type_builds_a_valid_request() -> None:
    image = [FileInfo.of_url(URL)]
    for alias, resolution, storage in itertools.product(TRY_ON_MODEL_ALIASES, RESOLUTIONS, STORAGE_MODES):
        options = {"model": alias, "resolution": resolution.lower(), "storage": storage}
        spec = check(Draft("tryon", ["m", "c"], options=options), TYPED).spec
        request = build_task_request(spec, sub_app_id=1, images=image, clothes=image).to_wire()
        assert request["SceneInfo"]["AiTryOnConfig"]["Model"] == TRY_ON_MODEL_ALIASES[alias]
        assert request["OutputConfig"]["StorageMode"] == STORAGE_MODES[storage]
        assert request["OutputConfig"]["Resolution"] == resolution


def test_image_counts_follow_the_limits_of_each_scene() -> None:
    most = rules.IMAGE_COUNTS["product"][1]
    assert len(check(Draft("product", [URL] * most), TYPED).images) == most
    assert refusal(scene="product", images=[URL] * (most + 1)) == {
        "image": f"product takes 1 to {most} images of one product; got {most + 1}."
    }
    assert refusal(scene="outpaint", images=[URL] * 2) == {"image": "outpaint takes exactly 1 image to extend; got 2."}
    assert refusal(CSV, scene="outpaint", images=[URL], clothes=[URL]) == {"clothes": "`clothes` is for try-on only."}


def test_texts_have_one_limit_and_one_sentence() -> None:
    long = "x" * (models.MAX_PROMPT_CHARS + 1)
    assert refusal(scene="product", images=[URL], prompt=long) == {
        "prompt": "The prompt is 1001 characters; the most is 1000."
    }
    assert rules.prompt_too_long(long, "With preset `banner`, the prompt") == (
        "With preset `banner`, the prompt is 1001 characters; the most is 1000."
    )
    assert refusal(COMMAND_LINE, scene="product", images=[URL], options={"media_name": "m" * 65}) == {
        "media_name": "--media-name is 65 characters; the most is 64."
    }
    assert refusal(COMMAND_LINE, scene="product", images=[URL], options={"negative": " "}) == {
        "negative": '--negative needs words, e.g. --negative "people, text".'
    }


def test_a_preset_or_defaults_are_checked_without_images_or_a_scene() -> None:
    checked = check(Draft(options={"ratio": "16:9"}), KEYS, with_images=False)
    assert (checked.scene, checked.options.ratio) == (None, "16:9")
    with pytest.raises(Refused, match=r"^scene= is empty\. Use product, tryon or outpaint\.$"):
        check(Draft(scene=""), KEYS, with_images=False)


def test_options_a_preset_or_default_gives_a_scene_that_does_not_take_them_are_left_out() -> None:
    typed, preset, defaults = {"ratio": "1:1"}, {"ratio": "16:9", "count": 3}, {"model": "pro", "storage": "permanent"}
    assert rules.options_for("outpaint", typed, preset, defaults) == {"ratio": "1:1", "storage": "permanent"}


# -- the form: the same rules, each sentence on its field ---------------------------------------------------


def _form_blocks(scene: str) -> dict[str, dict[str, Any]]:
    view = form_view(scene, FormContext(channel_id="C1"))
    return {block["block_id"]: block for block in view["blocks"] if "block_id" in block}


def _choices(block: dict[str, Any]) -> list[str]:
    return [option["value"] for option in block["element"]["options"]]


def test_the_form_offers_exactly_what_the_rules_allow() -> None:
    tryon, product, outpaint = _form_blocks("tryon"), _form_blocks("product"), _form_blocks("outpaint")
    assert _choices(product["scene"]) == list(rules.SCENES)
    assert _choices(tryon["model"]) == list(TRY_ON_MODEL_ALIASES)
    assert _choices(tryon["resolution"]) == list(RESOLUTIONS)
    assert _choices(product["ratio"]) == _choices(outpaint["ratio"]) == list(ASPECT_RATIOS)
    assert _choices(product["count"]) == COUNTS
    assert tryon["clothes"]["element"]["max_files"] == models.CLOTHES_COUNT[1]
    for scene, blocks in (("tryon", tryon), ("product", product), ("outpaint", outpaint)):
        assert blocks["images"]["element"]["max_files"] == rules.IMAGE_COUNTS[scene][1]
        if scene in rules.PROMPT_SCENES:
            assert blocks["prompt"]["element"]["max_length"] == models.MAX_PROMPT_CHARS
        else:
            assert "prompt" not in blocks  # outpainting takes none, so the form does not ask for one


def test_the_form_refuses_on_its_field_a_value_the_chosen_scene_does_not_take() -> None:
    """Only a form drawn for another scene can send these; they are refused there, not after the form closes."""

    def chosen(block: str, value: str) -> dict[str, Any]:
        return {block: {"value": {"type": "static_select", "selected_option": {"value": value}}}}

    values = {
        **chosen("scene", "outpaint"),
        **chosen("count", "3"),
        **chosen("ratio", "16:9"),
        "links": {"value": {"type": "plain_text_input", "value": URL}},
    }
    refused = read_submission(values, FormContext(channel_id="C1"))
    assert refused.command is None and refused.errors == {"count": "How many images is for product images only."}
    values.pop("count")
    taken = read_submission(values, FormContext(channel_id="C1"))
    assert taken.command is not None and taken.command.spec.options.ratio == "16:9"


# -- reading a typed command before the rules: quotes ------------------------------------------------------


@pytest.mark.parametrize("quoted", ['negative="people, text"', "negative=“people, text”", 'negative="people"'])
def test_a_closed_quote_keeps_the_words_together(quoted: str) -> None:
    command = parse_command(f"product {URL} {quoted} on marble")
    assert isinstance(command, Generate) and command.spec.options.negative in ("people, text", "people")
    assert command.spec.prompt == "on marble"


@pytest.mark.parametrize("unclosed", ['negative="people on marble', "negative=“people, text", 'negative="'])
def test_an_unclosed_quote_is_refused_rather_than_kept_in_the_value(unclosed: str) -> None:
    with pytest.raises(CommandError, match=r"^The quote after negative= is not closed"):
        parse_command(f"product {URL} {unclosed}")
