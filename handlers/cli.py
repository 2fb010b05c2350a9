"""The `aigc-bot` command: check settings, submit from a terminal, run the Slack bot, look after its log.

`aigc-bot submit` takes the bot's own path: the request is logged in the `requests` table (source `cli`, the
OS user name as user), the daily caps apply, it is uploaded and submitted by the same pipeline and followed by
the same follower, with a SessionId. Answers are printed here; nothing is posted to Slack. `--dry-run` runs
every check and prints the body, and logs, uploads and sends nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import html
import importlib.metadata
import json
import logging
import re
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import log_commands, wording
from bot.access import AccessPolicy, caps_guard
from bot.config import (
    REQUIRED_FOR_BOT,
    WAYS_OF_RUNNING,
    ConfigError,
    Settings,
    WayOfRunning,
    blockers,
    check_report,
    env_file,
    files_report,
    load_settings,
    secret_values,
    unknown_settings,
    use_env_file,
)
from bot.errors import AigcBotError, BotError, advise, format_refusal
from bot.follow.follower import Follower
from bot.follow.polling import PollPolicy
from bot.images.refusals import ImageRefused
from bot.logsafe import configure_logging
from bot.pipeline import Pipeline
from bot.request import Origin
from bot.resolve import Resolved, check_local_image, file_info_for, local_uploader
from bot.rules import CHOICES, OUTPUT_IMAGE_COUNT, SCENES, Draft, Naming, Refused, check
from bot.services import vod_client_from
from bot.slack.command_text import Generate
from bot.slack.refs import BadRef, PathRef, Ref, parse_ref
from bot.store.db import COMMAND_LINE_TEAM, RequestLog, RequestRow, Status, parse_iso, utc_now
from bot.store.sessions import SESSION_ID_TAKEN
from bot.tencent.models import FileInfo, RequestInvalid
from bot.tencent.scenes import build_task_request
from bot.tencent.vod import VodClient
from handlers import demo
from handlers.cli_outcomes import no_answer, no_answer_text

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
SOURCE = "cli"
# A stand-in FileId for a local image in a dry run; the printed body names the file instead.
_NOT_YET_UPLOADED = "0"
_EMOJI = re.compile(r"^:[a-z_]+: ")
_MENTION = re.compile(r"<@([A-Z0-9]+)>")


_OPTIONS = ("ratio", "count", "resolution", "storage", "model", "negative", "media_name")
# The rulebook's sentences name the command line's own options: `--count 11 is not allowed: …`.
COMMAND_LINE = Naming(
    name=lambda key: "--" + key.replace("_", "-"),
    given=lambda key, value: f"--{key.replace('_', '-')} {value}",
    image_sources=wording.terminal.IMAGE_SOURCES,
    remove_prompt="Leave out --prompt",
    places={"image": " with --image", "clothes": " with --clothes"},
)


class BadInput(BotError, ValueError):
    """Input a person can fix, said in one sentence."""


def _version() -> str:
    try:
        return importlib.metadata.version("aigc-bot")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aigc-bot", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", title="commands", metavar="COMMAND")
    check = commands.add_parser(
        "check",
        help=wording.terminal.CHECK_HELP,
        description=wording.terminal.CHECK_DESCRIPTION,
        epilog=wording.terminal.CHECK_EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument(
        "way",
        nargs="?",
        choices=tuple(WAYS_OF_RUNNING),
        help=wording.terminal.CHECK_FOR_HELP,
    )

    submit = commands.add_parser(
        "submit",
        help=wording.terminal.SUBMIT_HELP,
        description=wording.terminal.SUBMIT_DESCRIPTION,
    )
    submit.add_argument("--scene", required=True, choices=SCENES, help="what to make")
    submit.add_argument("--image", action="append", default=[], metavar="REF", help=wording.terminal.IMAGE_HELP)
    submit.add_argument("--clothes", action="append", default=[], metavar="REF", help="try-on clothes image")
    submit.add_argument("--prompt", help=wording.terminal.PROMPT_HELP)
    submit.add_argument("--negative", help=wording.terminal.NEGATIVE_HELP)
    submit.add_argument("--ratio", metavar="W:H", help=f"aspect ratio (product, outpaint): {CHOICES['ratio']}")
    submit.add_argument(
        "--count",
        metavar="N",
        help=wording.terminal.COUNT_HELP.format(fewest=OUTPUT_IMAGE_COUNT[0], most=OUTPUT_IMAGE_COUNT[1]),
    )
    submit.add_argument("--resolution", help=f"try-on resolution: {CHOICES['resolution']}")
    submit.add_argument("--storage", help=wording.terminal.STORAGE_HELP.format(choices=CHOICES["storage"]))
    submit.add_argument("--model", help=f"try-on model: {CHOICES['model']}")
    submit.add_argument("--media-name", help=wording.terminal.OUTPUT_NAME_HELP)
    submit.add_argument("--session-id", help=wording.terminal.SESSION_ID_HELP)
    submit.add_argument("--dry-run", action="store_true", help=wording.terminal.DRY_RUN_HELP)
    submit.add_argument("--wait", action="store_true", help=wording.terminal.WAIT_HELP)

    commands.add_parser(
        "run",
        help=wording.terminal.RUN_HELP,
        description=wording.terminal.RUN_DESCRIPTION,
    )
    serve = commands.add_parser(
        "serve",
        help=wording.terminal.SERVE_HELP,
        description=wording.terminal.SERVE_DESCRIPTION,
    )
    serve.add_argument("--host", default="0.0.0.0", help=wording.terminal.HOST_HELP)
    serve.add_argument("--port", type=int, default=3000, help=wording.terminal.PORT_HELP)
    log_commands.add_parsers(commands)
    for command in commands.choices.values():
        command.add_argument(
            "--env-file",
            type=Path,
            metavar="PATH",
            help=wording.terminal.ENV_FILE_HELP,
        )
    # The demo reads no settings at all, so it takes no --env-file.
    demo.add_parser(commands)
    return parser


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def _plain(text: str) -> str:
    """A Slack answer as terminal text: no leading emoji code, mentions as the bare ids, no Slack escaping."""
    return html.unescape(_MENTION.sub(r"\1", _EMOJI.sub("", text.strip())))


def _readiness_line(way: WayOfRunning, missing: list[str]) -> str:
    verdict = "ready" if not missing else wording.terminal.NOT_READY.format(missing=", ".join(missing))
    return f"aigc-bot {way.command} ({way.transport}): {verdict}"


def cmd_check(way_name: str | None) -> int:
    chosen = WAYS_OF_RUNNING[way_name] if way_name else None
    problems, settings = check_report(chosen.required if chosen else REQUIRED_FOR_BOT)
    for line in files_report(settings):
        print(line)
    for warning in unknown_settings():
        print(warning)
    for problem in problems:
        print(problem.line())
    blocking = [p for p in problems if p.kind != "optional"]
    if blocking:
        where = env_file()
        print(
            wording.terminal.SETTINGS_TO_FIX.format(
                blocking=len(blocking),
                where=where.resolve() if where else "the environment",
            )
        )
    elif problems:
        print()
    ways = [chosen] if chosen else list(WAYS_OF_RUNNING.values())
    ready = [not blockers(problems, way) for way in ways]
    for way in ways:
        print(_readiness_line(way, blockers(problems, way)))
    return EXIT_REFUSED if blocking or not any(ready) else 0


# -- what to submit: every check, before anything is logged, uploaded or sent --------------------------------


def _draft(args: argparse.Namespace, settings: Settings) -> Draft[Ref]:
    options = {key: value for key in _OPTIONS if (value := getattr(args, key)) is not None}
    images, clothes = _refs(args.image, settings), _refs(args.clothes, settings)
    return Draft(args.scene, images, clothes, args.prompt, options, session_id=args.session_id)


def _refs(texts: list[str], settings: Settings) -> list[Ref]:
    refs = [parse_ref(text, allow_paths=True) for text in texts]
    for ref in refs:
        if isinstance(ref, PathRef):
            try:
                check_local_image(settings, ref.path)
            except ImageRefused as refused:
                raise BadInput(str(refused)) from None
    return refs


def _checked(args: argparse.Namespace, settings: Settings) -> tuple[Generate, dict[str, Any]]:
    """The request and its body, once it passes every check a submit runs; raises with a sentence otherwise."""
    checked = check(_draft(args, settings), COMMAND_LINE)
    command = Generate(spec=checked.spec, images=checked.images, clothes=checked.clothes)
    return command, asyncio.run(_dry_run_body(command, settings.tencentcloud_vod_sub_app_id))


async def _dry_run_body(command: Generate, sub_app_id: int | None) -> dict[str, Any]:
    """The exact CreateSceneAigcImageTask body, with local images named where their FileIds will go."""

    async def not_uploaded(path: Path) -> Resolved:
        return Resolved(FileInfo.of_file(_NOT_YET_UPLOADED))

    images = [(await file_info_for(ref, local=not_uploaded)).info for ref in command.images]
    clothes = [(await file_info_for(ref, local=not_uploaded)).info for ref in command.clothes]
    body = build_task_request(command.spec, sub_app_id=sub_app_id or 1, images=images, clothes=clothes).to_wire()
    if sub_app_id is None:
        body["SubAppId"] = "<TENCENTCLOUD_VOD_SUB_APP_ID>"
    try_on = body["SceneInfo"].get("AiTryOnConfig") or {}
    _name_local_files(command.images, body.get("FileInfos") or [])
    _name_local_files(command.clothes, try_on.get("ClothesFileInfos") or [])
    return body


def _name_local_files(refs: list[Ref], infos: list[dict[str, Any]]) -> None:
    for index, ref in enumerate(refs):
        if isinstance(ref, PathRef):
            infos[index] = {"Type": "File", "FileId": f"<to be uploaded: {ref.path}>"}


# -- submitting: the bot's pipeline and follower, with the answers printed here ----------------------------


def _origin(args: argparse.Namespace) -> Origin:
    # Each run is a new request; a repeated --session-id is refused by Tencent, not by the log.
    return Origin(
        source=SOURCE,
        team_id=COMMAND_LINE_TEAM,
        channel_id="",
        user_id=getpass.getuser(),
        dedupe_key=f"cli:{uuid.uuid4().hex}",
        session_id=(args.session_id or "").strip() or None,
    )


def _follower(vod: VodClient, log_db: RequestLog, settings: Settings) -> Follower:
    # A command-line row has no channel, so the follower keeps its result in the log and never calls Slack.
    return Follower(
        vod=vod, log_db=log_db, slack=AsyncWebClient(), http=vod.http, policy=PollPolicy.from_settings(settings)
    )


async def _follow_to_end(follower: Follower, log_db: RequestLog, row_id: int) -> None:
    """Check the task on the follower's own schedule until it ends or the follower stops following it."""
    while True:
        row = log_db.get(row_id) or {}
        next_at = row.get("follow_next_at")
        if row.get("status") != Status.SUBMITTED or not row.get("task_id") or not next_at:
            return
        await asyncio.sleep(max(0.0, (parse_iso(next_at) - utc_now()).total_seconds()))
        await follower.check(row_id)


