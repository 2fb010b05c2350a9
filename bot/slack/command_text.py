"""Reading what people type after /aigc (or after @mentioning the bot) into a command."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bot import wording
from bot.errors import BotError
from bot.rules import OPTION_NAMES, Draft, Naming, Refused, check
from bot.slack.refs import BadRef, FileIdRef, PathRef, Ref, SlackFileRef, UrlRef, is_url, parse_ref, unwrap_slack_link
from bot.tencent.scenes import TaskSpec

OPTION = re.compile(r"^([A-Za-z_]+)=(.*)$", re.DOTALL)
# A word: spaces split words, but "quoted phrases" (straight or curly quotes) after key= stay together.
WORD = re.compile(r'[A-Za-z_]+=(?:"[^"]*"|“[^”]*”)|<[^>]*>|\S+')
# The SessionId the bot sends with every request ("aigc-" and 40 hex digits), which names it at Tencent too.
SESSION_ID = re.compile(r"aigc-[0-9a-f]{40}")
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


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] in OPENING_QUOTES and value[-1] in CLOSING_QUOTES:
        return value[1:-1]
    return value


def unclosed_quote_problem(key: str, value: str) -> str | None:
    """The sentence for key="words with no closing quote, which would otherwise be taken quote and all."""
    if value and value[0] in OPENING_QUOTES and (len(value) < 2 or value[-1] not in CLOSING_QUOTES):
        return wording.rules.QUOTE_NOT_CLOSED.format(key=key)
    return None


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


# How a typed command names its fields: options by their key=, the scene and images by their place.
TYPED = Naming(
    name=lambda key: f"{key}=",
    given=lambda key, value: f"`{value}`" if key == "scene" else f"{key}={value}",
    image_sources=wording.rules.IMAGE_SOURCES,
    remove_prompt=wording.rules.REMOVE_TEXT_AFTER_IMAGE,
    places={"clothes": wording.rules.AFTER_MODEL_IMAGE},
)


def generate(draft: Draft[Ref], naming: Naming) -> Generate:
    """The request a draft asks for, checked by the rulebook; raises CommandError with its sentences."""
    try:
        checked = check(draft, naming)
    except Refused as refused:
        raise CommandError(str(refused)) from None
    return Generate(spec=checked.spec, images=checked.images, clothes=checked.clothes, preset=draft.preset)


def parse_generate(scene_word: str, words: list[str], attached: list[Ref]) -> Generate:
    refs: list[Ref] = list(attached)  # the attached images first, then the typed ones
    prompt_words: list[str] = []
    pairs: dict[str, str] = {}
    for word in words:
        target = unwrap_slack_link(word)
        url = is_url(target)
        option = None if url else OPTION.match(word)
        if option:
            key = option.group(1).lower()
            if key in pairs:
                raise CommandError(wording.rules.GIVEN_TWICE.format(key=key))
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
    refuse_unknown_keys(pairs, OPTION_NAMES, what="option", takes="Options are")
    return generate(Draft(scene_word, refs, prompt=" ".join(prompt_words), options=pairs, preset=preset), TYPED)


def parse_command(text: str, attached: list[Ref] | None = None) -> Command:
    words = WORD.findall(text.strip())
    attached = attached or []
    if not words:
        return OpenForm() if not attached else Help()
    head, rest = words[0].lower(), words[1:]
    if head in ("help", "-h", "--help", "?"):
        return Help()
    if head == "status":
        if len(rest) != 1:
            raise CommandError(wording.rules.STATUS_NEEDS_ONE_ID)
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


_REF_KINDS: dict[str, Callable[[str], Ref]] = {
    "fileid": FileIdRef,
    "url": UrlRef,
    "path": lambda value: PathRef(Path(value)),
    "slack": SlackFileRef,
}


def refs_from_summary(items: list[str]) -> list[Ref]:
    parts = [item.partition(":") for item in items]
    return [_REF_KINDS[kind](value) for kind, _, value in parts if kind in _REF_KINDS]
