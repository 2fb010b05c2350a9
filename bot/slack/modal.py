"""The /aigc form: a Slack modal built per scene, and its submission read back into a command."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot import rules, wording
from bot.rules import Draft, Naming, Refused, check
from bot.slack.command_text import Generate
from bot.slack.messages import context_block, plain_text
from bot.slack.refs import BadRef, FileIdRef, Ref, SlackFileRef, UrlRef, parse_ref
from bot.tencent.models import ASPECT_RATIOS, CLOTHES_COUNT, MAX_PROMPT_CHARS, OUTPUT_IMAGE_COUNT, RESOLUTIONS
from bot.tencent.scenes import SCENE_LABELS, TRY_ON_MODEL_ALIASES

FORM_CALLBACK = "aigc_form"
SCENE_ACTION = "scene_select"
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp"]
# Slack shows at most 100 options in a static select.
MAX_PRESET_OPTIONS = 100
# How the form names each try-on model; a model missing here is shown by its short name.
_MODEL_LABELS = {"lite": "Lite (fastest)", "flash": "Flash", "pro": "Pro (best)"}
# The form's fields as its labels name them, and the block each of the rulebook's fields is shown on.
_LABELS = {
    "ratio": wording.form.ASPECT_RATIO,
    "count": wording.form.HOW_MANY_IMAGES,
    "model": "Quality",
    "negative": "Avoid",
}
_BLOCKS = {"image": "images"}
# A sentence of the rulebook sits on the field it is about, so the field is named by its label at most.
FORM = Naming(
    name=lambda key: _LABELS.get(key, key.capitalize()),
    given=lambda key, value: value,
    image_sources=wording.form.ATTACH_OR_LINK,
    remove_prompt="Clear the Prompt field",
)
# Slack's longest plain_text_input, and its limit on a view's private_metadata.
MAX_LINKS_CHARS = 3000
MAX_PRIVATE_METADATA = 3000


@dataclass
class FormContext:
    """What the form must remember between opening and submission (kept in private_metadata)."""

    channel_id: str
    source: str = "modal"
    thread_ts: str | None = None
    response_url: str | None = None
    preset_files: list[dict[str, str]] = field(default_factory=list)  # id and name of message images
    # Image links or FileIds the bot filled in itself (a result to build on), and the request they came from.
    links: list[str] = field(default_factory=list)
    derived_from: int | None = None

    def dump(self) -> str:
        data: dict[str, Any] = {
            "c": self.channel_id,
            "s": self.source,
            "t": self.thread_ts,
            "r": self.response_url,
            "f": [[f["id"], f.get("name", "")[:40]] for f in self.preset_files],
        }
        if self.links:
            data["l"] = self.links
        if self.derived_from is not None:
            data["d"] = self.derived_from
        text = json.dumps(data, separators=(",", ":"))
        if len(text) > MAX_PRIVATE_METADATA:  # the response_url is the one part we can drop
            data["r"] = None
            text = json.dumps(data, separators=(",", ":"))
        return text

    @classmethod
    def load(cls, text: str) -> FormContext:
        """The context `dump` wrote; raises ValueError when the text is not one (never from a form this bot drew)."""
        try:
            data = json.loads(text or "{}")
            return cls(
                channel_id=str(data.get("c", "")),
                source=str(data.get("s", "modal")),
                thread_ts=data.get("t"),
                response_url=data.get("r"),
                preset_files=[{"id": str(i), "name": str(n)} for i, n in data.get("f", [])],
                links=[str(link) for link in data.get("l", [])],
                derived_from=int(data["d"]) if data.get("d") is not None else None,
            )
        except (ValueError, TypeError, AttributeError) as unreadable:
            raise ValueError("the form's private_metadata is not what this bot wrote") from unreadable


def _option(value: str, label: str | None = None) -> dict[str, Any]:
    return {"text": plain_text(label or value), "value": value}


def input_block(
    block_id: str, label: str, element: dict[str, Any], optional: bool = True, hint: str = ""
) -> dict[str, Any]:
    block = {"type": "input", "block_id": block_id, "optional": optional, "label": plain_text(label)}
    return block | {"element": element} | ({"hint": plain_text(hint)} if hint else {})


def _select(block_id: str, label: str, options: list[dict[str, Any]]) -> dict[str, Any]:
    return input_block(block_id, label, {"type": "static_select", "action_id": "value", "options": options})


def _files(block_id: str, label: str, max_files: int, optional: bool, hint: str) -> dict[str, Any]:
    element = {"type": "file_input", "action_id": "files", "filetypes": IMAGE_TYPES, "max_files": max_files}
    return input_block(block_id, label, element, optional, hint)


def _text(block_id: str, label: str, multiline: bool, max_length: int, placeholder: str) -> dict[str, Any]:
    element = {"type": "plain_text_input", "action_id": "value", "multiline": multiline, "max_length": max_length}
    return input_block(block_id, label, element | {"placeholder": plain_text(placeholder)})


def _links(links: list[str], scene: str) -> dict[str, Any]:
    """The image links or FileIds the form was opened with, shown so the person sees and may change them."""
    order = wording.form.TRYON_ORDER if scene == "tryon" else ""
    element = {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": MAX_LINKS_CHARS}
    element["initial_value"] = "\n".join(links)[:MAX_LINKS_CHARS]
    return input_block(
        "links", wording.form.LINKS_LABEL, element, hint=wording.form.ATTACHED_COME_AFTER.format(order=order)
    )


def form_view(scene: str, context: FormContext, presets: Sequence[str] = ()) -> dict[str, Any]:
    """The form for `scene`; `presets` are the workspace's preset names, offered in a select when there are any."""
    preset = bool(context.preset_files or context.links)
    scenes = [_option(key, label) for key, label in SCENE_LABELS.items()]
    initial = _option(scene, SCENE_LABELS[scene])
    picker = {"type": "static_select", "action_id": SCENE_ACTION, "options": scenes, "initial_option": initial}
    scene_block = input_block("scene", wording.form.SCENE_LABEL, picker, optional=False)
    blocks: list[dict[str, Any]] = [scene_block | {"dispatch_action": True}]
    if context.links:
        blocks.append(_links(context.links, scene))
    if context.preset_files:
        names = ", ".join(f["name"] or f["id"] for f in context.preset_files)
        how = wording.form.TRYON_ORDER_AFTER if scene == "tryon" else ""
        using = wording.form.USING_MESSAGE_IMAGES.format(
            preset_images=len(context.preset_files), names=names[:2000], how=how
        )
        blocks.append(context_block(using))
    fewest, most = rules.IMAGE_COUNTS[scene]
    ratios = [_option(r) for r in ASPECT_RATIOS]
    if scene == "tryon":
        fewest_clothes, most_clothes = CLOTHES_COUNT
        blocks.append(_files("images", wording.form.MODEL_PHOTO, most, preset, wording.form.MODEL_IMAGE_HINT))
        clothes_hint = wording.form.CLOTHES_IMAGES_HINT.format(fewest_clothes=fewest_clothes, most_clothes=most_clothes)
        blocks.append(_files("clothes", "Clothes", most_clothes, preset, clothes_hint))
        models = [_option(alias, _MODEL_LABELS.get(alias, alias.title())) for alias in TRY_ON_MODEL_ALIASES]
        blocks.append(_select("model", "Quality", models))
        blocks.append(_select("resolution", "Resolution", [_option(r) for r in RESOLUTIONS]))
    elif scene == "product":
        images_hint = wording.form.PRODUCT_IMAGES_HINT.format(fewest=fewest, most=most)
        blocks.append(_files("images", wording.form.PRODUCT_IMAGES, most, preset, images_hint))
        blocks.append(_select("ratio", wording.form.ASPECT_RATIO, ratios))
        counts = range(OUTPUT_IMAGE_COUNT[0], OUTPUT_IMAGE_COUNT[1] + 1)
        blocks.append(_select("count", wording.form.HOW_MANY_IMAGES, [_option(str(n)) for n in counts]))
        blocks.append(_text("negative", "Avoid", False, 500, wording.form.NEGATIVE_PLACEHOLDER))
    else:
        blocks.append(_files("images", wording.form.IMAGE_TO_EXTEND, most, preset, wording.form.OUTPAINT_IMAGES_HINT))
        blocks.append(_select("ratio", wording.form.ASPECT_RATIO, ratios))
    if presets:
        choices = [_option(name) for name in presets[:MAX_PRESET_OPTIONS]]
        blocks.append(_select("preset", "Preset", choices))
    if scene in rules.PROMPT_SCENES:
        blocks.append(_text("prompt", "Prompt", True, MAX_PROMPT_CHARS, wording.form.PROMPT_PLACEHOLDER))
    return modal_view(FORM_CALLBACK, context.dump(), wording.form.TITLE, wording.form.SUBMIT, blocks)


