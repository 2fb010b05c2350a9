"""The README a newcomer reads top to bottom: short, its first commands the demo and the tests, and every
command it shows one that exists."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from handlers.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
MOST_LINES = 300
# .ci/run runs this line verbatim.
TEST_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -q -e '.[dev]' && .venv/bin/python -m pytest -q"
DEMO_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/aigc-bot demo"


def subcommands() -> set[str]:
    parser = build_parser()
    chosen = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return set(chosen.choices)


def code_blocks(text: str) -> list[str]:
    return re.findall(r"```\w*\n(.*?)```", text, re.DOTALL)


def test_the_readme_is_short_enough_to_read_top_to_bottom() -> None:
    assert len(README.splitlines()) <= MOST_LINES


def test_its_first_commands_are_the_demo_and_the_tests() -> None:
    first, second = (block.strip() for block in code_blocks(README)[:2])
    assert first == DEMO_COMMAND
    assert second == TEST_COMMAND
    assert TEST_COMMAND in (ROOT / ".ci" / "run").read_text()


def test_every_command_it_shows_is_a_subcommand_run_from_the_venv() -> None:
    known = subcommands()
    shown = re.findall(r"(\S*)aigc-bot ([a-z][a-z-]*)", README)
    assert shown, "the README shows no command"
    for prefix, word in shown:
        assert prefix.endswith(".venv/bin/"), f"`{prefix}aigc-bot {word}` is not on PATH in a fresh clone"
        assert word in known, f"`aigc-bot {word}` is not a subcommand"


def test_the_rules_catch_a_bare_or_unknown_command() -> None:
    assert "frobnicate" not in subcommands() and "demo" in subcommands()
    bare = re.findall(r"(\S*)aigc-bot ([a-z][a-z-]*)", "run `aigc-bot check` first")
    assert bare == [("`", "check")]


def test_every_document_it_links_to_exists_and_every_document_is_linked() -> None:
    linked = set(re.findall(r"\]\((docs/[^)#]+)", README))
    written = {f"docs/{path.name}" for path in (ROOT / "docs").glob("*.md")}
    assert linked - written == set(), "linked but not written"
    assert written - linked == set(), "written but not linked from the README"
