"""Benchmark: a busy channel under a Slack that enforces its rate limits.

The fake Slack answers calls past Slack's published limits with 429, Retry-After and `ratelimited` (1 message
a second per channel with a short burst, several hundred a minute per workspace, Tier 3 50 and Tier 4 100 a
minute). Against `aigc-bot serve` with its default pacing, two scenarios in one channel:

- people: that many people send `/aigc product <url> count=1` at once;
- batch: a catalogue batch of that many rows, from the Submit click to its results file.

Targets: every request submitted once, with its TaskId reply (people) and its images in its thread; at most
5% of Slack calls answered 429; done within 1.25x the time Slack's per-channel limit makes necessary for the
chat.postMessage calls the scenario made in the channel (one a second).
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from benchmarks.bot_process import BotProcess, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome
from benchmarks.slack_load import burst
from bot.slack.batch_text import SUBMIT_ACTION
from tests.fakes.slack_signing import (
    app_mention_event,
    block_actions_payload,
    event_callback_body,
    interactive_body,
    slash_command_body,
)

CHANNEL = "C300"
MAX_429_SHARE = 0.05
MAX_FLOOR_RATIO = 1.25
CHANNEL_MESSAGES_PER_SECOND = 1.0
CREATE = "CreateSceneAigcImageTask"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
# A scenario has ended when Slack has heard nothing from the bot for this long after the last result.
QUIET_SECONDS = 3.0


def _rows(db: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute("SELECT * FROM requests ORDER BY id")]


class _Scenario:
    """What the fakes saw from a given moment on: Slack calls, messages, uploads and VOD submissions."""

    def __init__(self, host: FakeHost, rate_scale: float) -> None:
        self.host = host
        self.rate_scale = rate_scale
        self.calls_from = len(host.get("slack", "calls"))
        self.uploads_from = len(host.get("slack", "completed_uploads"))
        self.messages_from = len(host.get("slack", "messages"))
        self.vod_from = len(host.get("vod", "requests"))

    def settle(self, db: Path, source: str, count: int, timeout: float) -> None:
        """Wait until `count` results of `source` are delivered and Slack has heard nothing new for a while."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            delivered = [r for r in _rows(db) if r["source"] == source and r["delivered_at"]]
            if len(delivered) >= count:
                break
            time.sleep(0.2)
        seen = -1
        while time.monotonic() < deadline and seen != (seen := len(self.host.get("slack", "calls"))):
            time.sleep(max(0.5, QUIET_SECONDS / self.rate_scale))

    def calls(self) -> list[Any]:
        return list(self.host.get("slack", "calls")[self.calls_from :])

    def messages(self) -> list[dict[str, Any]]:
        return list(self.host.get("slack", "messages")[self.messages_from :])

    def uploads(self) -> list[dict[str, Any]]:
        return list(self.host.get("slack", "completed_uploads")[self.uploads_from :])

    def submissions(self) -> list[Any]:
        return [r for r in self.host.get("vod", "requests")[self.vod_from :] if r.action == CREATE and r.accepted]

    def figures(self, began: float, *, expected: int, complete: int) -> tuple[bool, list[tuple[str, str]]]:
        calls = self.calls()
        limited = [c for c in calls if c.status == 429]
        posted = [
            c for c in calls if c.method == "chat.postMessage" and c.status == 200 and c.args.get("channel") == CHANNEL
        ]
        ended = max((c.time for c in calls if c.status == 200), default=began)
        took = ended - began
        floor = len(posted) / (CHANNEL_MESSAGES_PER_SECOND * self.rate_scale)
        share = len(limited) / max(1, len(calls))
        ratio = took / floor if floor else float("inf")
        by_method: dict[str, int] = {}
        for call in limited:
            by_method[call.method] = by_method.get(call.method, 0) + 1
        sessions = {str(r.body.get("SessionId")) for r in self.submissions()}
        submitted_once = len(self.submissions()) == expected and len(sessions) == expected
        passed = submitted_once and complete == expected and share <= MAX_429_SHARE and ratio <= MAX_FLOOR_RATIO
        return passed, [
            ("submitted once", f"{len(self.submissions())} submissions, {len(sessions)} SessionIds for {expected}"),
            ("complete in their thread", f"{complete}/{expected}"),
            ("Slack calls answered 429", f"{len(limited)} of {len(calls)} ({share:.1%}) {by_method or ''}".rstrip()),
            ("messages posted in the channel", f"{len(posted)}; floor at the channel's pace {floor:.1f} s"),
            ("took / floor", f"{took:.1f} s / {floor:.1f} s = {ratio:.2f}x"),
        ]