def modal_view(
    callback_id: str, metadata: str, title: str, submit: str, blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    """A form of the bot's: its blocks under `title`, the `submit` button and Cancel."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": plain_text(title),
        "submit": plain_text(submit),
        "close": plain_text(wording.slack.CANCEL),
        "blocks": blocks,
    }


def _value(values: dict[str, Any], block: str) -> str | None:
    element: dict[str, Any] = next(iter(values.get(block, {}).values()), {})
    if element.get("type") == "static_select":
        selected = element.get("selected_option")
        return str(selected["value"]) if selected else None
    value = element.get("value")
    return str(value).strip() or None if value is not None else None


def _uploaded(values: dict[str, Any], block: str) -> list[dict[str, Any]]:
    element: dict[str, Any] = next(iter(values.get(block, {}).values()), {})
    return list(element.get("files") or [])


def _linked(text: str | None, filled_in: list[str]) -> list[Ref] | str:
    """The images named in the links field, or the sentence saying which one cannot be used."""
    refs: list[Ref] = []
    for word in (text or "").replace(",", " ").split():
        if word in filled_in:
            # Filled in by the bot from Tencent's own answer about an earlier task, so it is not judged again.
            refs.append(FileIdRef(word) if word.isdigit() else UrlRef(word))
            continue
        try:
            refs.append(parse_ref(word, allow_paths=False))
        except BadRef as bad:
            return str(bad)
    return refs


@dataclass
class FormResult:
    command: Generate | None
    errors: dict[str, str]
    files: dict[str, dict[str, Any]]


def read_submission(values: dict[str, Any], context: FormContext) -> FormResult:
    """The command a submitted form asks for, or per-block errors to show on the right fields."""
    scene = _value(values, "scene") or "product"
    images = _uploaded(values, "images")
    clothes = _uploaded(values, "clothes")
    files = {f["id"]: f for f in images + clothes if "id" in f}
    errors: dict[str, str] = {}
    linked = _linked(_value(values, "links"), context.links)
    if isinstance(linked, str):
        errors["links"], linked = linked, []
    preset: list[Ref] = linked + [SlackFileRef(f["id"], f.get("name", "")) for f in context.preset_files]
    image_refs: list[Ref] = [SlackFileRef(f["id"], f.get("name", "")) for f in images]
    clothes_refs: list[Ref] = [SlackFileRef(f["id"], f.get("name", "")) for f in clothes]
    if scene == "tryon" and preset:
        # Images from the message or links come first: the model photo, unless one was attached, then clothes.
        image_refs, clothes_refs = (image_refs or preset[:1]), preset[1:] + clothes_refs
    elif scene != "tryon":
        image_refs, clothes_refs = preset + image_refs, []
    options = {
        k: v for k in ("ratio", "count", "model", "resolution", "negative") if (v := _value(values, k)) is not None
    }
    # The form shows only the fields the scene takes; a value for another can come only from a form drawn for
    # another scene (or by an older version), and is refused on its field rather than failing after the ack.
    draft = Draft(scene, image_refs, clothes_refs, _value(values, "prompt"), options, preset=_value(values, "preset"))
    try:
        checked = check(draft, FORM)
    except Refused as refused:
        errors.update({_BLOCKS.get(key, key): problem for key, problem in refused.problems.items()})
    if errors:
        return FormResult(None, errors, files)
    command = Generate(spec=checked.spec, images=checked.images, clothes=checked.clothes, preset=draft.preset)
    return FormResult(command, {}, files)
