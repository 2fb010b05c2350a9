"""Named option sets a workspace saves (`presets`) and the options each channel starts from (`channel_defaults`)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot import wording
from bot.store.db import RequestLog, dumps, iso, utc_now

T = TypeVar("T", "Preset", "ChannelDefaults")

PRESET_NAME = re.compile(r"[a-z0-9_-]{1,32}")

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS presets (
        team_id TEXT NOT NULL,
        name TEXT NOT NULL,
        creator TEXT NOT NULL,
        options_json TEXT NOT NULL,
        prompt TEXT,
        scene TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (team_id, name)
    )""",
    """CREATE TABLE IF NOT EXISTS channel_defaults (
        team_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        options_json TEXT NOT NULL,
        set_by TEXT NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY (team_id, channel_id)
    )""",
)


def preset_name_problem(name: str) -> str | None:
    """None for a usable preset name; otherwise the sentence that says why it is not one."""
    return None if PRESET_NAME.fullmatch(name) else wording.rules.NOT_A_PRESET_NAME.format(name=name[:40])


@dataclass(frozen=True)
class Preset:
    team_id: str
    name: str
    creator: str
    options: dict[str, Any] = field(default_factory=dict)
    prompt: str | None = None
    scene: str | None = None
    created_at: str = ""
    updated_at: str = ""


@dataclass(frozen=True)
class ChannelDefaults:
    team_id: str
    channel_id: str
    options: dict[str, Any]
    set_by: str
    set_at: str


def _from_row(kind: type[T], row: dict[str, Any]) -> T:
    """A preset or channel defaults from its row, whose columns are the fields, options kept as JSON."""
    columns = {name: value for name, value in row.items() if name != "options_json"}
    return kind(**columns, options=json.loads(row["options_json"] or "{}"))


class PresetStore:
    """Presets and channel defaults, kept in the same SQLite file as the request log."""

    def __init__(self, log_db: RequestLog) -> None:
        self.log_db = log_db
        for statement in _SCHEMA:
            log_db.execute(statement)
        # Every request reads its channel's defaults before its ack, and they seldom change: they are read from
        # here until this store changes them or another connection writes to the log (see `data_version`).
        self._defaults: dict[tuple[str, str], ChannelDefaults | None] = {}
        self._defaults_version = -1

    # -- presets ----------------------------------------------------------------------------------

    def save_preset(
        self, *, team_id: str, name: str, creator: str, options: dict[str, Any], prompt: str | None, scene: str | None
    ) -> None:
        """Create the preset, or replace what an existing one holds (its creator and creation time stay)."""
        now = iso(utc_now())
        self.log_db.execute(
            "INSERT INTO presets (team_id, name, creator, options_json, prompt, scene, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (team_id, name) DO UPDATE SET options_json = excluded.options_json,"
            " prompt = excluded.prompt, scene = excluded.scene, updated_at = excluded.updated_at",
            [team_id, name, creator, dumps(options), prompt, scene, now, now],
        )

    def preset(self, team_id: str, name: str) -> Preset | None:
        rows = self.log_db.query("SELECT * FROM presets WHERE team_id = ? AND name = ?", [team_id, name])
        return _from_row(Preset, rows[0]) if rows else None

    def presets(self, team_id: str) -> list[Preset]:
        rows = self.log_db.query("SELECT * FROM presets WHERE team_id = ? ORDER BY name", [team_id])
        return [_from_row(Preset, row) for row in rows]

    def delete_preset(self, team_id: str, name: str) -> bool:
        return self.log_db.execute("DELETE FROM presets WHERE team_id = ? AND name = ?", [team_id, name]) > 0

    # -- channel defaults -------------------------------------------------------------------------

    def set_channel_defaults(self, *, team_id: str, channel_id: str, options: dict[str, Any], set_by: str) -> None:
        self.log_db.execute(
            "INSERT INTO channel_defaults (team_id, channel_id, options_json, set_by, set_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (team_id, channel_id) DO UPDATE SET options_json = excluded.options_json,"
            " set_by = excluded.set_by, set_at = excluded.set_at",
            [team_id, channel_id, dumps(options), set_by, iso(utc_now())],
        )
        self._defaults.pop((team_id, channel_id), None)

    def channel_defaults(self, team_id: str, channel_id: str) -> ChannelDefaults | None:
        version = self.log_db.data_version()
        if version != self._defaults_version:
            self._defaults.clear()
            self._defaults_version = version
        key = (team_id, channel_id)
        if key not in self._defaults:
            self._defaults[key] = self._read_channel_defaults(team_id, channel_id)
        return self._defaults[key]

    def _read_channel_defaults(self, team_id: str, channel_id: str) -> ChannelDefaults | None:
        rows = self.log_db.query(
            "SELECT * FROM channel_defaults WHERE team_id = ? AND channel_id = ?", [team_id, channel_id]
        )
        return _from_row(ChannelDefaults, rows[0]) if rows else None

    def clear_channel_defaults(self, team_id: str, channel_id: str) -> bool:
        self._defaults.pop((team_id, channel_id), None)
        sql = "DELETE FROM channel_defaults WHERE team_id = ? AND channel_id = ?"
        return self.log_db.execute(sql, [team_id, channel_id]) > 0
