"""The CreateSceneAigcImageTask request, validated before any call and serialised as Tencent expects."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_pascal

from bot.errors import BotError

SceneType = Literal[
    "ai_try_on",
    "product_image",
    "outpainting",
    "change_clothes",
    "change_clothes_under",
    "change_clothes_top_wear",
    "change_clothes_bottom_wear",
    "change_clothes_full_wear",
]
CHANGE_CLOTHES_TYPES = frozenset(scene for scene in get_args(SceneType) if scene.startswith("change_clothes"))
# The API's own limits and values, each written once; bot/rules.py says them to people.
TryOnModel = Literal["WAND-tryon-1.0-lite", "WAND-tryon-1.0-flash", "WAND-tryon-1.0-pro"]
TRY_ON_MODELS: tuple[str, ...] = get_args(TryOnModel)
Resolution = Literal["1K", "2K", "4K"]
RESOLUTIONS: tuple[str, ...] = get_args(Resolution)
StorageMode = Literal["Temporary", "Permanent"]
STORAGE_MODES: tuple[str, ...] = get_args(StorageMode)
ASPECT_RATIOS = ("1:1", "3:2", "2:3", "3:4", "4:3", "4:5", "5:4", "16:9", "9:16", "21:9")
MAX_PROMPT_CHARS = 1000
MAX_MEDIA_NAME_CHARS = 64
MAX_SESSION_ID_CHARS = 50
# (fewest, most) images in FileInfos per scene, clothes images in ClothesFileInfos, and product images made.
SCENE_IMAGE_COUNTS: dict[str, tuple[int, int]] = {
    "ai_try_on": (1, 1),
    "product_image": (1, 10),
    "outpainting": (1, 1),
    **{t: (1, 1) for t in CHANGE_CLOTHES_TYPES},
}
CLOTHES_COUNT = (1, 4)
OUTPUT_IMAGE_COUNT = (1, 10)


class ApiModel(BaseModel):
    """PascalCase on the wire, snake_case in Python; unknown fields are mistakes, not extensions."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="forbid")

    def to_wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class FileInfo(ApiModel):
    type: Literal["File", "Url"]
    file_id: str | None = None
    url: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> FileInfo:
        if self.type == "File":
            if not self.file_id or not self.file_id.isdigit():
                raise ValueError("a File input needs FileId, the VOD file id (all digits)")
            if self.url is not None:
                raise ValueError("a File input takes FileId, not Url")
        else:
            if not self.url or not self.url.lower().startswith(("http://", "https://")):
                raise ValueError("a Url input needs Url, an http(s) address")
            if self.file_id is not None:
                raise ValueError("a Url input takes Url, not FileId")
        return self

    @classmethod
    def of_file(cls, file_id: str) -> FileInfo:
        return cls(type="File", file_id=file_id)

    @classmethod
    def of_url(cls, url: str) -> FileInfo:
        return cls(type="Url", url=url)


class AiTryOnConfig(ApiModel):
    model: TryOnModel | None = None
    clothes_file_infos: list[FileInfo] = Field(min_length=CLOTHES_COUNT[0], max_length=CLOTHES_COUNT[1])
    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)


class ProductImageConfig(ApiModel):
    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    negative_prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    product_desc: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    more_requirement: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)
    output_image_count: int | None = Field(default=None, ge=OUTPUT_IMAGE_COUNT[0], le=OUTPUT_IMAGE_COUNT[1])


class ChangeClothesConfig(ApiModel):
    clothes_file_infos: list[FileInfo] = Field(min_length=CLOTHES_COUNT[0], max_length=CLOTHES_COUNT[1])
    prompt: str | None = Field(default=None, max_length=MAX_PROMPT_CHARS)


class SceneInfo(ApiModel):
    type: SceneType
    ai_try_on_config: AiTryOnConfig | None = None
    product_image_config: ProductImageConfig | None = None
    change_clothes_config: ChangeClothesConfig | None = None

    @model_validator(mode="after")
    def _config_matches_type(self) -> SceneInfo:
        wanted = {
            "ai_try_on": "ai_try_on_config",
            "product_image": "product_image_config",
        }.get(self.type, "change_clothes_config" if self.type in CHANGE_CLOTHES_TYPES else None)
        for name in ("ai_try_on_config", "product_image_config", "change_clothes_config"):
            present = getattr(self, name) is not None
            if name == wanted and not present:
                raise ValueError(f"Type {self.type} needs {to_pascal(name)}")
            if name != wanted and present:
                raise ValueError(f"{to_pascal(name)} does not apply to Type {self.type}")
        if self.type in CHANGE_CLOTHES_TYPES and self.type != "change_clothes":
            assert self.change_clothes_config is not None
            if len(self.change_clothes_config.clothes_file_infos) > 1:
                raise ValueError(f"Type {self.type} takes exactly 1 clothes image in ClothesFileInfos")
        return self


