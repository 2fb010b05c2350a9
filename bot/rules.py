"""The rulebook: every rule a request must meet, each written once and said in one wording on every surface.

A surface (a typed /aigc command, the form, a CSV row, a preset, channel defaults, the command line) reads what
a person gave into a `Draft` and calls `check`. It gets back the request, or `Refused` with one sentence per
field. The surface only says how it names a field (its `Naming`): the command line says `--clothes`, a typed
command `count=`, a CSV file its column, the form nothing (its sentences sit on the field itself).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from bot import wording
from bot.errors import BotError
from bot.store.presets import preset_name_problem
from bot.tencent import models
from bot.tencent.scenes import SCENE_TYPES, STORAGE_MODES, TRY_ON_MODEL_ALIASES, TaskOptions, TaskSpec

SCENES = tuple(SCENE_TYPES)  # in the order people read them in the help
_ALSO = {"product": "products product_image", "tryon": "try-on try_on ai_try_on", "outpaint": "outpainting extend"}
SCENE_ALIASES = {word: scene for scene, words in _ALSO.items() for word in [scene, *words.split()]}  # as typed
OPTION_NAMES = ("ratio", "count", "resolution", "storage", "model", "negative")
# Which options each scene takes. A preset's or channel default's option a scene does not take is left out
# (bot/presets.py); one a person gave is refused here.
OPTIONS_BY_SCENE: dict[str, frozenset[str]] = {
    "product": frozenset({"ratio", "count", "negative", "storage"}),
    "tryon": frozenset({"model", "resolution", "storage"}),
    "outpaint": frozenset({"ratio", "storage"}),
}
PROMPT_SCENES = frozenset(scene for scene, api_type in SCENE_TYPES.items() if api_type in models.SCENES_WITH_PROMPT)
# (fewest, most) images each scene works on; try-on also takes clothes besides its model image.
IMAGE_COUNTS = {scene: models.SCENE_IMAGE_COUNTS[api_type] for scene, api_type in SCENE_TYPES.items()}
TEXT_LIMITS = {
    "prompt": models.MAX_PROMPT_CHARS,
    "media_name": models.MAX_MEDIA_NAME_CHARS,
    "session_id": models.MAX_SESSION_ID_CHARS,
}
# The order in which a refusal lists its sentences: the order people read a request in.
FIELD_ORDER = ("scene", "image", "clothes", "prompt", *OPTION_NAMES, "media_name", "session_id", "preset")


def either(words: tuple[str, ...] | list[str], last: str = "or") -> str:
    """ "a, b or c": the values a person may choose from, as a sentence."""
    return f"{', '.join(words[:-1])} {last} {words[-1]}" if len(words) > 1 else "".join(words)


# -- every sentence of the rulebook ------------------------------------------------------------------------

_SCENE_NOUNS = {"product": "product images", "tryon": "try-on", "outpaint": "outpainting"}
_NO_PROMPT_REASONS = {"outpaint": wording.rules.OUTPAINT_NO_PROMPT_REASON}
_IMAGES_WANTED = {
    "product": wording.rules.PRODUCT_IMAGES_WANTED,
    "tryon": wording.rules.TRYON_IMAGES_WANTED,
    "outpaint": wording.rules.OUTPAINT_IMAGES_WANTED,
}
# What each option accepts, as the end of "Use …".
CHOICES = {
    "ratio": f"one of: {', '.join(models.ASPECT_RATIOS)}",
    "resolution": either(models.RESOLUTIONS),
    "storage": either(list(STORAGE_MODES)),
    "model": either(list(TRY_ON_MODEL_ALIASES)),
}
# The values each choice offers, and how a typed one is kept (resolution=2k as 2K, model=Lite as lite).
_OFFERED = {
    "ratio": models.ASPECT_RATIOS,
    "resolution": models.RESOLUTIONS,
    "storage": tuple(STORAGE_MODES),
    "model": (*TRY_ON_MODEL_ALIASES, *models.TRY_ON_MODELS),
}
_KEPT: dict[str, Callable[[str], str]] = {
    "ratio": str,
    "resolution": str.upper,
    "storage": str.lower,
    "model": lambda value: value.lower() if value.lower() in TRY_ON_MODEL_ALIASES else value,
}
SCENE_WORDS = either(list(SCENES))
PROMPT_SCENE_WORDS = either([scene for scene in SCENES if scene in PROMPT_SCENES])

EMPTY = "{name} is empty. Use {scenes}."
NEEDS_WORDS = "{name} needs words, e.g. {example}."
IMAGE_COUNT = "{scene} takes {wanted} {what}{place}; got {count}."


@dataclass(frozen=True)
class Naming:
    """How one surface names the fields of a request in the rulebook's sentences.

    `places` ends "images …" with where they go on this surface (" with --clothes"); `remove_prompt` is how to
    take a prompt out there ("Leave out --prompt").
    """

    name: Callable[[str], str]
    given: Callable[[str, str], str]
    image_sources: str
    remove_prompt: str
    places: Mapping[str, str] = field(default_factory=dict)


Image = TypeVar("Image")


@dataclass
class Draft(Generic[Image]):
    """A request as a surface read it, nothing checked yet; option values are as typed.

    `scene` None means none was given (allowed only where `check` is told images are not wanted: presets and
    channel defaults). `clothes` None means the surface lists every image in `images`, a try-on's model first.
    """

    scene: str | None = None
    images: list[Image] = field(default_factory=list)
    clothes: list[Image] | None = None
    prompt: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    session_id: str | None = None
    preset: str | None = None


@dataclass(frozen=True)
class Checked(Generic[Image]):
    scene: str | None
    prompt: str | None
    options: TaskOptions
    images: list[Image]
    clothes: list[Image]
    session_id: str | None = None

    @property
    def spec(self) -> TaskSpec:
        assert self.scene is not None, "a request with images always has a scene"
        return TaskSpec(scene=self.scene, prompt=self.prompt, options=self.options, session_id=self.session_id)


class Refused(BotError, ValueError):
    """A draft that breaks rules: `problems` maps each field to its sentence, in reading order."""

    def __init__(self, problems: dict[str, str]) -> None:
        ordered = dict(sorted(problems.items(), key=lambda item: FIELD_ORDER.index(item[0])))
        super().__init__(" ".join(ordered.values()))
        self.problems = ordered


def check(draft: Draft[Image], naming: Naming, *, with_images: bool = True) -> Checked[Image]:
    """The request `draft` asks for, or Refused naming every field that breaks a rule.

    `with_images=False` checks a request's settings alone (a preset, channel defaults): no images are counted
    and the scene may be left out.
    """
    problems: dict[str, str] = {}
    scene = _scene(draft.scene, naming, problems, needed=with_images)
    options = _options(draft.options, naming, problems)
    prompt = _text("prompt", draft.prompt, naming, problems)
    session_id = _text("session_id", draft.session_id, naming, problems)
    images, clothes = draft.images, draft.clothes or []
    if draft.clothes is None and scene == "tryon":
        images, clothes = draft.images[:1], draft.images[1:]
    if scene is not None:
        problems.update(_misplaced(scene, draft, naming))
        if with_images:
            problems.update(_counted(scene, images, clothes, naming))
    if draft.preset is not None and (problem := preset_name_problem(draft.preset)):
        problems["preset"] = problem
    if problems:
        raise Refused(problems)
    return Checked(scene, prompt, options, list(images), list(clothes), session_id)


def prompt_too_long(prompt: str | None, what: str = "The prompt") -> str | None:
    """The sentence for a prompt over the limit (`what` names it, e.g. with the preset it came with)."""
    if prompt and len(prompt) > models.MAX_PROMPT_CHARS:
        return wording.rules.TOO_LONG.format(what=what, length=len(prompt), most=models.MAX_PROMPT_CHARS)
    return None


def options_for(scene: str, *layers: Mapping[str, Any]) -> dict[str, Any]:
    """The options of `layers` (the first that gives one wins) that `scene` takes; the rest are left out."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if key in OPTIONS_BY_SCENE[scene] and key not in merged:
                merged[key] = value
    return merged


