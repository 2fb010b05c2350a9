"""`/aigc preset …` and `/aigc defaults …`: reading them, checking their options, and the answers shown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot import wording
from bot.rules import OPTION_NAMES, Checked, Draft, Naming, Refused, check
from bot.slack.command_text import CommandError, refuse_unknown_keys, unclosed_quote_problem
from bot.slack.messages import escape
from bot.store.presets import ChannelDefaults, Preset, preset_name_problem

PRESET_KEYS = (*OPTION_NAMES, "scene", "prompt")
_PAIR = re.compile(r'^([A-Za-z_]+)=(?:"([^"]*)"|“([^”]*)”|(.*))$', re.DOTALL)
_WORD = re.compile(r'[A-Za-z_]+=(?:"[^"]*"|“[^”]*”)|\S+')


@dataclass(frozen=True)
class PresetSave:
    name: str
    pairs: dict[str, str]


@dataclass(frozen=True)
class PresetList:
    pass


@dataclass(frozen=True)
class PresetShow:
    name: str


@dataclass(frozen=True)
class PresetDelete:
    name: str


@dataclass(frozen=True)
class DefaultsShow:
    pass


@dataclass(frozen=True)
class DefaultsSet:
    pairs: dict[str, str]


@dataclass(frozen=True)
class DefaultsClear:
    pass


WorkflowCommand = PresetSave | PresetList | PresetShow | PresetDelete | DefaultsShow | DefaultsSet | DefaultsClear


def _pairs(words: list[str]) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for word in words:
        match = _PAIR.match(word)
        if match is None:
            raise CommandError(wording.slack.NOT_KEY_VALUE.format(word=word[:40]))
        key = match.group(1).lower()
        if key in pairs:
            raise CommandError(wording.rules.GIVEN_TWICE.format(key=key))
        if match.group(4) is not None and (problem := unclosed_quote_problem(key, match.group(4))):
            raise CommandError(problem)
        pairs[key] = next(part for part in match.groups()[1:] if part is not None)
    return pairs


def _name(words: list[str], action: str) -> str:
    if not words:
        raise CommandError(wording.slack.PRESET_NAME_MISSING.format(action=action))
    problem = preset_name_problem(words[0])
    if problem:
        raise CommandError(problem)
    return words[0]


def parse_workflow_command(text: str) -> WorkflowCommand | None:
    """The preset or defaults command `text` asks for; None when it asks for something else."""
    words = _WORD.findall(text.strip())
    if not words or words[0].lower() not in ("preset", "presets", "defaults"):
        return None
    head, rest = words[0].lower(), words[1:]
    if head == "defaults":
        if not rest:
            return DefaultsShow()
        if [w.lower() for w in rest] == ["clear"]:
            return DefaultsClear()
        return DefaultsSet(_pairs(rest))
    action = rest[0].lower() if rest else "list"
    if action == "list" and len(rest) <= 1:
        return PresetList()
    if action == "save":
        return PresetSave(_name(rest[1:], action), _pairs(rest[2:]))
    if action in ("show", "delete"):
        name = _name(rest[1:], action)
        if len(rest) > 2:
            raise CommandError(
                wording.slack.PRESET_TAKES_ONE_NAME.format(action=action, usage=wording.slack.PRESET_USAGE)
            )
        return PresetShow(name) if action == "show" else PresetDelete(name)
    raise CommandError(wording.slack.PRESET_USAGE)


# Presets and defaults are typed as key=value, and their sentences name the keys so.
KEYS = Naming(
    name=lambda key: f"{key}=",
    given=lambda key, value: f"{key}={value}",
    image_sources="",
    remove_prompt="Leave out prompt=",
)


def _settings(draft: Draft[object]) -> Checked[object]:
    """A request's settings without images, checked by the rulebook; raises CommandError."""
    try:
        return check(draft, KEYS, with_images=False)
    except Refused as refused:
        raise CommandError(str(refused)) from None


def preset_contents(pairs: dict[str, str]) -> tuple[dict[str, Any], str | None, str | None]:
    """A preset's options, prompt and scene, under the rules of every request."""
    refuse_unknown_keys(pairs, PRESET_KEYS, what="key", takes="A preset takes")
    options = {k: v for k, v in pairs.items() if k in OPTION_NAMES}
    checked = _settings(Draft(pairs.get("scene"), prompt=pairs.get("prompt"), options=options))
    if not options and checked.prompt is None and checked.scene is None:
        raise CommandError(wording.slack.PRESET_NEEDS_AN_OPTION)
    return checked.options.to_dict(), checked.prompt, checked.scene


def defaults_contents(pairs: dict[str, str]) -> dict[str, Any]:
    """A channel's default options, under the rules of every request."""
    refuse_unknown_keys(
        pairs, OPTION_NAMES, what="key", takes="Channel defaults take", note=wording.slack.SCENE_AND_PROMPT_IN_PRESET
    )
    return _settings(Draft(options=pairs)).options.to_dict()


# -- answers ------------------------------------------------------------------------------------------


def options_text(options: dict[str, Any]) -> str:
    return " · ".join(f"{k}={escape(str(v))}" for k, v in options.items()) or "no options"


def _preset_line(preset: Preset) -> str:
    parts = [f"`{preset.name}`"]
    if preset.scene:
        parts.append(f"({preset.scene})")
    parts.append(options_text(preset.options))
    if preset.prompt:
        parts.append(f"· prompt “{escape(preset.prompt[:80])}”")
    return " ".join(parts)


def preset_saved_text(preset: Preset, *, replaced: bool) -> str:
    verb = "Updated" if replaced else "Saved"
    scene = preset.scene or "product"
    return wording.slack.PRESET_SAVED.format(verb=verb, preset=_preset_line(preset), scene=scene, name=preset.name)


def preset_list_text(presets: list[Preset]) -> str:
    if not presets:
        return wording.slack.NO_PRESETS_YET
    lines = [f"• {_preset_line(p)} — by <@{p.creator}>" for p in presets]
    return "*Presets in this workspace*\n" + "\n".join(lines)


def preset_show_text(preset: Preset) -> str:
    lines = [
        f"*Preset `{preset.name}`*",
        f"Scene: {preset.scene or 'any'}",
        f"Options: {options_text(preset.options)}",
        f"Prompt before yours: {('“' + escape(preset.prompt) + '”') if preset.prompt else 'none'}",
        f"Saved by <@{preset.creator}> · updated {preset.updated_at}",
    ]
    return "\n".join(lines)


def defaults_text(defaults: ChannelDefaults | None) -> str:
    if defaults is None or not defaults.options:
        return wording.slack.NO_CHANNEL_DEFAULTS
    return wording.slack.CHANNEL_DEFAULTS_SHOWN.format(
        defaults=options_text(defaults.options), set_by=defaults.set_by, set_at=defaults.set_at
    )