# Each scene's own settings in SceneInfo; outpainting has none, so it takes no prompt.
SCENE_CONFIGS: dict[str, type[ApiModel]] = {
    "ai_try_on": AiTryOnConfig,
    "product_image": ProductImageConfig,
    **{t: ChangeClothesConfig for t in CHANGE_CLOTHES_TYPES},
}
SCENES_WITH_PROMPT = frozenset(scene for scene, config in SCENE_CONFIGS.items() if "prompt" in config.model_fields)


class EncodeConfig(ApiModel):
    format: Literal["JPEG", "PNG"] | None = None
    quality: int | None = Field(default=None, ge=1, le=100)


class OutputConfig(ApiModel):
    storage_mode: StorageMode | None = None
    media_name: str | None = Field(default=None, max_length=MAX_MEDIA_NAME_CHARS)
    class_id: int | None = Field(default=None, ge=0)
    expire_time: str | None = None
    aspect_ratio: str | None = None
    encode_config: EncodeConfig | None = None
    image_width: int | None = Field(default=None, gt=0)
    image_height: int | None = Field(default=None, gt=0)
    resolution: Resolution | None = None

    @field_validator("aspect_ratio")
    @classmethod
    def _known_ratio(cls, value: str | None) -> str | None:
        if value is not None and value not in ASPECT_RATIOS:
            raise ValueError(f"must be one of {', '.join(ASPECT_RATIOS)}")
        return value

    @field_validator("expire_time")
    @classmethod
    def _iso_8601(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 time such as 2026-12-31T00:00:00Z") from None
        if parsed.tzinfo is None:
            raise ValueError("must carry a time zone, e.g. 2026-12-31T00:00:00Z or +08:00")
        return value


class CreateSceneAigcImageTaskRequest(ApiModel):
    sub_app_id: int = Field(gt=0)
    scene_info: SceneInfo
    file_infos: list[FileInfo] | None = None
    output_config: OutputConfig | None = None
    session_id: str | None = Field(default=None, max_length=MAX_SESSION_ID_CHARS)
    session_context: str | None = Field(default=None, max_length=1000)
    tasks_priority: int | None = Field(default=None, ge=-10, le=10)
    ext_info: str | None = None

    @model_validator(mode="after")
    def _scene_rules(self) -> CreateSceneAigcImageTaskRequest:
        # How many images each scene takes is a rule people are told by bot/rules.py, before any request is built.
        scene = self.scene_info.type
        output = self.output_config
        if output is None:
            return self
        if output.aspect_ratio is not None and scene not in ("product_image", "outpainting"):
            raise ValueError(f"OutputConfig.AspectRatio applies only to product_image and outpainting, not {scene}")
        if (output.image_width or output.image_height) and scene != "outpainting":
            raise ValueError(f"OutputConfig.ImageWidth/ImageHeight apply only to outpainting, not {scene}")
        if output.resolution is not None and scene != "ai_try_on":
            raise ValueError(f"OutputConfig.Resolution applies only to ai_try_on, not {scene}")
        return self


class RequestInvalid(BotError, ValueError):
    """A request that breaks a rule; `problems` holds one 'Field: rule' line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        elif item.startswith(("function-", "literal[", "union[")) or item in ("File", "Url"):
            continue
        else:
            parts.append(item if item[:1].isupper() else to_pascal(item))
    return ".".join(parts)


def explain_validation_error(error: ValidationError) -> RequestInvalid:
    problems: list[str] = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        path = _field_path(tuple(item["loc"]))
        problems.append(f"{path}: {message}" if path and not message.startswith(path) else message)
    return RequestInvalid(problems)


def build_request(data: dict[str, Any]) -> CreateSceneAigcImageTaskRequest:
    """Validate a request given as wire-shaped or Python-shaped data; raise RequestInvalid."""
    try:
        return CreateSceneAigcImageTaskRequest.model_validate(data)
    except ValidationError as error:
        raise explain_validation_error(error) from None