def _scene(word: str | None, naming: Naming, problems: dict[str, str], *, needed: bool) -> str | None:
    if word is None and not needed:
        return None
    if not (word or "").strip():
        problems["scene"] = EMPTY.format(name=naming.name("scene"), scenes=SCENE_WORDS)
        return None
    scene = SCENE_ALIASES.get((word or "").strip().lower())
    if scene is None:
        problems["scene"] = wording.rules.NOT_A_SCENE.format(
            given=naming.given("scene", word or ""), scenes=SCENE_WORDS
        )
    return scene


def _text(key: str, value: str | None, naming: Naming, problems: dict[str, str]) -> str | None:
    """A free text with a length limit; blank counts as not given."""
    text = (value or "").strip() or None
    if text is not None and len(text) > TEXT_LIMITS[key]:
        what = "The prompt" if key == "prompt" else naming.name(key)
        problems[key] = wording.rules.TOO_LONG.format(what=what, length=len(text), most=TEXT_LIMITS[key])
    return text


def _options(pairs: Mapping[str, str], naming: Naming, problems: dict[str, str]) -> TaskOptions:
    options = TaskOptions()
    for key, value in pairs.items():
        given = naming.given(key, value)
        if key == "count":
            fewest, most = models.OUTPUT_IMAGE_COUNT
            if value.strip().isdigit() and fewest <= int(value) <= most:
                options.count = int(value)
            else:
                problems[key] = wording.rules.NOT_A_COUNT.format(given=given, fewest=fewest, most=most)
        elif key == "negative":
            if value.strip():
                options.negative = value
            else:
                problems[key] = NEEDS_WORDS.format(name=naming.name(key), example=naming.given(key, '"people, text"'))
        elif key == "media_name":
            options.media_name = _text(key, value, naming, problems)
        elif (kept := _KEPT[key](value)) in _OFFERED[key]:
            setattr(options, key, kept)
        else:
            problems[key] = wording.rules.NOT_OFFERED.format(given=given, choices=CHOICES[key])
    return options


