"""What a person asks for (scene, images, prompt, options) turned into a CreateSceneAigcImageTask request."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.tencent import models
from bot.tencent.models import CreateSceneAigcImageTaskRequest, FileInfo, RequestInvalid, build_request

SCENE_TYPES = {"product": "product_image", "tryon": "ai_try_on", "outpaint": "outpainting"}
SCENE_LABELS = {"product": "AI product image", "tryon": "AI try-on", "outpaint": "AI outpainting"}
# The words people type for the API's values: storage=temporary, model=lite (the last part of the model name).
STORAGE_MODES = {mode.lower(): mode for mode in models.STORAGE_MODES}
TRY_ON_MODEL_ALIASES = {name.rsplit("-", 1)[-1]: name for name in models.TRY_ON_MODELS}
# (fewest, most) images per scene: the images it works on, and for tryon the clothes besides the model image.
SCENE_IMAGE_COUNTS = {scene: models.SCENE_IMAGE_COUNTS[api_type] for scene, api_type in SCENE_TYPES.items()}

# Which of a person's options each scene takes (the request models enforce the same rules on the API's fields;
# tests/test_scene_rules.py checks the two agree). A preset or channel default that does not fit is left out.
OPTIONS_BY_SCENE: dict[str, frozenset[str]] = {
    "product": frozenset({"ratio", "count", "negative", "storage"}),
    "tryon": frozenset({"model", "resolution", "storage"}),
    "outpaint": frozenset({"ratio", "storage"}),
}
# The scenes that take a prompt (and so a preset's prompt); a prompt typed for another is refused.
PROMPT_SCENES = frozenset(scene for scene, api_type in SCENE_TYPES.items() if api_type in models.SCENES_WITH_PROMPT)


@dataclass
class TaskOptions:
    ratio: str | None = None
    count: int | None = None
    resolution: str | None = None
    storage: str | None = None
    model: str | None = None
    negative: str | None = None
    media_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class TaskSpec:
    """A request in a person's terms; FileInfos are resolved (uploaded) before it becomes an API request."""

    scene: str
    prompt: str | None = None
    options: TaskOptions = field(default_factory=TaskOptions)
    session_id: str | None = None
    session_context: str | None = None


def build_task_request(
    spec: TaskSpec,
    *,
    sub_app_id: int,
    images: list[FileInfo],
    clothes: list[FileInfo],
) -> CreateSceneAigcImageTaskRequest:
    """Validate every rule of the scene; raises bot.models.RequestInvalid naming the field."""
    scene_type = SCENE_TYPES[spec.scene]
    opts = spec.options
    scene_info: dict[str, Any] = {"type": scene_type}
    if scene_type == "product_image":
        scene_info["product_image_config"] = {
            "prompt": spec.prompt,
            "negative_prompt": opts.negative,
            "output_image_count": opts.count,
        }
    elif scene_type == "ai_try_on":
        scene_info["ai_try_on_config"] = {
            "model": TRY_ON_MODEL_ALIASES.get((opts.model or "").lower(), opts.model),
            "clothes_file_infos": clothes,
            "prompt": spec.prompt,
        }
    output: dict[str, Any] = {
        "storage_mode": STORAGE_MODES.get((opts.storage or "").lower(), opts.storage),
        "media_name": opts.media_name,
        "aspect_ratio": opts.ratio,
        "resolution": opts.resolution.upper() if opts.resolution else None,
    }
    output = {k: v for k, v in output.items() if v is not None}
    data: dict[str, Any] = {
        "sub_app_id": sub_app_id,
        "scene_info": scene_info,
        "file_infos": images,
        "output_config": output or None,
        "session_id": spec.session_id,
        "session_context": spec.session_context,
    }
    misplaced = [
        f"{what} applies only to the {where} scene"
        for what, given, where in (
            ("clothes images", bool(clothes), "tryon"),
            ("model", opts.model is not None, "tryon"),
            ("count", opts.count is not None, "product"),
            ("negative", opts.negative is not None, "product"),
        )
        if given and spec.scene != where
    ]
    if spec.prompt is not None and spec.scene == "outpaint":
        misplaced.append("a prompt does not apply to the outpaint scene: outpainting extends the image without one")
    if misplaced:
        raise RequestInvalid(misplaced)
    return build_request(data)
