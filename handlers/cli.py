"""The `aigc-bot` command: check settings, submit from a terminal, run the Slack bot, look after its log.

The parser, `check` and the dispatch live here; each command's heavier code (`submit` in cli_submit.py, the
bot in app.py, the demo in demo.py) is imported only when that command runs, so `--help`, `check` and a
refusal of bad input start in a third of a second.
"""

from __future__ import annotations

import argparse
import html
import importlib.metadata
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot import log_commands, wording
from bot.config import (
    REQUIRED_FOR_BOT,
    WAYS_OF_RUNNING,
    ConfigError,
    blockers,
    check_report,
    env_file,
    files_report,
    unknown_settings,
    use_env_file,
)
from bot.demo import DEMO_FOLDER
from bot.errors import BotError
from bot.rules import CHOICES, SCENES, Naming
from bot.tencent.models import OUTPUT_IMAGE_COUNT

EXIT_REFUSED = 1
EXIT_BAD_INPUT = 2
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
    check.add_argument("way", nargs="?", choices=tuple(WAYS_OF_RUNNING), help=wording.terminal.CHECK_FOR_HELP)

    submit = commands.add_parser(
        "submit", help=wording.terminal.SUBMIT_HELP, description=wording.terminal.SUBMIT_DESCRIPTION
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

    commands.add_parser("run", help=wording.terminal.RUN_HELP, description=wording.terminal.RUN_DESCRIPTION)
    serve = commands.add_parser(
        "serve", help=wording.terminal.SERVE_HELP, description=wording.terminal.SERVE_DESCRIPTION
    )
    serve.add_argument("--host", default="0.0.0.0", help=wording.terminal.HOST_HELP)
    serve.add_argument("--port", type=int, default=3000, help=wording.terminal.PORT_HELP)
    log_commands.add_parsers(commands)
    for command in commands.choices.values():
        command.add_argument("--env-file", type=Path, metavar="PATH", help=wording.terminal.ENV_FILE_HELP)
    # The demo reads no settings at all, so it takes no --env-file.
    demo = commands.add_parser(
        "demo",
        help=wording.terminal.DEMO_HELP,
        description=wording.terminal.DEMO_DESCRIPTION.format(demo_folder=DEMO_FOLDER),
    )
    demo.add_argument("--serve", action="store_true", help=wording.terminal.DEMO_KEEP_HELP)
    return parser


def _print_json(data: dict[str, Any]) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(message: str, code: int) -> int:
    print(message, file=sys.stderr)
    return code


def _plain(text: str) -> str:
    """A Slack answer as terminal text: no leading emoji code, mentions as the bare ids, no Slack escaping."""
    return html.unescape(_MENTION.sub(r"\1", _EMOJI.sub("", text.strip())))


def cmd_check(way_name: str | None) -> int:
    chosen = WAYS_OF_RUNNING[way_name] if way_name else None
    problems, settings = check_report(chosen.required if chosen else REQUIRED_FOR_BOT)
    for line in [*files_report(settings), *unknown_settings(), *(problem.line() for problem in problems)]:
        print(line)
    blocking = [p for p in problems if p.kind != "optional"]
    if blocking:
        where = env_file()
        shown = where.resolve() if where else "the environment"
        print(wording.terminal.SETTINGS_TO_FIX.format(blocking=len(blocking), where=shown))
    elif problems:
        print()
    any_ready = False
    for way in [chosen] if chosen else WAYS_OF_RUNNING.values():
        missing = blockers(problems, way)
        any_ready = any_ready or not missing
        verdict = "ready" if not missing else wording.terminal.NOT_READY.format(missing=", ".join(missing))
        print(f"aigc-bot {way.command} ({way.transport}): {verdict}")
    return EXIT_REFUSED if blocking or not any_ready else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    if args.command == "demo":
        from handlers import demo

        return demo.main(args)
    try:
        use_env_file(args.env_file)
    except ConfigError as missing:
        return _fail(str(missing), EXIT_BAD_INPUT)
    if args.command == "check":
        return cmd_check(args.way)
    if args.command == "submit":
        from handlers.cli_submit import cmd_submit

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