def _only_for(name: str, key: str) -> str:
    takers = [_SCENE_NOUNS[s] for s in SCENES if key in OPTIONS_BY_SCENE[s] or (key == "clothes" and s == "tryon")]
    return wording.rules.ONLY_FOR.format(name=name, scenes=either(takers, "and"))


def _misplaced(scene: str, draft: Draft[Image], naming: Naming) -> dict[str, str]:
    """What a person gave that `scene` does not take: options, clothes, a prompt."""
    problems = {
        key: _only_for(naming.name(key), key)
        for key in draft.options
        if key in OPTION_NAMES and key not in OPTIONS_BY_SCENE[scene]
    }
    if draft.clothes and scene != "tryon":
        problems["clothes"] = _only_for(naming.name("clothes"), "clothes")
    if (draft.prompt or "").strip() and scene not in PROMPT_SCENES:
        problems["prompt"] = wording.rules.NO_PROMPT.format(
            noun=_SCENE_NOUNS[scene].capitalize(),
            reason=_NO_PROMPT_REASONS.get(scene, ""),
            remove=naming.remove_prompt,
            scenes=PROMPT_SCENE_WORDS,
        )
    return problems


def _counted(scene: str, images: list[Image], clothes: list[Image], naming: Naming) -> dict[str, str]:
    wanted = [("image", len(images), IMAGE_COUNTS[scene], _IMAGES_WANTED[scene])]
    if scene == "tryon":
        wanted.append(("clothes", len(clothes), models.CLOTHES_COUNT, "clothes images"))
    problems = {
        key: IMAGE_COUNT.format(
            scene=scene,
            wanted=f"exactly {low}" if low == high else f"{low} to {high}",
            what=what,
            place=naming.places.get(key, ""),
            count=count,
        )
        for key, count, (low, high), what in wanted
        if not low <= count <= high
    }
    if not images:  # rather than "got 0", say what may stand for an image
        place = naming.places.get("image", "")
        problems["image"] = wording.rules.NO_IMAGE.format(scene=scene, place=place, sources=naming.image_sources)
    return problems
