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
    spec: TaskSpec, *, sub_app_id: int, images: list[FileInfo], clothes: list[FileInfo]
) -> CreateSceneAigcImageTaskRequest:
    """The API request for a spec bot/rules.py has passed; raises RequestInvalid (in the API's field names).

    Each scene's config is sent whenever one of its fields is given, so a field the scene does not take is
    refused by the request's own schema rather than dropped.
    """
    scene_type = SCENE_TYPES[spec.scene]
    opts = spec.options
    if spec.prompt is not None and scene_type not in models.SCENES_WITH_PROMPT:
        raise RequestInvalid([f"SceneInfo: Type {scene_type} takes no Prompt"])
    scene_info: dict[str, Any] = {"type": scene_type}
    if scene_type == "product_image" or opts.count is not None or opts.negative is not None:
        scene_info["product_image_config"] = {
            "prompt": spec.prompt if scene_type == "product_image" else None,
            "negative_prompt": opts.negative,
            "output_image_count": opts.count,
        }
    if scene_type == "ai_try_on" or clothes or opts.model is not None:
        scene_info["ai_try_on_config"] = {
            "model": TRY_ON_MODEL_ALIASES.get((opts.model or "").lower(), opts.model),
            "clothes_file_infos": clothes,
            "prompt": spec.prompt if scene_type == "ai_try_on" else None,
        }
    output: dict[str, Any] = {
        "storage_mode": STORAGE_MODES.get((opts.storage or "").lower(), opts.storage),
        "media_name": opts.media_name,
        "aspect_ratio": opts.ratio,
        "resolution": opts.resolution.upper() if opts.resolution else None,
    }
    output = {k: v for k, v in output.items() if v is not None}
    return build_request(
        {
            "sub_app_id": sub_app_id,
            "scene_info": scene_info,
            "file_infos": images,
            "output_config": output or None,
            "session_id": spec.session_id,
            "session_context": spec.session_context,
        }
    )
