"""A request as the log keeps it: who asked and where (`Origin`), what they asked for (`Generate`), and the one
way each goes into a row of `requests` and comes back out of it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from bot.slack.command_text import Generate, refs_from_summary, refs_summary
from bot.store.db import RequestRow, dumps
from bot.tencent.scenes import TaskOptions, TaskSpec

# What a Slack file object keeps in the log: enough to download it again after a restart.
KEPT_FILE_FIELDS = ("id", "name", "title", "mimetype", "filetype", "size", "url_private", "url_private_download")


@dataclass
class Origin:
    """Who asked, where, and which Slack ids make the request unique."""

    source: str  # slash_command, modal, shortcut, file_share, rerun, cli, batch
    team_id: str
    channel_id: str
    user_id: str
    dedupe_key: str
    thread_ts: str | None = None
    response_url: str | None = None
    repeat_key: str | None = None  # identical command text, to catch a quick double submit
    slack_files: dict[str, dict[str, Any]] = field(default_factory=dict)
    rerun_of: int | None = None
    session_id: str | None = None  # chosen by the person (the command line's --session-id); else from dedupe_key
    derived_from: int | None = None  # the request whose generated image this one takes as its input

    @property
    def chosen_session_id(self) -> str:
        """The SessionId sent with this request: the one the person chose, else one made from its dedupe_key."""
        return self.session_id or session_id_for(self.dedupe_key)


def session_id_for(dedupe_key: str) -> str:
    """At most 50 characters, the same for every retry of one Slack request, so Tencent dedupes too."""
    return "aigc-" + hashlib.sha256(dedupe_key.encode("utf-8")).hexdigest()[:40]


def command_columns(command: Generate, *, text: str | None = None) -> dict[str, Any]:
    """The columns of `requests` that say what was asked for; `command_from_row` reads them back.

    :param text: the command as typed, kept beside the inputs so the same command sent twice is seen as a repeat.
    """
    spec = command.spec
    inputs = {"images": refs_summary(command.images), "clothes": refs_summary(command.clothes)}
    if text:
        inputs["text"] = [text]
    return {
        "scene": spec.scene,
        "prompt": spec.prompt,
        "image_count": command.image_count,
        "options_json": dumps(spec.options.to_dict()),
        "preset": command.preset,
        "inputs_json": dumps(inputs),
    }


def request_columns(origin: Origin, command: Generate) -> dict[str, Any]:
    """The row a new request is logged as (the log adds its id, times and status); `origin_from_row` and
    `command_from_row` read it back."""
    return {
        "source": origin.source,
        "team_id": origin.team_id,
        "channel_id": origin.channel_id,
        "user_id": origin.user_id,
        "thread_ts": origin.thread_ts,
        "response_url": origin.response_url,
        **command_columns(command, text=origin.repeat_key),
        "slack_files_json": dumps(_kept_files(origin.slack_files)) if origin.slack_files else None,
        "dedupe_key": origin.dedupe_key,
        "session_id": origin.chosen_session_id,
        "rerun_of": origin.rerun_of,
        "derived_from": origin.derived_from,
    }


def origin_from_row(row: RequestRow) -> Origin:
    """Who asked and where, as the log recorded it when the request arrived."""
    return Origin(
        source=row["source"],
        team_id=row.get("team_id") or "",
        channel_id=row.get("channel_id") or "",
        user_id=row.get("user_id") or "",
        dedupe_key=row.get("dedupe_key") or f"resume:{row['id']}",
        thread_ts=row.get("thread_ts"),
        response_url=row.get("response_url") or None,
        slack_files=json.loads(row.get("slack_files_json") or "{}"),
        rerun_of=row.get("rerun_of"),
        session_id=row.get("session_id"),
        derived_from=row.get("derived_from"),
    )


def spec_from_row(row: RequestRow) -> TaskSpec:
    """The scene, prompt and options a log row asked for."""
    scene = row["scene"]
    # Every request is logged from its TaskSpec (`request_columns`), scene included; only input too broken to be a
    # request (`log_invalid`) is logged without one, and such a row is never resumed, followed or given buttons.
    assert scene is not None, f"request {row['id']} was logged without a scene"
    options = TaskOptions(**json.loads(row.get("options_json") or "{}"))
    return TaskSpec(scene=scene, prompt=row.get("prompt"), options=options)


def command_from_row(row: RequestRow) -> Generate:
    """The request a log row describes, to run it again or to resume it after a restart."""
    inputs = json.loads(row.get("inputs_json") or "{}")
    return Generate(
        spec=spec_from_row(row),
        images=refs_from_summary(inputs.get("images", [])),
        clothes=refs_from_summary(inputs.get("clothes", [])),
        preset=row.get("preset"),
    )


def _kept_files(files: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {key: {k: v for k, v in meta.items() if k in KEPT_FILE_FIELDS} for key, meta in files.items()}