async def _submit(args: argparse.Namespace, settings: Settings, command: Generate) -> int:
    log_db = RequestLog(settings.aigc_bot_db)
    try:
        async with vod_client_from(settings) as vod:
            follower = _follower(vod, log_db, settings)
            pipeline = Pipeline(
                vod=vod,
                log_db=log_db,
                slack=None,
                uploader=None,
                guard=caps_guard(AccessPolicy.from_settings(settings), log_db),
                after_submit=follower.track,
                local_files=local_uploader(vod, settings),
            )
            recorded = await pipeline.record(_origin(args), command)
            assert recorded.row_id is not None, "a fresh dedupe key is never a duplicate"
            await pipeline.carry_on(recorded.row_id)
            if args.wait:
                await _follow_to_end(follower, log_db, recorded.row_id)
            return _outcome(log_db.get(recorded.row_id) or {}, pipeline.kept.texts, vod.url)
    finally:
        log_db.close()


def _outcome(row: RequestRow, answers: list[str], endpoint: str) -> int:
    """Print what became of the request, as the log has it, and give the exit code."""
    said = "\n".join(_plain(text) for text in answers)
    status = row.get("status")
    if status == Status.INVALID:
        return _fail(f"Cannot submit: {row.get('error_message')}", EXIT_BAD_INPUT)
    taken = row.get("error_code") == SESSION_ID_TAKEN  # by another request: its error message names which
    if status in (Status.REFUSED, Status.FAILED) and not row.get("task_id") and not taken:
        # Tencent never answered: say so in the terminal's own words, not the Slack answer's.
        return _fail(no_answer_text(row, endpoint) or said or str(row.get("error_message")), EXIT_REFUSED)
    if not row.get("task_id"):
        return _fail(
            wording.terminal.ALREADY_SUBMITTED.format(
                session_id=row.get("session_id"),
                code=row.get("error_code"),
                request_id=row.get("request_id"),
            )
            + (f"\n{row.get('error_message')}." if taken else ""),
            EXIT_REFUSED,
        )
    output: dict[str, Any] = {
        "TaskId": row["task_id"],
        "RequestId": row.get("request_id"),
        "SessionId": row.get("session_id"),
    }
    if row.get("image_notes"):
        output["ImagesPrepared"] = str(row["image_notes"]).splitlines()
    if status == Status.DONE:
        output["Result"] = {"Status": "FINISH", "Outputs": json.loads(row.get("output_json") or "[]")}
    elif status == Status.FAILED:
        code, message = str(row.get("error_code") or ""), str(row.get("error_message") or "")
        _print_json({**output, "Result": {"Status": "FAIL", "ErrCode": code, "Message": message}})
        return _fail(format_refusal(advise(code, message), row.get("request_id"), message), EXIT_REFUSED)
    elif row.get("error_message"):
        output["Status"] = "PROCESSING"
        output["Note"] = wording.terminal.CHECK_LATER.format(message=row["error_message"])
    _print_json(output)
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    if args.dry_run and args.wait:
        return _fail(wording.terminal.DRY_RUN_CANNOT_WAIT, EXIT_BAD_INPUT)
    endpoint = ""
    try:
        settings = load_settings()
        endpoint = settings.tencentcloud_vod_endpoint
        command, body = _checked(args, settings)
        if args.dry_run:
            _print_json(body)
            return 0
        # The outcome is printed in plain words; the bot's own warnings (a refused call, a retry) would only
        # repeat it, so only errors are logged here, through the filter that keeps secrets out.
        configure_logging(logging.ERROR, extra_secrets=secret_values(settings), log_format=settings.aigc_bot_log_format)
        return asyncio.run(_submit(args, settings, command))
    except AigcBotError as failure:
        # Failures outside the pipeline, before any request was sent.
        said = no_answer(failure.code, failure.message, endpoint, None)
        return _fail(said or failure.user_text(), EXIT_REFUSED)
    except Refused as refused:
        return _fail("\n".join(f"Cannot submit: {problem}" for problem in refused.problems.values()), EXIT_BAD_INPUT)
    except (ConfigError, RequestInvalid, BadRef, BadInput, ImageRefused) as bad:
        return _fail(f"Cannot submit: {bad}", EXIT_BAD_INPUT)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "demo":
        return demo.main(args)
    try:
        use_env_file(args.env_file)
    except ConfigError as missing:
        return _fail(str(missing), EXIT_BAD_INPUT)
    if args.command == "check":
        return cmd_check(args.way)
    if args.command == "submit":
        return cmd_submit(args)
    if args.command in log_commands.COMMANDS:
        return log_commands.run(args)
    from handlers.app import run_http, run_socket_mode

    for warning in unknown_settings():
        print(warning, file=sys.stderr)
    if args.command == "run":
        return run_socket_mode()
    return run_http(args.host, args.port)


if __name__ == "__main__":
    sys.exit(main())
