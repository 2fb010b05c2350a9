"""Reading what people type after /aigc (or after @mentioning the bot) into a command."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bot.errors import BotError
from bot.slack.refs import BadRef, FileIdRef, PathRef, Ref, UrlRef, is_url, parse_ref, unwrap_slack_link
from bot.store.presets import preset_name_problem
from bot.tencent.models import (
    ASPECT_RATIOS,
    CLOTHES_COUNT,
    MAX_PROMPT_CHARS,
    OUTPUT_IMAGE_COUNT,
    RESOLUTIONS,
    TRY_ON_MODELS,
)
from bot.tencent.scenes import (
    OPTIONS_BY_SCENE,
    PROMPT_SCENES,
    SCENE_IMAGE_COUNTS,
    STORAGE_MODES,
    TRY_ON_MODEL_ALIASES,
    TaskOptions,
    TaskSpec,
)

OPTION_NAMES = ("ratio", "count", "resolution", "storage", "model", "negative")
OPTION = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)
WORD = re.compile(r'[A-Za-z_]+=(?:"[^"]*"|“[^”]*”)|<[^>]*>|\S+')
# The SessionId the bot sends with every request ("aigc-" and 40 hex digits), which names it at Tencent too.
SESSION_ID = re.compile(r"aigc-[0-9a-f]{40}")
SCENE_ALIASES = {
    "product": "product",
    "products": "product",
    "product_image": "product",
    "tryon": "tryon",
    "try-on": "tryon",
    "try_on": "tryon",
    "ai_try_on": "tryon",
    "outpaint": "outpaint",
    "outpainting": "outpaint",
    "extend": "outpaint",
}

# How refusals name what a scene makes ("count= is for product images only."), and why a scene takes no prompt.
_SCENE_NOUNS = {"product": "product images", "tryon": "try-on", "outpaint": "outpainting"}
_NO_PROMPT_REASONS = {"outpaint": "it extends the image to the ratio"}
OPENING_QUOTES = '"“'
CLOSING_QUOTES = '"”'


class CommandError(BotError, ValueError):
    """Input a person can fix; the message tells them how."""


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenForm:
    pass


def is_session_id(text: str) -> bool:
    return SESSION_ID.fullmatch(text) is not None


@dataclass(frozen=True)
class StatusLookup:
    """`/aigc status …`: `task_id` holds what was typed, a TaskId or the SessionId of a request whose TaskId
    is unknown."""

    task_id: str

    @property
    def is_session_id(self) -> bool:
        return is_session_id(self.task_id)


@dataclass(frozen=True)
class History:
    pass


@dataclass(frozen=True)
class Usage:
    pass


@dataclass
class Generate:
    spec: TaskSpec
    images: list[Ref] = field(default_factory=list)
    clothes: list[Ref] = field(default_factory=list)
    preset: str | None = None  # the named preset asked for; applied with the channel's defaults when recorded

    @property
    def image_count(self) -> int:
        return len(self.images) + len(self.clothes)


Command = Help | OpenForm | StatusLookup | History | Usage | Generate


def _words(text: str) -> list[str]:
    """Split on spaces, keeping "quoted phrases" (straight or curly quotes) after key= together."""
    return WORD.findall(text)


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in OPENING_QUOTES and value[-1] in CLOSING_QUOTES:
        return value[1:-1]
    return value


def unclosed_quote_problem(key: str, value: str) -> str | None:
    """The sentence for key="words with no closing quote, which would otherwise be taken quote and all."""
    if value and value[0] in OPENING_QUOTES and (len(value) < 2 or value[-1] not in CLOSING_QUOTES):
        return f'The quote after {key}= is not closed: end the words with a second ", e.g. {key}="like this".'
    return None


def _either(words: tuple[str, ...] | list[str]) -> str:
    """ "a, b or c": the values a person may choose from, as a sentence."""
    return f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else "".join(words)


def refuse_unknown_keys(
    pairs: dict[str, str], allowed: tuple[str, ...] | list[str], *, what: str, takes: str, note: str = ""
) -> None:
    """Raise CommandError naming every key of `pairs` not in `allowed`, and listing the allowed ones.

    :param what: the word for one key in the sentence, e.g. "option" or "key".
    :param takes: how the list of allowed keys is introduced, e.g. "Options are".
    :param note: a last remark inside the sentence, e.g. where the other keys belong.
    """
    unknown = sorted(set(pairs) - set(allowed))
    if unknown:
        named = ", ".join(k + "=" for k in unknown)
        raise CommandError(f"Unknown {what} {named}. {takes}: {', '.join(f'{k}=' for k in allowed)}{note}.")


