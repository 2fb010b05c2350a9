"""The stand-in Slack's conversation as terminal lines, with every posted image saved to a folder."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.standins.slack import FakeSlack

_MENTION = re.compile(r"<@([A-Z0-9]+)>")
_LINK = re.compile(r"<(https?://[^>|]+)\|([^>]+)>|<(https?://[^>]+)>")
_CHANNEL = re.compile(r"<#([A-Z0-9]+)(?:\|([^>]*))?>")
INDENT = "    "
ONLY_YOU = "(only you see)"
# How a reply, an edit and an ephemeral message are marked in the terminal.
LABELS = {"chat.postMessage": "↳", "chat.update": "(parent now reads)", "chat.postEphemeral": ONLY_YOU}


def plain(text: str, names: dict[str, str]) -> str:
    """Slack's message markup as a terminal shows it: mentions by name, links by their label, no escaping."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or m.group(1)), text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(3), text)
    return html.unescape(text).strip()


def _indented(label: str, text: str, indent: str = INDENT) -> str:
    lines = text.splitlines() or [""]
    head = f"{indent}{label} {lines[0]}"
    return "\n".join([head, *(f"{indent}{' ' * len(label)} {line}" for line in lines[1:])])


def _shown(path: Path) -> str:
    """The path from the current folder when it lies below it, else in full."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass
class ThreadPrinter:
    """Prints what the bot does in the stand-in Slack since the last call to show_new(), oldest first."""

    slack: FakeSlack
    image_folder: Path
    names: dict[str, str]
    saved: list[Path] = field(default_factory=list)
    _calls_seen: int = 0
    _responses_seen: int = 0

    def show_new(self) -> None:
        with self.slack.lock:
            calls = [(c.method, dict(c.args), c.answer or {}) for c in self.slack.calls[self._calls_seen :]]
            responses = [dict(r["body"]) for r in self.slack.responses[self._responses_seen :]]
            self._calls_seen += len(calls)
            self._responses_seen += len(responses)
        for method, args, answer in calls:
            self._show_call(method, args, answer)
        for body in responses:
            self.write_ephemeral(str(body.get("text") or ""))

    def write_ephemeral(self, text: str) -> None:
        """An answer only the person who asked sees, such as a slash command's acknowledgement."""
        print(_indented(ONLY_YOU, plain(text, self.names)))

    def _text(self, args: dict[str, Any]) -> str:
        return plain(str(args.get("text") or args.get("initial_comment") or ""), self.names)

    def _show_call(self, method: str, args: dict[str, Any], answer: dict[str, Any]) -> None:
        if not answer.get("ok"):
            return
        if method == "chat.postMessage" and not args.get("thread_ts"):
            channel = f"#{self.names.get(str(args.get('channel')), args.get('channel'))}"
            print(_indented(f"{channel} ", self._text(args), indent=""))
        elif method in LABELS:
            print(_indented(LABELS[method], self._text(args)))
        elif method == "files.completeUploadExternal":
            self._show_files(args, answer)

    def _show_files(self, args: dict[str, Any], answer: dict[str, Any]) -> None:
        comment = self._text(args)
        if comment:
            print(_indented("↳", comment))
        for file in answer.get("files") or []:
            path = self._save(str(file.get("id")), str(file.get("name") or file.get("id")))
            print(_indented("  [image]", f"saved as {_shown(path)}"))

    def _save(self, file_id: str, name: str) -> Path:
        with self.slack.lock:
            data = self.slack.file_bytes.get(file_id, b"")
        self.image_folder.mkdir(parents=True, exist_ok=True)
        path = self.image_folder / Path(name).name
        path.write_bytes(data)
        self.saved.append(path)
        return path
