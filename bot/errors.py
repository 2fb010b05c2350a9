"""The bot's own errors, and how the advice for a refusal code is found and laid out.

The advice itself (what happened and what to do, per code) is written in bot/wording/tencent_advice.py.

Every exception defined in bot/ and handlers/ descends from `BotError`, so one `except BotError` catches
everything the bot raises on purpose; anything else is a bug. Every failure the bot can explain to a person
is an `AigcBotError`: it carries a code (looked up in the advice table), a technical message for the
log, the RequestId of the refusing service where there is one, and whether trying again can help;
`user_text()` gives the lines to show a person. The tree (tests/test_exception_tree.py keeps it whole):

    BotError                          (bot.errors)
    ├── AigcBotError                  (bot.errors)
    │   ├── VodError                  (bot.tencent.vod) a Tencent Cloud API refusal; codes as Tencent sends them,
    │   │   │                         or ClientError.* when no usable answer came back
    │   │   └── AlreadySubmitted      a task with this SessionId already exists; nothing new was billed
    │   ├── CosUploadError            (bot.tencent.cos) the image upload to Tencent Cloud storage (COS) failed;
    │   │                             codes Cos.<COS error code>, Cos.HttpError when COS sent no code,
    │   │                             Cos.Timeout, Cos.ConnectionLost and Cos.Network for network failures
    │   ├── SlackFileError            (bot.slack.files) a shared file cannot be used; also a ValueError,
    │   │                             code Slack.FileUnusable; the message itself is the user sentence
    │   └── SlackDownloadFailed       (bot.slack.files) Slack did not hand over a file in time or at all;
    │                                 code Slack.DownloadFailed
    ├── ConfigError                   (bot.config) settings that cannot be used; names each variable
    ├── TokenRejected                 (bot.slack.auth) Slack refused a token for good
    ├── SlackUnreachable              (bot.slack.auth) one attempt to reach Slack failed in a way that may pass
    ├── SlackUnavailable              (bot.slack.conversation) Slack would not take a message even after retries
    ├── BackupRefused                 (bot.store.backup) a backup that was not taken
    ├── LogCommandError               (bot.log_commands) input a log command (export, stats, ...) cannot use
    ├── Superseded                    (bot.slack.pacing) a progress edit dropped for a newer one; also a
    │                                 SlackClientError, so callers of the Web API treat it as one
    ├── CosError                      (bot.standins.cos) a refusal the stand-in COS answers with
    ├── TencentError                  (bot.standins.vod_model) a refusal the stand-in VOD answers with
    └── input a person can fix, each also a ValueError (pydantic validators and some callers rely on that):
        ├── CommandError              (bot.slack.command_text) a Slack command or form that breaks a rule
        ├── Refused                   (bot.rules) a draft request that breaks rules, one sentence per field
        ├── ImageRefused              (bot.images.refusals) a file that cannot be made into an image for Tencent
        ├── BatchFileError            (bot.slack.batch_text) a CSV file that cannot be read as a batch
        ├── BadRef                    (bot.slack.refs) an image reference that cannot be used
        ├── RequestInvalid            (bot.tencent.models) a request that breaks a rule, one line per mistake
        ├── NotAnImage                (bot.tencent.imagetype) bytes that are not a JPEG, PNG or WebP image
        ├── ImageTooLarge             (bot.tencent.upload) an image over the upload limit
        ├── DownloadTooLarge          (bot.slack.files) a download that grew past its size limit
        └── BadInput                  (handlers.cli) command-line input, said in one sentence

Codes from COS carry the `Cos.` prefix so that, for example, COS's InternalError (`Cos.InternalError`)
never borrows the advice written for the Tencent Cloud API's InternalError.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from types import MappingProxyType

from bot import wording
from bot.wording.tencent_advice import ENTRIES, ErrorAdvice

# Tencent's own message is shown only up to this many characters.
MESSAGE_LIMIT = 300


def _build_table(entries: tuple[ErrorAdvice, ...]) -> Mapping[str, ErrorAdvice]:
    table: dict[str, ErrorAdvice] = {}
    for entry in entries:
        if entry.code in table:
            raise ValueError(f"duplicate advice for {entry.code}")
        table[entry.code] = entry
    return MappingProxyType(table)


TABLE: Mapping[str, ErrorAdvice] = _build_table(ENTRIES)


def lookup(code: str) -> ErrorAdvice | None:
    """The table entry for `code`: exact, else the longest dotted prefix; None when nothing matches."""
    parts = code.strip().split(".")
    for end in range(len(parts), 0, -1):
        entry = TABLE.get(".".join(parts[:end]))
        if entry is not None:
            return entry
    return None


def advise(code: str) -> ErrorAdvice:
    """Advice for a refusal. The returned `code` is always the one given, whichever entry matched.

    Tencent's message is left out on purpose, which keeps the wording predictable for the same code.
    """
    entry = lookup(code)
    if entry is None:
        summary = wording.tencent_advice.REQUEST_FAILED_CODE_WHICH_BOT.format(shown=code or "(none)")
        return ErrorAdvice(code, summary, wording.tencent_advice.ASK_WORKSPACE_ADMIN_LOOK_INTO, audience="admin")
    return entry if entry.code == code else dataclasses.replace(entry, code=code)


def worth_retrying(code: str, *, repeat_safe: bool) -> bool:
    """Whether to send a call again after it failed with `code`: the one place that decides.

    `repeat_safe` says a second copy of the call cannot act twice (a lookup, or a submission carrying a
    SessionId Tencent dedupes on). A failure whose outcome is unknown is worth another try exactly then;
    any other failure when the advice table calls it passing.
    """
    advice = advise(code)
    if advice.outcome_unknown:
        return repeat_safe
    return advice.retryable


_WORD = re.compile(r"\w+")
_FILLER = frozenset({"the", "and", "for", "from", "with", "was", "not", "are", "this", "that", "has", "had"})


def _clean(message: str) -> str:
    text = " ".join(message.split())
    if len(text) > MESSAGE_LIMIT:
        text = text[: MESSAGE_LIMIT - 1].rstrip() + "…"
    return text


def _adds_detail(advice: ErrorAdvice, message: str) -> bool:
    """Whether Tencent's message says anything the summary, remedy and code do not already say."""
    if not message or message == advice.code:
        return False
    known = {w.lower() for w in _WORD.findall(f"{advice.summary} {advice.remedy} {advice.code}")}
    known |= {w.lower() for w in _WORD.findall(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", advice.code))}
    words = {w.lower() for w in _WORD.findall(message)}
    return bool({w for w in words if len(w) > 2 and w not in _FILLER} - known)


def format_refusal(advice: ErrorAdvice, request_id: str | None, message: str = "") -> str:
    """Several short plain-text lines: what happened, what to do, any extra detail, then the references."""
    lines = [advice.summary, advice.remedy]
    detail = _clean(message)
    if _adds_detail(advice, detail):
        lines.append(f"Details: {detail}")
    reference = f"Code: {advice.code or '(none)'}"
    if request_id:
        reference += f" · RequestId: {request_id}"
    lines.append(reference)
    return "\n".join(lines)


class BotError(Exception):
    """The root of every exception defined in bot/ and handlers/ (the tree is drawn at the top of this module)."""


class AigcBotError(BotError):
    """A failure the bot can explain: a code from the advice table, a technical message for the log, the
    refusing service's RequestId where one exists, and whether trying again can help.

    `str()` of the error is meant for logs; people are shown `user_text()`.
    """

    def __init__(self, code: str, message: str, request_id: str | None = None, *, log_text: str | None = None) -> None:
        super().__init__(log_text if log_text is not None else f"{code}: {message}")
        self.code = code
        self.message = message
        self.request_id = request_id

    @property
    def advice(self) -> ErrorAdvice:
        return advise(self.code)

    def user_text(self) -> str:
        """What happened, what to do, and the references support will ask for."""
        return format_refusal(self.advice, self.request_id, self.message)