def _and(words: list[str]) -> str:
    return f"{', '.join(words[:-1])} and {words[-1]}" if len(words) > 1 else "".join(words)


# Built once from the scene rules, as every slash command is checked before its ack: per scene, the sentence
# refusing each option it does not take.
MISPLACED_OPTION_TEXT: dict[str, dict[str, str]] = {
    scene: {
        name: f"{name}= is for {_and([_SCENE_NOUNS[s] for s, fits in OPTIONS_BY_SCENE.items() if name in fits])} only."
        for name in OPTION_NAMES
        if name not in takes
    }
    for scene, takes in OPTIONS_BY_SCENE.items()
}
NO_PROMPT_TEXT: dict[str, str] = {
    scene: f"{_SCENE_NOUNS[scene].capitalize()} takes no prompt"
    + (f": {_NO_PROMPT_REASONS[scene]}." if scene in _NO_PROMPT_REASONS else ".")
    for scene in OPTIONS_BY_SCENE
    if scene not in PROMPT_SCENES
}
# The scenes to suggest instead, in the order people read them in the help.
PROMPT_SCENE_WORDS = _either([scene for scene in OPTIONS_BY_SCENE if scene in PROMPT_SCENES])


def scene_refusal(scene: str, option_names: Iterable[str], prompt: str | None, *, remove_prompt: str) -> str | None:
    """Why `scene` cannot take the options or prompt a person gave it themselves, or None when it takes them.

    A preset or channel default that does not fit is dropped instead (see bot/presets.py); this is for what was
    typed or chosen, which the person meant. `remove_prompt` says how to take the prompt out on this surface.
    """
    misplaced = MISPLACED_OPTION_TEXT.get(scene, {})
    problems = [misplaced[name] for name in option_names if name in misplaced]
    if prompt and scene in NO_PROMPT_TEXT:
        problems.insert(0, f"{NO_PROMPT_TEXT[scene]} {remove_prompt}, or choose {PROMPT_SCENE_WORDS}.")
    return " ".join(problems) or None


def parse_options(pairs: dict[str, str]) -> TaskOptions:
    refuse_unknown_keys(pairs, OPTION_NAMES, what="option", takes="Options are")
    options = TaskOptions()
    if "ratio" in pairs:
        if pairs["ratio"] not in ASPECT_RATIOS:
            raise CommandError(f"ratio={pairs['ratio']} is not offered. Use one of: {', '.join(ASPECT_RATIOS)}.")
        options.ratio = pairs["ratio"]
    if "count" in pairs:
        fewest, most = OUTPUT_IMAGE_COUNT
        if not pairs["count"].isdigit() or not fewest <= int(pairs["count"]) <= most:
            raise CommandError(f"count={pairs['count']} is not allowed: give a whole number from {fewest} to {most}.")
        options.count = int(pairs["count"])
    if "resolution" in pairs:
        if pairs["resolution"].upper() not in RESOLUTIONS:
            raise CommandError(f"resolution={pairs['resolution']} is not offered. Use {_either(RESOLUTIONS)}.")
        options.resolution = pairs["resolution"].upper()
    if "storage" in pairs:
        if pairs["storage"].lower() not in STORAGE_MODES:
            raise CommandError(f"storage={pairs['storage']} is not offered. Use {_either(list(STORAGE_MODES))}.")
        options.storage = pairs["storage"].lower()
    if "model" in pairs:
        if pairs["model"].lower() not in TRY_ON_MODEL_ALIASES and pairs["model"] not in TRY_ON_MODELS:
            raise CommandError(f"model={pairs['model']} is not offered. Use {_either(list(TRY_ON_MODEL_ALIASES))}.")
        options.model = pairs["model"]
    if "negative" in pairs:
        if not pairs["negative"].strip():
            raise CommandError('negative= needs words, e.g. negative="people, text".')
        options.negative = pairs["negative"]
    return options


