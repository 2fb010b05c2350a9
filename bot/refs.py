"""Image references as people type them: a VOD FileId, an http(s) URL, or (on the command line) a path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SLACK_LINK = re.compile(r"^<([^>|]+)(?:\|[^>]*)?>$")


@dataclass(frozen=True)
class FileIdRef:
    file_id: str


@dataclass(frozen=True)
class UrlRef:
    url: str


@dataclass(frozen=True)
class PathRef:
    path: Path


@dataclass(frozen=True)
class SlackFileRef:
    """A file shared in Slack, uploaded to VOD before submitting."""

    slack_file_id: str
    name: str = ""


Ref = FileIdRef | UrlRef | PathRef | SlackFileRef


class BadRef(ValueError):
    pass


def unwrap_slack_link(text: str) -> str:
    """Slack sends links as <https://x> or <https://x|label>; give back the address."""
    match = SLACK_LINK.match(text.strip())
    return match.group(1) if match else text.strip()


def is_url(text: str) -> bool:
    return re.match(r"^https?://\S+$", text, re.IGNORECASE) is not None


def looks_like_ref(text: str) -> bool:
    word = unwrap_slack_link(text)
    return word.isdigit() or is_url(word) or "://" in word


def parse_ref(text: str, *, allow_paths: bool) -> Ref:
    word = unwrap_slack_link(text)
    if word.isdigit():
        return FileIdRef(word)
    if is_url(word):
        return UrlRef(word)
    if "://" in word:
        scheme = word.split("://", 1)[0]
        raise BadRef(f"`{word}` uses {scheme}://; only http:// and https:// image URLs work.")
    if allow_paths:
        path = Path(word).expanduser()
        if not path.is_file():
            raise BadRef(f"{word}: no such file (give a file path, an http(s) URL or a VOD FileId)")
        return PathRef(path)
    raise BadRef(f"`{word}` is not an image reference: use an http(s) URL, a VOD FileId, or attach the image")