def people(host: FakeHost, bot: BotProcess, count: int, rate_scale: float) -> tuple[bool, list[tuple[str, str]]]:
    scenario = _Scenario(host, rate_scale)
    bodies = [
        (
            slash_command_body(
                f"product https://shop.example/busy-{n}.jpg count=1", user_id=f"UP{n:03d}", channel_id=CHANNEL
            ),
            FORM,
        )
        for n in range(count)
    ]
    began = time.monotonic()
    burst(bot.port, bodies)
    wait_for_rows(bot.db, {"done", "failed"}, count, timeout=60 + 10 * count)
    scenario.settle(bot.db, "slash_command", count, timeout=60 + 5 * count)
    rows = [r for r in _rows(bot.db) if r["channel_id"] == CHANNEL and r["source"] == "slash_command"]
    messages = scenario.messages()
    uploaded = {u["thread_ts"] for u in scenario.uploads()}
    complete = sum(
        1
        for r in rows
        if r["status"] == "done"
        and r["thread_ts"] in uploaded
        and any(m.get("thread_ts") == r["thread_ts"] and str(r["task_id"]) in m["text"] for m in messages)
    )
    return scenario.figures(began, expected=count, complete=complete)


def batch(host: FakeHost, bot: BotProcess, count: int, rate_scale: float) -> tuple[bool, list[tuple[str, str]]]:
    lines = ["scene,image,clothes,prompt,preset,ratio,count,resolution,model,negative"]
    lines += [f"product,https://shop.example/row-{n}.png,,,,,1,,," for n in range(count)]
    data = ("\n".join(lines) + "\n").encode()
    shared = host.call("slack", "add_file", "FBATCH", data, "catalogue.csv", "text/csv", "csv")
    asked = app_mention_event("<@UBOT> batch", channel=CHANNEL, files=[shared])
    burst(bot.port, [(event_callback_body(asked), JSON)])
    confirmation: dict[str, Any] | None = None
    deadline = time.monotonic() + 60
    while confirmation is None and time.monotonic() < deadline:
        time.sleep(0.2)
        for message in host.get("slack", "messages"):
            if message.get("thread_ts") == asked["ts"] and SUBMIT_ACTION in json.dumps(message.get("blocks") or []):
                confirmation = message
    if confirmation is None:
        return False, [("confirmation", "never posted")]
    button = next(
        e for b in confirmation["blocks"] for e in b.get("elements") or [] if e.get("action_id") == SUBMIT_ACTION
    )
    scenario = _Scenario(host, rate_scale)
    click = block_actions_payload(
        actions=[{**button, "block_id": f"batch-{button['value']}", "action_ts": str(time.time())}],
        message=confirmation,
        channel_id=CHANNEL,
    )
    began = time.monotonic()
    burst(bot.port, [(interactive_body(click), FORM)])
    results = f"batch-{button['value']}-results.csv"
    deadline = time.monotonic() + 60 + 5 * count
    while time.monotonic() < deadline:
        if any(f["name"] == results for u in scenario.uploads() for f in u["files"]):
            break
        time.sleep(0.5)
    scenario.settle(bot.db, "batch", count, timeout=30)
    rows = [r for r in _rows(bot.db) if r["source"] == "batch"]
    with_images = {u["initial_comment"] for u in scenario.uploads() if u["thread_ts"] == asked["ts"]}
    complete = sum(1 for r in rows if r["status"] == "done" and any(str(r["task_id"]) in str(c) for c in with_images))
    passed, figures = scenario.figures(began, expected=count, complete=complete)
    results_posted = any(f["name"] == results for u in scenario.uploads() for f in u["files"])
    figures.append(("results file", "posted" if results_posted else "missing"))
    return passed and results_posted, figures


def run(host: FakeHost, people_count: int = 20, batch_rows: int = 100, rate_scale: float = 1.0) -> Outcome:
    """`rate_scale` speeds Slack's limits up, in the fake and the bot's pacer alike (the quick form's, to check
    the harness); the published figures use Slack's own rates."""
    host.call("slack", "enforce_limits", scale=rate_scale)
    try:
        with BotProcess(host.urls, AIGC_BOT_SLACK_RATE_SCALE=str(rate_scale)) as bot:
            people_passed, people_figures = people(host, bot, people_count, rate_scale)
            batch_passed, batch_figures = batch(host, bot, batch_rows, rate_scale)
    finally:
        host.call("slack", "lift_limits")
    return Outcome(
        name=f"Slack limits: {people_count} people at once and a {batch_rows}-row batch, one channel, limits enforced",
        target=f"every request submitted once, complete in its thread; at most {MAX_429_SHARE:.0%} of Slack calls "
        f"answered 429; within {MAX_FLOOR_RATIO}x the 1-a-second floor of the channel's messages",
        passed=people_passed and batch_passed,
        figures=[(f"people: {label}", value) for label, value in people_figures]
        + [(f"batch: {label}", value) for label, value in batch_figures],
    )
