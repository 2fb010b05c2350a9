"""`aigc-bot submit`: one request from a terminal, through the bot's own pipeline and follower.

The request is logged in the `requests` table (source `cli`, the OS user name as user), the daily caps apply,
it is uploaded and submitted by the same pipeline and followed by the same follower, with a SessionId. Answers
are printed here; nothing is posted to Slack. `--dry-run` runs every check and prints the body, and logs,
uploads and sends nothing. Imported only when `submit` runs, so the other commands start without its clients.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import uuid
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot import wording
from bot.access import AccessPolicy, guard_for
from bot.config import ConfigError, Settings, load_settings, secret_values
from bot.errors import AigcBotError, advise, format_refusal
from bot.follow.follower import Follower
from bot.follow.schedule import PollPolicy
from bot.images.refusals import ImageRefused
from bot.logsafe import configure_logging
from bot.pipeline import Pipeline
from bot.request import Origin
from bot.resolve import Resolved, check_local_image, file_info_for, local_uploader
from bot.rules import Draft, Refused, check
from bot.services import vod_client_from
from bot.slack.command_text import Generate
from bot.slack.refs import BadRef, PathRef, Ref, parse_ref
from bot.store.db import COMMAND_LINE_TEAM, RequestLog, RequestRow, Status, parse_iso, utc_now
from bot.store.sessions import SESSION_ID_TAKEN
from bot.tencent.models import FileInfo, RequestInvalid
from bot.tencent.scenes import build_task_request
from handlers.cli import _OPTIONS, COMMAND_LINE, EXIT_BAD_INPUT, EXIT_REFUSED, BadInput, _fail, _plain, _print_json
from handlers.cli_outcomes import no_answer, no_answer_text

SOURCE = "cli"
# A stand-in FileId for a local image in a dry run; the printed body names the file instead.
_NOT_YET_UPLOADED = "0"


# -- what to submit: every check, before anything is logged, uploaded or sent --------------------------------


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
    options = {key: value for key in _OPTIONS if (value := getattr(args, key)) is not None}
    images, clothes = _refs(args.image, settings), _refs(args.clothes, settings)
    checked = check(Draft(args.scene, images, clothes, args.prompt, options, session_id=args.session_id), COMMAND_LINE)
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
    with contextlib.closing(RequestLog(settings.aigc_bot_db)) as log_db:
        async with vod_client_from(settings) as vod:
            # A command-line row has no channel, so the follower keeps its result in the log and never calls Slack.
            policy = PollPolicy.from_settings(settings)
            follower = Follower(vod=vod, log_db=log_db, slack=AsyncWebClient(), http=vod.http, policy=policy)
            pipeline = Pipeline(
                vod=vod,
                log_db=log_db,
                slack=None,
                uploader=None,
                guard=guard_for(AccessPolicy.from_settings(settings), log_db),
                after_submit=follower.track,
                local_files=local_uploader(vod, settings),
            )
            recorded = await pipeline.record(_origin(args), command)
            assert recorded.row_id is not None, "a fresh dedupe key is never a duplicate"
            await pipeline.carry_on(recorded.row_id)
            if args.wait:
                await _follow_to_end(follower, log_db, recorded.row_id)
            return _outcome(log_db.get(recorded.row_id) or {}, pipeline.kept.texts, vod.url)


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
        already = wording.terminal.ALREADY_SUBMITTED.format(
            session_id=row.get("session_id"), code=row.get("error_code"), request_id=row.get("request_id")
        )
        return _fail(already + (f"\n{row.get('error_message')}." if taken else ""), EXIT_REFUSED)
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
        return _fail(format_refusal(advise(code), row.get("request_id"), message), EXIT_REFUSED)
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
