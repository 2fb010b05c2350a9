"""`aigc-bot backup`, `export` and `purge`: the SQLite log as data, while the bot keeps running."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from bot import wording
from bot.config import ConfigError, Settings, load_settings
from bot.errors import BotError
from bot.pricing import parse_unit_prices
from bot.store.backup import BackupRefused, back_up
from bot.store.db import RequestLog
from bot.store.export import Bound, export_rows, write_export
from bot.store.retention import purge_older_than

EXIT_BAD_INPUT = 2


class LogCommandError(BotError):
    """Input the command cannot use; the message is one sentence for the person who typed it."""


def bound(text: str) -> Bound:
    """argparse type for --since and --until."""
    try:
        return Bound.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def whole_days(text: str) -> int:
    """argparse type for --older-than: a whole number of days, at least 1."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(wording.terminal.NOT_WHOLE_DAYS.format(text=text)) from None
    if days < 1:
        raise argparse.ArgumentTypeError(wording.terminal.AT_LEAST_ONE_DAY)
    return days


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = commands.add_parser("backup", help=wording.terminal.BACKUP_HELP)
    backup.add_argument("path", type=Path, help=wording.terminal.BACKUP_PATH_HELP)
    backup.add_argument("--force", action="store_true", help=wording.terminal.FORCE_HELP)

    export = commands.add_parser("export", help=wording.terminal.EXPORT_HELP)
    export.add_argument("--since", type=bound, metavar="DATE", help=wording.terminal.SINCE_HELP)
    export.add_argument("--until", type=bound, metavar="DATE", help=wording.terminal.UNTIL_HELP)
    export.add_argument("--format", choices=("csv", "json"), default="csv", type=str.lower)
    export.add_argument("--output", type=Path, metavar="PATH", help=wording.terminal.OUTPUT_HELP)

    purge = commands.add_parser("purge", help=wording.terminal.PURGE_HELP)
    purge.add_argument("--older-than", type=whole_days, required=True, metavar="DAYS")


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as problems:
        raise LogCommandError(wording.terminal.FIX_SETTINGS_FIRST.format(problems=problems)) from None


def _existing_log(settings: Settings) -> RequestLog:
    path = settings.aigc_bot_db
    if not path.is_file():
        raise LogCommandError(wording.terminal.NO_DATABASE.format(path=path))
    return RequestLog(path)


@contextlib.contextmanager
def _sink(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    if path.is_dir():
        raise LogCommandError(wording.terminal.OUTPUT_IS_FOLDER.format(path=path))
    if not path.parent.is_dir():
        raise LogCommandError(wording.terminal.NO_SUCH_FOLDER.format(parent=path.parent))
    # The export names people and channels: readable by its owner only, like the database.
    with open(path, "w", encoding="utf-8", newline="", opener=lambda name, flags: os.open(name, flags, 0o600)) as sink:
        yield sink


def cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings()
    try:
        result = back_up(settings.aigc_bot_db, args.path, force=args.force)
    except BackupRefused as refused:
        raise LogCommandError(str(refused)) from None
    print(f"Backed up {result.requests} request(s) to {result.path} ({result.bytes} bytes).")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    settings = _settings()
    prices = parse_unit_prices(settings.aigc_bot_unit_prices)
    if args.since and args.until and args.since.as_since() >= args.until.as_until():
        raise LogCommandError(wording.terminal.SINCE_AFTER_UNTIL)
    with contextlib.closing(_existing_log(settings)) as log_db, _sink(args.output) as sink:
        # On a read-only connection of its own: the export reads while the bot goes on writing.
        rows = export_rows(log_db.reader(), since=args.since, until=args.until, prices=prices)
        count = write_export(rows, sink, args.format)
    if args.output is not None:
        print(f"Exported {count} request(s) to {args.output}.", file=sys.stderr)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    with contextlib.closing(_existing_log(_settings())) as log_db:
        changed = purge_older_than(log_db, args.older_than)
    print(wording.terminal.PURGED.format(changed=changed, older_than=args.older_than))
    return 0


COMMANDS = {"backup": cmd_backup, "export": cmd_export, "purge": cmd_purge}


def run(args: argparse.Namespace) -> int:
    """Run one of these commands; bad input ends with one sentence on stderr and exit code 2."""
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:
        # The reader went away (`aigc-bot export | head`): what it read was all it wanted, so no complaint. Point
        # stdout at nothing, so the interpreter's own flush at exit does not fail on the closed pipe too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except LogCommandError as bad:
        print(f"Cannot {args.command}: {bad}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as error:
        print(f"Cannot {args.command}: {error.strerror or error} ({error.filename or 'file'}).", file=sys.stderr)
        return EXIT_BAD_INPUT
