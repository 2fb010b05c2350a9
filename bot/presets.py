"""Which options a request runs with: explicit option > preset > channel defaults > built-in (Tencent's own).

A preset's or default's option (or a preset's prompt) that the scene does not take is left out; one typed is
refused when the command is read (bot/rules.py).

`apply_workflow` is the one place that turns a parsed request into the one that is recorded and run; every
surface that records requests calls it, so a restart or "Run again" reads the options that were applied.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from bot import wording
from bot.rules import PROMPT_SCENES, options_for, prompt_too_long
from bot.slack import presets_text as text
from bot.slack.command_text import CommandError, Generate
from bot.store.presets import Preset, PresetStore
from bot.tencent.scenes import TaskOptions, TaskSpec


def effective_options(
    scene: str, explicit: TaskOptions, preset: dict[str, Any] | None = None, defaults: dict[str, Any] | None = None
) -> TaskOptions:
    """Options typed win, then the preset's, then the channel's; a preset or default the scene does not take
    is left out, so a channel default such as count= never breaks a try-on."""
    typed = explicit.to_dict()
    return TaskOptions(**{**typed, **options_for(scene, typed, preset or {}, defaults or {})})


def prompt_with_preset(preset_prompt: str | None, prompt: str | None) -> str | None:
    """The preset's prompt goes first, so the person's own words read as the specifics."""
    if not preset_prompt:
        return prompt
    if not prompt:
        return preset_prompt
    joiner = " " if preset_prompt.rstrip()[-1:] in ".,;:!?" else ", "
    return preset_prompt.rstrip() + joiner + prompt


def apply_workflow(store: PresetStore, *, team_id: str, channel_id: str, command: Generate) -> Generate:
    """The request as it will run: its preset (by name) and the channel's defaults filled in.

    Raises CommandError, with a sentence for the person, for an unknown preset, a preset made for another
    scene, or a combined prompt that is too long.
    """
    preset: Preset | None = None
    if command.preset:
        preset = store.preset(team_id, command.preset)
        if preset is None:
            raise CommandError(wording.slack.NO_SUCH_PRESET.format(name=command.preset))
        if preset.scene and preset.scene != command.spec.scene:
            raise CommandError(
                wording.slack.PRESET_FOR_OTHER_SCENE.format(
                    name=preset.name, scene=preset.scene, asked_scene=command.spec.scene
                )
            )
    defaults = store.channel_defaults(team_id, channel_id) if channel_id else None
    if preset is None and defaults is None:
        return command  # the common case, before every ack: nothing to fill in
    spec = command.spec
    options = effective_options(
        spec.scene, spec.options, preset.options if preset else None, defaults.options if defaults else None
    )
    # Like its options, a preset's prompt is left out where the scene takes none (a preset without scene= may
    # be used for outpainting); a prompt typed for such a scene was refused when it was read.
    preset_prompt = preset.prompt if preset and spec.scene in PROMPT_SCENES else None
    prompt = prompt_with_preset(preset_prompt, spec.prompt)
    if problem := prompt_too_long(prompt, wording.slack.PRESET_PROMPT_WHAT.format(preset=command.preset)):
        raise CommandError(problem)
    applied = TaskSpec(
        scene=spec.scene,
        prompt=prompt,
        options=options,
        session_id=spec.session_id,
        session_context=spec.session_context,
    )
    return replace(command, spec=applied)


@dataclass
class Workflows:
    """Answers `/aigc preset …` and `/aigc defaults …`, deciding who may change what."""

    store: PresetStore
    admins: frozenset[str]

    def apply(self, command: Generate, *, team_id: str, channel_id: str) -> Generate:
        return apply_workflow(self.store, team_id=team_id, channel_id=channel_id, command=command)

    def preset_names(self, team_id: str) -> list[str]:
        return [preset.name for preset in self.store.presets(team_id)]

    def answer(self, command: text.WorkflowCommand, *, team_id: str, channel_id: str, user_id: str) -> str:
        """The reply to a preset or defaults command; raises CommandError for input the person can fix."""
        if isinstance(command, text.PresetList):
            return text.preset_list_text(self.store.presets(team_id))
        if isinstance(command, text.PresetShow):
            return text.preset_show_text(self._existing(team_id, command.name))
        if isinstance(command, text.PresetDelete):
            preset = self._existing(team_id, command.name)
            if not self._may_change(preset, user_id):
                return self._not_yours(preset, "delete")
            self.store.delete_preset(team_id, command.name)
            return wording.slack.PRESET_DELETED.format(name=command.name)
        if isinstance(command, text.PresetSave):
            return self._save(command, team_id=team_id, user_id=user_id)
        if isinstance(command, text.DefaultsShow):
            return text.defaults_text(self.store.channel_defaults(team_id, channel_id))
        if self.admins and user_id not in self.admins:
            names = ", ".join(f"<@{admin}>" for admin in sorted(self.admins))
            return wording.slack.ONLY_ADMINS_SET_DEFAULTS.format(names=names)
        if isinstance(command, text.DefaultsClear):
            had_any = self.store.clear_channel_defaults(team_id, channel_id)
            return wording.slack.CHANNEL_DEFAULTS_CLEARED if had_any else wording.slack.NO_DEFAULTS_TO_CLEAR
        options = text.defaults_contents(command.pairs)
        self.store.set_channel_defaults(team_id=team_id, channel_id=channel_id, options=options, set_by=user_id)
        return wording.slack.CHANNEL_DEFAULTS_SET.format(options=text.options_text(options))

    def _save(self, command: text.PresetSave, *, team_id: str, user_id: str) -> str:
        options, prompt, scene = text.preset_contents(command.pairs)
        existing = self.store.preset(team_id, command.name)
        if existing is not None and not self._may_change(existing, user_id):
            return self._not_yours(existing, "change")
        self.store.save_preset(
            team_id=team_id, name=command.name, creator=user_id, options=options, prompt=prompt, scene=scene
        )
        saved = self.store.preset(team_id, command.name)
        assert saved is not None
        return text.preset_saved_text(saved, replaced=existing is not None)

    def _existing(self, team_id: str, name: str) -> Preset:
        preset = self.store.preset(team_id, name)
        if preset is None:
            raise CommandError(wording.slack.NO_SUCH_PRESET.format(name=name))
        return preset

    def _may_change(self, preset: Preset, user_id: str) -> bool:
        return user_id == preset.creator or user_id in self.admins

    @staticmethod
    def _not_yours(preset: Preset, verb: str) -> str:
        return wording.slack.ONLY_SAVER_OR_ADMIN.format(creator=preset.creator, verb=verb, name=preset.name)
