"""Every sentence the bot shows is written in bot/wording/ and nowhere else (docs/wording.md).

A string literal of sentence shape (four or more words, at least three of them plain lower-case words) in
bot/ or handlers/ outside bot/wording/ fails, unless it is one of the few things people using the bot
never read: a docstring, a log line, an assert message, the message of a built-in exception (a bug,
for the log), or SQL.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import re
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / "bot" / "wording"
LOG_METHODS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "log"})
# SystemExit's message is printed to the terminal, so it is a sentence people read.
BUILTIN_EXCEPTIONS = frozenset(
    name
    for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException) and value is not SystemExit
)
SQL = re.compile(r"^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH|PRAGMA|ALTER|DROP)\b")
PLAIN_WORD = re.compile(r"^[a-z][a-z'’]*[,.;:!?]?$")
# The stand-ins answer in the words of Slack, VOD and COS themselves, not the bot's.
OTHERS_WORDS = ROOT / "bot" / "standins"
# Modules reworked on branches in flight; each is pointed at bot/wording/ when it lands, and this shrinks.
# The number is how many sentences each still holds, so none can be added there meanwhile.
PENDING = {
    "bot/store/backup.py": 6,
    "bot/store/db.py": 1,
    "handlers/app.py": 2,
}


def sentence_shaped(text: str) -> bool:
    words = text.split()
    return len(words) >= 4 and sum(bool(PLAIN_WORD.match(word)) for word in words) >= 3 and not SQL.match(text)


def literal_text(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "{}" for part in node.values)
    return None


def unread_by_people(tree: ast.AST) -> set[int]:
    """The ids of the nodes whose text only developers and logs see."""
    hidden: list[ast.AST] = []
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and body:
            first = body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                hidden.append(first.value)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LOG_METHODS:
            hidden.extend(node.args)
        if isinstance(node, ast.Assert) and node.msg is not None:
            hidden.append(node.msg)
        exception = node.exc if isinstance(node, ast.Raise) else None
        called = exception.func if isinstance(exception, ast.Call) else None
        if exception is not None and isinstance(called, ast.Name) and called.id in BUILTIN_EXCEPTIONS:
            hidden.append(exception)
        if isinstance(node, ast.JoinedStr):
            hidden.extend(node.values)
    return {id(inner) for node in hidden for inner in ast.walk(node)}


def sentences_in(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    hidden = unread_by_people(tree)
    found = []
    for node in ast.walk(tree):
        text = literal_text(node)
        if text is not None and id(node) not in hidden and sentence_shaped(text):
            found.append((getattr(node, "lineno", 0), text))
    return sorted(found)


def test_no_sentence_is_written_outside_the_wording_home() -> None:
    strays = []
    for path in sorted([*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]):
        if path.is_relative_to(HOME) or path.is_relative_to(OTHERS_WORDS):
            continue
        name = str(path.relative_to(ROOT))
        found = sentences_in(path.read_text())
        if name in PENDING:
            assert len(found) <= PENDING[name], f"{name} gained a sentence; write it in bot/wording/"
            continue
        strays += [f"{name}:{line}: {text[:70]!r}" for line, text in found]
    assert not strays, "sentences outside bot/wording/:\n" + "\n".join(strays)


def test_the_check_sees_sentences_and_lets_the_rest_be() -> None:
    source = '''
"""A module docstring says what is here."""
import logging
log = logging.getLogger(__name__)
def reply(name: str) -> str:
    log.info("sending the reply to %s now", name)
    assert name, "a reply always has a name to go to"
    if not name:
        raise ValueError(f"no name was given to {name} at all")
    query = "SELECT id FROM requests WHERE status = ? AND task_id IS NULL"
    return f"Sorry {name}, I could not find that request."
'''
    assert [text for _, text in sentences_in(source)] == ["Sorry {}, I could not find that request."]
    assert sentences_in('raise SystemExit("There is no database at that path.")')
    assert sentences_in('raise LogCommandError("The folder does not exist here.")')


def test_every_sentence_in_the_home_is_used() -> None:
    sources = "\n".join(
        path.read_text()
        for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]
        if not path.is_relative_to(HOME)
    )
    unused = []
    for module in sorted(HOME.glob("*.py")):
        for node in ast.parse(module.read_text()).body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                name = node.targets[0].id
                used = re.search(rf"\bwording\.{module.stem}\.{name}\b", sources)
                if name.isupper() and not name.startswith("_") and not used:
                    unused.append(f"{module.stem}.{name}")
    assert not unused, f"sentences nobody shows: {', '.join(unused)}"


def test_each_template_is_filled_with_exactly_its_placeholders() -> None:
    mismatched = []
    for path in sorted([*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"):
                continue
            template, given = node.func.value, {keyword.arg for keyword in node.keywords}
            module = template.value if isinstance(template, ast.Attribute) else None
            if not (isinstance(module, ast.Attribute) and ast.unparse(module.value) == "wording"):
                continue
            assert isinstance(template, ast.Attribute)
            text = getattr(importlib.import_module(f"bot.wording.{module.attr}"), template.attr)
            wanted = {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
            if wanted != given:
                mismatched.append(f"{path.relative_to(ROOT)}:{node.lineno} {module.attr}.{template.attr}")
    assert not mismatched, "templates filled with other placeholders than they have:\n" + "\n".join(mismatched)
