"""No class in bot/ or handlers/ grows past 250 lines: a class that does one job can be read in one sitting,
and one that outgrows that has taken on a second job that wants a home of its own."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOST_LINES = 250


def class_sizes() -> dict[str, int]:
    sizes = {}
    for package in ("bot", "handlers"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
                    sizes[f"{path.relative_to(ROOT)}:{node.name}"] = (node.end_lineno or node.lineno) - first + 1
    return sizes


def test_every_class_is_at_most_250_lines() -> None:
    too_long = {name: lines for name, lines in class_sizes().items() if lines > MOST_LINES}
    assert not too_long, f"classes over {MOST_LINES} lines (split them by job): {too_long}"


def test_the_count_sees_classes() -> None:
    sizes = class_sizes()
    assert sizes["bot/errors.py:BotError"] >= 1
    assert len(sizes) > 100
