"""Every exception the project defines descends from one root, and no two classes share a name.

A caller can then catch everything the bot raises with one `except BotError`, and a class name found in a
traceback or a log names one class.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections import defaultdict
from pathlib import Path

import bot
import handlers
from bot.errors import BotError

ROOT = Path(__file__).resolve().parents[1]


def project_classes() -> list[type]:
    """Every class defined in a module of bot/ or handlers/, each once."""
    found: list[type] = []
    for package in (bot, handlers):
        modules = [package.__name__] + [
            name for _, name, _ in pkgutil.walk_packages(package.__path__, prefix=f"{package.__name__}.")
        ]
        for name in modules:
            module = importlib.import_module(name)
            found += [cls for _, cls in inspect.getmembers(module, inspect.isclass) if cls.__module__ == name]
    return found


def test_every_project_exception_descends_from_the_one_root() -> None:
    outside = [
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in project_classes()
        if issubclass(cls, BaseException) and not issubclass(cls, BotError)
    ]
    assert outside == [], f"exceptions outside BotError (bot/errors.py): {outside}"


def test_no_two_project_classes_share_a_name() -> None:
    homes: dict[str, list[str]] = defaultdict(list)
    for cls in project_classes():
        homes[cls.__qualname__].append(cls.__module__)
    shared = {name: modules for name, modules in homes.items() if len(modules) > 1}
    assert shared == {}


def test_the_tree_at_the_top_of_bot_errors_names_every_exception() -> None:
    drawn = (ROOT / "bot" / "errors.py").read_text().split('"""')[1]
    missing = [
        cls.__qualname__
        for cls in project_classes()
        if issubclass(cls, BaseException) and cls.__qualname__ not in drawn
    ]
    assert missing == []
