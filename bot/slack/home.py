"""The App Home tab as Block Kit: a person's last requests, today's count against the caps, presets, and for
admins the team's usage and estimated cost."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot import wording
from bot.slack.messages import context_block, escape, text_block
from bot.slack.reports import cost_text, named, ranked, thread_link
from bot.store.db import CAPPED_STATUSES, Status, parse_iso
from bot.store.home_queries import NOBODY, People, UsageGroup, UsageSummary, estimate_cost
from bot.tencent.scenes import SCENE_LABELS

# Slack refuses a Home view of more than 100 blocks.
MAX_BLOCKS = 100
# Slack refuses section text over 3000 characters; lists of people and codes stop well before that.
SHOWN_PER_LIST = 15
SHOWN_PROMPT_CHARS = 150
STATUS_BADGES: dict[str, str] = {
    Status.RECEIVED: wording.slack.WORKING_STATUS,
    Status.UPLOADING: wording.slack.UPLOADING_STATUS,
    Status.SUBMITTING: wording.slack.SUBMITTING_STATUS,
    Status.SUBMITTED: wording.slack.AT_TENCENT_STATUS,
    Status.DONE: wording.slack.DONE_STATUS,
    Status.FAILED: wording.slack.FAILED_STATUS,
    Status.INVALID: wording.slack.NOT_USABLE_STATUS,
    Status.REFUSED: wording.slack.REFUSED_STATUS,
}


@dataclass(frozen=True)
class DailyCount:
    used: int
    cap: int  # 0 means no cap

    def text(self, whose: str) -> str:
        if not self.cap:
            return f"{whose} {self.used} (no daily cap)"
        return f"{whose} {self.used} of {self.cap}"


@dataclass(frozen=True)
class AdminUsage:
    """The team's requests this month and today (usage_summary), what they cost per output image, and in what
    currency; the people with the most requests counted against the caps today and this month (busiest_people,
    the first `SHOWN_PER_LIST`)."""

    summary: UsageSummary
    prices: Mapping[str, Decimal]
    currency: str
    people_today: People = NOBODY
    people_month: People = NOBODY


@dataclass(frozen=True)
class HomeContent:
    user_id: str
    requests: list[dict[str, Any]]
    user_today: DailyCount
    workspace_today: DailyCount
    # None when the log has no presets table yet.
    presets: list[dict[str, Any]] | None
    team_domain: str | None
    now: datetime
    admin: AdminUsage | None = None


def _header(title: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": True}}


def _outputs(row: Mapping[str, Any]) -> list[dict[str, Any]]:
    try:
        outputs = json.loads(row.get("output_json") or "[]")
    except ValueError:
        return []
    return [o for o in outputs if isinstance(o, dict)] if isinstance(outputs, list) else []


def thumbnail_url(row: Mapping[str, Any], now: datetime) -> str | None:
    """The first output's URL while Tencent still serves it; None once it has expired (the thread keeps a copy)."""
    for output in _outputs(row):
        url, expires = output.get("url"), output.get("expire_time")
        try:
            expired = bool(expires) and parse_iso(str(expires)) <= now
        except ValueError:
            continue  # an expiry the log cannot read: the link is not trusted
        if url and not expired:
            return str(url)
    return None


def _status_text(row: Mapping[str, Any]) -> str:
    status = str(row.get("status") or "")
    badge = STATUS_BADGES.get(status, status)
    if status == Status.SUBMITTED and row.get("progress"):
        badge += f" {row['progress']}%"
    if status in (Status.FAILED, Status.INVALID, Status.REFUSED) and row.get("error_code"):
        badge += f" (`{escape(str(row['error_code']))}`)"
    return badge


def request_blocks(row: Mapping[str, Any], *, team_domain: str | None, now: datetime) -> list[dict[str, Any]]:
    scene = SCENE_LABELS.get(str(row.get("scene") or ""), str(row.get("scene") or "request"))
    when = parse_iso(str(row["created_at"])).strftime("%Y-%m-%d %H:%M UTC")
    line = f"*{escape(scene)}* · {_status_text(row)} · {when}"
    link = thread_link(team_domain, row.get("channel_id"), row.get("thread_ts") or row.get("parent_ts"))
    if link:
        line += f" · <{link}|thread>"
    prompt = str(row.get("prompt") or "")
    if prompt:
        shown = prompt if len(prompt) <= SHOWN_PROMPT_CHARS else prompt[:SHOWN_PROMPT_CHARS] + "…"
        line += f"\n> {escape(shown)}"
    outputs = len(_outputs(row))
    url = thumbnail_url(row, now) if row.get("status") == Status.DONE else None
    if row.get("status") == Status.DONE and not url and outputs:
        line += wording.slack.RESULT_KEPT_ONLY_IN_THREAD.format(outputs=outputs)
    section = text_block(line)
    if url:
        section["accessory"] = {"type": "image", "image_url": url, "alt_text": f"{scene} result"}
    return [section]


