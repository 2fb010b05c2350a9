"""Image references as people type them: a VOD FileId, an http(s) URL, or (on the command line) a path.

Tencent Cloud downloads image links itself, from the internet. A link to this computer, a private network
or any other address the internet cannot reach is refused here, before anything is billed. Only the text
of the link is judged: no name is looked up, so parsing never touches the network.
"""

from __future__ import annotations

import contextlib
import ipaddress
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot import wording
from bot.errors import BotError

SLACK_LINK = re.compile(r"^<([^>|]+)(?:\|[^>]*)?>$")
WEB_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


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


class BadRef(BotError, ValueError):
    pass


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
WEB_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
# user:password@ (or user@) between a scheme's // and the host.
_CREDENTIALS = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/?#\s@<>|]*@")


def unwrap_slack_link(text: str) -> str:
    """Slack sends links as <https://x> or <https://x|label>; give back the address."""
    match = SLACK_LINK.match(text.strip())
    return match.group(1) if match else text.strip()


def without_credentials(text: str) -> str:
    """`text` with the user name and password taken out of every link in it, so logs and the SQLite log
    never keep them."""
    return _CREDENTIALS.sub(r"\1", text)


def is_url(text: str) -> bool:
    return WEB_URL.match(text) is not None


def _literal_address(host: str) -> IpAddress | None:
    """The IP address `host` spells, counting the short, decimal, octal and hex IPv4 forms that browsers
    and downloaders also accept (127.1, 2130706433, 0x7f.0.0.1); None for a host name. A host that ends
    in a number but is no valid address raises ValueError."""
    numeric_end = _NUMERIC_LABEL.match(host.rsplit(".", 1)[-1]) is not None
    if not numeric_end and ":" not in host:
        return None  # a name: IPv4 forms end in a number and IPv6 ones hold a colon
    with contextlib.suppress(ValueError):
        return ipaddress.ip_address(host)
    if not numeric_end:
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise ValueError(f"{host} is neither a host name nor an IP address") from None


def _reachable_from_internet(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified)


def check_image_url(url: str) -> str:
    """`url` if Tencent Cloud could fetch it from the internet; otherwise BadRef saying why in plain words."""
    if not is_url(url):
        raise BadRef(wording.rules.INCOMPLETE_LINK.format(url=url))
    if _CREDENTIALS.match(url):
        # Said without the link: the credentials must not be echoed back to Slack or the log.
        raise BadRef(wording.rules.LINK_WITH_CREDENTIALS.format(shown_url=without_credentials(url)))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it is what checks the port
        host = (parts.hostname or "").rstrip(".")
        address = _literal_address(host) if host else None
    except ValueError:
        raise BadRef(wording.rules.BAD_HOST_OR_PORT.format(url=url)) from None
    if not host:
        raise BadRef(wording.rules.LINK_WITHOUT_HOST.format(url=url))
    if host == "localhost" or host.endswith(".localhost"):
        raise BadRef(wording.rules.LINK_TO_THIS_COMPUTER.format(url=url, not_reachable=wording.rules.NOT_REACHABLE))
    if address is not None and not _reachable_from_internet(address):
        raise BadRef(wording.rules.LINK_TO_PRIVATE_ADDRESS.format(url=url, not_reachable=wording.rules.NOT_REACHABLE))
    return url


def parse_ref(text: str, *, allow_paths: bool) -> Ref:
    word = unwrap_slack_link(text)
    if word.isdigit():
        return FileIdRef(word)
    if "://" in word:
        scheme = word.split("://", 1)[0]
        if re.search(r"\s", word):
            raise BadRef(wording.rules.LINK_WITH_SPACE.format(word=without_credentials(word)))
        if scheme.lower() in WEB_SCHEMES:
            return UrlRef(check_image_url(word))
        if not _SCHEME.match(scheme):
            raise BadRef(wording.rules.INCOMPLETE_LINK_WORD.format(word=word))
        raise BadRef(wording.rules.LINK_SCHEME_NOT_WEB.format(word=word, scheme=scheme))
    if allow_paths:
        path = Path(word).expanduser()
        if path.is_dir():
            raise BadRef(wording.rules.PATH_IS_FOLDER.format(word=word))
        if not path.is_file():
            raise BadRef(wording.rules.NO_SUCH_LOCAL_FILE.format(word=word))
        return PathRef(path)
    raise BadRef(wording.rules.NOT_AN_IMAGE_REFERENCE.format(word=word))
