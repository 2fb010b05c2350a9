"""The `aigc-bot` command: check settings, submit from a terminal, run the Slack bot, look after its log."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from typing import Any

from bot import log_commands
from bot.config import ConfigError, Settings, check_report, load_settings
from bot.errors import AigcBotError
from bot.follow.polling import PollPolicy, TaskStillRunning, wait_for_task
from bot.resolve import local_resolver, resolve_all
from bot.services import vod_client_from
from bot.slack.refs import BadRef, FileIdRef, PathRef, Ref, UrlRef, parse_ref
from bot.tencent.imagetype import NotAnImage
from bot.tencent.models import ASPECT_RATIOS, OUTPUT_IMAGE_COUNT, RESOLUTIONS, FileInfo, RequestInvalid
from bot.tencent.scenes import (
    SCENE_TYPES,
    STORAGE_MODES,
    TRY_ON_MODEL_ALIASES,
    TaskOptions,
    TaskSpec,
    build_task_request,
)
from bot.tencent.upload import ImageTooLarge
from bot.tencent.vod import AlreadySubmitted, VodError

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aigc-bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("check", help="list every missing or malformed setting")

    submit = commands.add_parser("submit", help="submit one CreateSceneAigcImageTask")
    submit.add_argument("--scene", required=True, choices=sorted(SCENE_TYPES))
    submit.add_argument("--image", action="append", default=[], metavar="REF", help="path, URL or FileId")
    submit.add_argument("--clothes", action="append", default=[], metavar="REF", help="try-on clothes image")
    submit.add_argument("--prompt")
    submit.add_argument("--negative", help="what the product image must not show")
    submit.add_argument("--ratio", choices=ASPECT_RATIOS, metavar="W:H")
    submit.add_argument(
        "--count", type=int, metavar="N", help="product images to generate, {}-{}".format(*OUTPUT_IMAGE_COUNT)
    )
    submit.add_argument("--resolution", choices=RESOLUTIONS, type=str.upper)
    submit.add_argument("--storage", choices=tuple(STORAGE_MODES), type=str.lower)
    submit.add_argument("--model", help=f"try-on model: {', '.join(TRY_ON_MODEL_ALIASES)} or a full model name")
    submit.add_argument("--media-name", help="output file name, at most 64 characters")
    submit.add_argument("--session-id", help="dedupe id: Tencent refuses a second task with it for 3 days")
    submit.add_argument("--dry-run", action="store_true", help="print the request body and send nothing")
    submit.add_argument("--wait", action="store_true", help="wait for the task and print its result")

    commands.add_parser("run", help="run the Slack bot in Socket Mode (needs SLACK_APP_TOKEN)")
    serve = commands.add_parser("serve", help="run the Slack bot over HTTP at POST /slack/events")
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=int, default=3000)
    log_commands.add_parsers(commands)
    return parser


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_check() -> int:
    problems, _ = check_report()
    blocking = [p for p in problems if p.kind != "optional"]
    for problem in problems:
        print(problem.line())
    if blocking:
        print(f"\n{len(blocking)} setting(s) must be fixed (in the environment or .env).")
        return EXIT_REFUSED
    print("All required settings are present.")
    return 0


def _spec(args: argparse.Namespace) -> TaskSpec:
    options = TaskOptions(
        ratio=args.ratio,
        count=args.count,
        resolution=args.resolution,
        storage=args.storage,
        model=args.model,
        negative=args.negative,
        media_name=args.media_name,
    )
    return TaskSpec(scene=args.scene, prompt=args.prompt, options=options, session_id=args.session_id)


def _placeholder(ref: Ref) -> FileInfo:
    if isinstance(ref, FileIdRef):
        return FileInfo.of_file(ref.file_id)
    if isinstance(ref, UrlRef):
        return FileInfo.of_url(ref.url)
    return FileInfo.of_file("0")


def _dry_run_body(spec: TaskSpec, sub_app_id: int | None, images: list[Ref], clothes: list[Ref]) -> dict[str, Any]:
    request = build_task_request(
        spec,
        sub_app_id=sub_app_id or 1,
        images=[_placeholder(r) for r in images],
        clothes=[_placeholder(r) for r in clothes],
    )
    body = request.to_wire()
    if sub_app_id is None:
        body["SubAppId"] = "<TENCENTCLOUD_VOD_SUB_APP_ID>"
    upload_note = {"Type": "File", "FileId": "<to be uploaded>"}
    for index, ref in enumerate(images):
        if isinstance(ref, PathRef):
            body["FileInfos"][index] = {**upload_note, "FileId": f"<to be uploaded: {ref.path}>"}
    try_on = body["SceneInfo"].get("AiTryOnConfig") or {}
    for index, ref in enumerate(clothes):
        if isinstance(ref, PathRef):
            try_on["ClothesFileInfos"][index] = {**upload_note, "FileId": f"<to be uploaded: {ref.path}>"}
    return body


async def _submit(args: argparse.Namespace, settings: Settings) -> int:
    images = [parse_ref(r, allow_paths=True) for r in args.image]
    clothes = [parse_ref(r, allow_paths=True) for r in args.clothes]
    spec = _spec(args)
    if args.dry_run:
        _print_json(_dry_run_body(spec, settings.tencentcloud_vod_sub_app_id, images, clothes))
        return 0
    # Check the whole request before uploading anything, so a mistake costs no upload.
    _dry_run_body(spec, settings.tencentcloud_vod_sub_app_id, images, clothes)
    async with vod_client_from(settings) as vod:
        resolver = local_resolver(vod, settings)
        request = build_task_request(
            spec,
            sub_app_id=vod.sub_app_id,
            images=await resolve_all(images, resolver),
            clothes=await resolve_all(clothes, resolver),
        )
        result = await vod.create_scene_aigc_image_task(request)
        output: dict[str, Any] = {"TaskId": result.task_id, "RequestId": result.request_id}
        if args.wait:
            policy = PollPolicy.from_settings(settings)
            try:
                detail = await wait_for_task(vod, result.task_id, policy)
            except TaskStillRunning as running:
                output["Status"] = "PROCESSING"
                output["Note"] = f"still running after {running.waited:.0f}s; check it later"
            else:
                output["Result"] = detail.to_dict()
        _print_json(output)
        return 0


def cmd_submit(args: argparse.Namespace) -> int:
    try:
        settings = load_settings()
        return asyncio.run(_submit(args, settings))
    except AlreadySubmitted as already:
        return _fail(
            f"Already submitted: a task with SessionId {already.session_id!r} exists, "
            f"so nothing new was sent or billed. (Code: {already.code} · RequestId: {already.request_id})",
            EXIT_REFUSED,
        )
    except VodError as refusal:
        return _fail(refusal.user_text(), EXIT_REFUSED)
    except AigcBotError as failure:
        # Upload and network failures: the same plain words and code a Slack user would see.
        return _fail(failure.user_text(), EXIT_REFUSED)
    except (ConfigError, RequestInvalid, BadRef, NotAnImage, ImageTooLarge) as bad:
        return _fail(f"Cannot submit: {bad}", EXIT_BAD_INPUT)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return cmd_check()
    if args.command == "submit":
        return cmd_submit(args)
    if args.command in log_commands.COMMANDS:
        return log_commands.run(args)
    from handlers.app import run_http, run_socket_mode

    if args.command == "run":
        return run_socket_mode()
    return run_http(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