def _listing(shown: Iterable[tuple[str, int]], count: int) -> str:
    """The first `SHOWN_PER_LIST` of `shown` (name, requests), and how many of the `count` are left out."""
    parts = [f"{name or '?'} {n}" for name, n in itertools.islice(shown, SHOWN_PER_LIST)]
    if count > SHOWN_PER_LIST:
        parts.append(wording.slack.AND_MORE.format(count=count - SHOWN_PER_LIST))
    return ", ".join(parts) or "none"


def _counted(counts: Counter[str], label: Mapping[str, str] | None = None) -> str:
    return _listing((((label or {}).get(key, key), n) for key, n in ranked(counts)), len(counts))


def _usage_period(title: str, groups: list[UsageGroup], people: People, usage: AdminUsage) -> str:
    requests, by_scene, failures = 0, Counter[str](), Counter[str]()
    for group in groups:
        if group.status in CAPPED_STATUSES:
            requests += group.requests
            by_scene[str(group.scene or "")] += group.requests
        if group.status == Status.FAILED:
            failures[str(group.error_code or "unknown")] += group.requests
    lines = [
        wording.slack.HOME_REQUESTS_COUNT.format(title=title, count=requests),
        wording.slack.HOME_BY_USER + _listing(((named(p), p.requests) for p in people.busiest), people.total),
        wording.slack.HOME_BY_SCENE + _counted(by_scene, SCENE_LABELS),
        wording.slack.FAILURES_BY_CODE + _counted(failures),
    ]
    if usage.prices:
        lines.append(wording.slack.ESTIMATED_COST + cost_text(estimate_cost(groups, usage.prices), usage.currency))
    return "\n".join(lines)


def admin_blocks(usage: AdminUsage, now: datetime) -> list[dict[str, Any]]:
    month = wording.slack.HOME_THIS_MONTH.format(month=now.strftime("%Y-%m"))
    blocks = [
        {"type": "divider"},
        _header("Team usage (admins only)"),
        text_block(_usage_period("Today", usage.summary.today, usage.people_today, usage)),
        text_block(_usage_period(month, usage.summary.month, usage.people_month, usage)),
    ]
    if not usage.prices:
        blocks.append(context_block(wording.slack.SET_PRICES_FOR_COSTS))
    return blocks


# Until the log has a presets table (bot/store/presets.py makes it), the Home says "No presets yet".
def preset_blocks(presets: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    blocks = [{"type": "divider"}, _header("Presets")]
    if not presets:
        return [*blocks, text_block(wording.slack.HOME_NO_PRESETS)]
    lines = []
    for preset in presets:
        name = escape(str(preset.get("name") or "?"))
        scene = SCENE_LABELS.get(str(preset.get("scene") or ""), "")
        creator = str(preset.get("creator") or "")
        lines.append(
            f"• *{name}*"
            + (f" · {scene}" if scene else "")
            + (wording.slack.SAVED_BY.format(creator=creator) if creator else "")
        )
    return [*blocks, text_block("\n".join(lines))]


def home_view(content: HomeContent) -> dict[str, Any]:
    counts = f"{content.user_today.text('You:')} · {content.workspace_today.text('workspace:')}"
    blocks: list[dict[str, Any]] = [
        _header("AIGC Images"),
        text_block(f"*Requests today* (UTC) · {counts}"),
        {"type": "divider"},
        _header(wording.slack.HOME_LAST_REQUESTS),
    ]
    if not content.requests:
        blocks.append(text_block(wording.slack.NO_REQUESTS_YET))
    for row in content.requests:
        blocks.extend(request_blocks(row, team_domain=content.team_domain, now=content.now))
    blocks.extend(preset_blocks(content.presets))
    if content.admin is not None:
        blocks.extend(admin_blocks(content.admin, content.now))
    if len(blocks) > MAX_BLOCKS:
        blocks = [*blocks[: MAX_BLOCKS - 1], context_block("More in `/aigc history` and `/aigc usage`.")]
    return {"type": "home", "blocks": blocks}