def parse_generate(scene_word: str, words: list[str], attached: list[Ref]) -> Generate:
    scene = SCENE_ALIASES.get(scene_word.lower())
    if scene is None:
        raise CommandError(f"`{scene_word}` is not a scene. Use product, tryon or outpaint, or type `/aigc help`.")
    refs: list[Ref] = []
    prompt_words: list[str] = []
    pairs: dict[str, str] = {}
    for word in words:
        target = unwrap_slack_link(word)
        url = is_url(target)
        option = None if url else OPTION.match(word)
        if option:
            key = option.group(1).lower()
            if key in pairs:
                raise CommandError(f"{key}= is given twice; keep one.")
            if problem := unclosed_quote_problem(key, option.group(2)):
                raise CommandError(problem)
            pairs[key] = _unquote(option.group(2))
        elif url or "://" in target or (target.isdigit() and not prompt_words):
            # Digits count as a FileId only before the prompt starts, so "show 3 colours" stays a prompt.
            try:
                refs.append(parse_ref(word, allow_paths=False))
            except BadRef as bad:
                raise CommandError(str(bad)) from None
        else:
            prompt_words.append(word)
    preset = pairs.pop("preset", None)
    if preset is not None and (problem := preset_name_problem(preset)):
        raise CommandError(problem)
    options = parse_options(pairs)
    prompt = " ".join(prompt_words).strip() or None
    spec = TaskSpec(scene=scene, prompt=prompt, options=options)
    command = _with_images(spec, [*attached, *refs], preset)
    if problem := scene_refusal(scene, pairs, prompt, remove_prompt="Remove the text after the image"):
        raise CommandError(problem)
    if prompt and len(prompt) > MAX_PROMPT_CHARS:
        raise CommandError(f"The prompt is {len(prompt)} characters; the most is {MAX_PROMPT_CHARS}.")
    return command


def _with_images(spec: TaskSpec, images: list[Ref], preset: str | None) -> Generate:
    """The request with its images, once their number suits the scene; raises CommandError otherwise."""
    scene = spec.scene
    fewest, most = SCENE_IMAGE_COUNTS[scene]
    if scene == "tryon":
        fewest_clothes, most_clothes = CLOTHES_COUNT
        if len(images) < most + fewest_clothes:
            raise CommandError(
                f"tryon needs a model image and {fewest_clothes} to {most_clothes} clothes images: "
                "`/aigc tryon <model-image> <clothes-image> [more clothes] [prompt]`."
            )
        if len(images) > most + most_clothes:
            raise CommandError(
                f"tryon takes {most} model image and at most {most_clothes} clothes images; got {len(images)} images."
            )
        return Generate(spec=spec, images=images[:most], clothes=images[most:], preset=preset)
    if not images:
        raise CommandError(
            f"{scene} needs at least one image: a link, a VOD FileId, or an attached image. "
            "Type `/aigc help` for examples."
        )
    if scene == "outpaint" and len(images) != most:
        raise CommandError(f"outpaint extends exactly {most} image; got {len(images)}.")
    if scene == "product" and len(images) > most:
        raise CommandError(f"product takes {fewest} to {most} images of one product; got {len(images)}.")
    return Generate(spec=spec, images=images, preset=preset)


def parse_command(text: str, attached: list[Ref] | None = None) -> Command:
    words = _words(text.strip())
    attached = attached or []
    if not words:
        return OpenForm() if not attached else Help()
    head, rest = words[0].lower(), words[1:]
    if head in ("help", "-h", "--help", "?"):
        return Help()
    if head == "status":
        if len(rest) != 1:
            raise CommandError("Give one TaskId or SessionId: `/aigc status <TaskId or SessionId>`.")
        return StatusLookup(rest[0].strip("`"))
    if head == "history":
        return History()
    if head == "usage":
        return Usage()
    return parse_generate(words[0], rest, attached)


def refs_summary(refs: list[Ref]) -> list[str]:
    """How each input is named in the log and in "Run again"."""
    out = []
    for ref in refs:
        if isinstance(ref, FileIdRef):
            out.append(f"fileid:{ref.file_id}")
        elif isinstance(ref, UrlRef):
            out.append(f"url:{ref.url}")
        elif isinstance(ref, PathRef):
            out.append(f"path:{ref.path}")
        else:
            out.append(f"slack:{getattr(ref, 'slack_file_id', '')}")
    return out


def refs_from_summary(items: list[str]) -> list[Ref]:
    from bot.slack.refs import SlackFileRef

    refs: list[Ref] = []
    for item in items:
        kind, _, value = item.partition(":")
        if kind == "fileid":
            refs.append(FileIdRef(value))
        elif kind == "url":
            refs.append(UrlRef(value))
        elif kind == "path":
            refs.append(PathRef(Path(value)))
        elif kind == "slack":
            refs.append(SlackFileRef(value))
    return refs
