"""The package layout is the architecture: each layer imports only from the layers below it.

handlers/        Slack entry and the CLI; may import anything
bot/ (core)      ties the layers together; never imports handlers/
bot/slack/       Slack wording, Block Kit, conversation, files; may use rules, images/, tencent/ and store/
bot/rules.py     the rulebook every surface checks a request with; may use tencent/ and store/
bot/images/      preparing image files for Tencent; may use tencent/ (image kinds) only
bot/tencent/     the Tencent Cloud client; nothing of Slack, the log or the core
bot/store/       the SQLite log; nothing of Slack, Tencent or the core
bot/standins/    loopback stand-ins for Slack, VOD and COS; only the TC3 signer of the real client
bot/demo/        what the demo draws and prints; only the stand-ins
leaves           bot/errors.py, bot/lifecycle.py, bot/logsafe.py, bot/observe.py: import only bot/wording/
bot/wording/     every sentence the bot shows; imports nothing of the project, and every layer may use it
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LEAVES = {"bot.errors", "bot.lifecycle", "bot.logsafe", "bot.observe"}
ALLOWED = {
    "bot.tencent": ("bot.tencent",),
    "bot.store": ("bot.store",),
    "bot.slack": ("bot.slack", "bot.rules", "bot.images", "bot.tencent", "bot.store"),
    "bot.rules": ("bot.rules", "bot.tencent", "bot.store"),
    "bot.images": ("bot.images", "bot.tencent"),
    # A stand-in that used the bot's own code beyond its signer could hide the bot's mistakes from the tests.
    "bot.standins": ("bot.standins", "bot.tencent.tc3"),
    "bot.demo": ("bot.demo", "bot.standins"),
    "bot.wording": ("bot.wording",),
}
WORDING = "bot.wording"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


SOURCES = sorted([*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")])
ALL_MODULES = {module_name(path) for path in SOURCES}


def project_imports(path: Path) -> set[str]:
    """Every module of bot/ or handlers/ that `path` imports, at any depth of the file."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            submodules = {f"{node.module}.{alias.name}" for alias in node.names} & ALL_MODULES
            found.update(submodules or {node.module})
    return {name for name in found if name in ALL_MODULES}


def layer_of(module: str) -> str:
    if module in LEAVES:
        return "leaf"
    for layer in ALLOWED:
        if module == layer or module.startswith(layer + "."):
            return layer
    return module.split(".")[0] if module.startswith("handlers") else "bot"


def may_import(importer: str, imported: str) -> bool:
    layer = layer_of(importer)
    if imported == WORDING or imported.startswith(WORDING + "."):
        return True
    if imported in LEAVES:
        return layer != "leaf"
    if layer == "handlers":
        return True
    if layer == "bot":
        return not imported.startswith("handlers")
    if layer == "leaf":
        return False
    return any(imported == allowed or imported.startswith(allowed + ".") for allowed in ALLOWED[layer])


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_each_module_imports_only_from_layers_below(path: Path) -> None:
    importer = module_name(path)
    upward = sorted(name for name in project_imports(path) if not may_import(importer, name))
    assert not upward, f"{importer} reaches up into {', '.join(upward)}"


def test_each_package_says_what_lives_there() -> None:
    silent = [
        str(init.relative_to(ROOT))
        for init in [*ROOT.joinpath("bot").rglob("__init__.py"), *ROOT.joinpath("handlers").rglob("__init__.py")]
        if not ast.get_docstring(ast.parse(init.read_text()))
    ]
    assert not silent, f"no docstring in {', '.join(silent)}"


def test_the_rules_catch_an_upward_import() -> None:
    assert not may_import("bot.tencent.vod", "bot.config")
    assert not may_import("bot.store.db", "bot.slack.messages")
    assert not may_import("bot.pipeline", "handlers.app")
    assert not may_import("bot.errors", "bot.store.db")
    assert may_import("bot.errors", "bot.wording.tencent_advice")
    assert not may_import("bot.wording.slack", "bot.rules")
    assert may_import("bot.slack.modal", "bot.tencent.scenes")
    assert may_import("handlers.cli", "bot.pipeline")
    assert not may_import("bot.standins.vod", "bot.tencent.vod")
    assert not may_import("bot.demo.thread", "bot.pipeline")
