"""/aigc status, history and usage: answers read from the log (and from VOD for live status)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from bot import wording
from bot.slack.command_text import is_session_id
from bot.slack.messages import asker, escape, task_lookup_status_text
from bot.store.db import NOT_SUBMITTED_STATUSES, TASK_ID_UNKNOWN, RequestLog, RequestRow, Status, parse_iso, utc_now
from bot.store.find import by_task_id, latest_for_session, recent_for_user
from bot.store.home_queries import CostEstimate, PersonCount, billed_for, busiest_people, estimate_cost, usage_summary
from bot.tencent.scenes import SCENE_LABELS
from bot.tencent.vod import TaskDetail, VodClient, VodError

K = TypeVar("K")
# People named in `/aigc usage`'s counts per person, the busiest first.
SHOWN_PEOPLE = 20


def thread_link(team_domain: str | None, channel_id: str | None, ts: str | None) -> str | None:
    if not (team_domain and channel_id and ts):
        return None
    return f"https://{team_domain}.slack.com/archives/{channel_id}/p{ts.replace('.', '')}"


def history_text(log_db: RequestLog, *, team_id: str, user_id: str, team_domain: str | None) -> str:
    rows = recent_for_user(log_db, team_id=team_id, user_id=user_id, limit=10)
    if not rows:
        return wording.slack.NO_REQUESTS_YET
    lines = [wording.slack.HISTORY_TITLE]
    for row in rows:
        scene = SCENE_LABELS.get(row["scene"] or "", row["scene"] or "?")
        task = f"`{row['task_id']}`" if row["task_id"] else wording.slack.NO_TASK_ID
        link = thread_link(team_domain, row["channel_id"], row["thread_ts"])
        where = f" · <{link}|thread>" if link else ""
        when = parse_iso(row["created_at"]).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"• {when} · {scene} · {row['status']} · {task}{where}")
    return "\n".join(lines)


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount in cents, or in full when a unit price is finer than that (0.005 stays 0.005)."""
    cents = amount.quantize(Decimal("0.01"))
    return f"{cents if cents == amount else amount.normalize()} {currency}"


def cost_text(estimate: CostEstimate, currency: str) -> str:
    text = wording.slack.USAGE_AMOUNT.format(amount=amount_text(estimate.amount, currency), images=estimate.images)
    if estimate.unpriced_scenes:
        names = ", ".join(SCENE_LABELS.get(s, s) for s in sorted(estimate.unpriced_scenes))
        text += wording.slack.NOT_COUNTED_NO_PRICE.format(names=names)
    return text


def usage_text(
    log_db: RequestLog,
    *,
    team_id: str,
    now: datetime | None = None,
    prices: Mapping[str, Decimal] | None = None,
    currency: str = "CNY",
    asked_by: str | None = None,
) -> str:
    """`/aigc usage`: the workspace's billed tasks (the command line's included) today and this month.

    :param asked_by: who asks, when they may see only their own count among the people; None shows everyone's.
    """
    moment = now or utc_now()
    day = moment.strftime("%Y-%m-%d")
    month = moment.strftime("%Y-%m")
    summary = usage_summary(log_db, team_id=team_id, month=month, today=day)
    parts = [wording.slack.USAGE_TITLE.format(month=month)]
    for label, groups, period in (("Today", summary.today, day), (wording.slack.THIS_MONTH, summary.month, month)):
        chosen = [g for g in groups if g.billed]
        parts.append(wording.slack.USAGE_TASKS_COUNT.format(label=label, count=sum(g.requests for g in chosen)))
        by_scene: Counter[str | None] = Counter()
        for group in chosen:
            by_scene[group.scene] += group.requests
        if by_scene:
            scenes = ", ".join(f"{SCENE_LABELS.get(s or '', s)} {n}" for s, n in ranked(by_scene))
            parts.append(wording.slack.USAGE_BY_SCENE + scenes)
            if asked_by is None:
                people = busiest_people(log_db, team_id=team_id, period=period, limit=SHOWN_PEOPLE)
                listed = ", ".join(f"{named(person)} {person.requests}" for person in people.busiest)
                parts.append(wording.slack.USAGE_BY_USER + listed)
            else:
                yours = billed_for(log_db, team_id=team_id, period=period, user_id=asked_by)
                parts.append(wording.slack.USAGE_YOURS.format(count=yours))
    refused = sum(g.requests for g in summary.month if g.status in NOT_SUBMITTED_STATUSES)
    parts.append(wording.slack.NOT_SUBMITTED_THIS_MONTH.format(refused=refused))
    if prices:
        parts.append(f"*Estimated cost today:* {cost_text(estimate_cost(summary.today, prices), currency)}")
        parts.append(f"*Estimated cost this month:* {cost_text(estimate_cost(summary.month, prices), currency)}")
    return "\n".join(parts)


def named(person: PersonCount) -> str:
    """A person as Slack shows them."""
    return asker(person.user_id, from_command_line=person.from_command_line)


def ranked(counts: Mapping[K, int]) -> list[tuple[K, int]]:
    """Most first; equal counts in the order of their keys, so a listing never depends on which came first."""
    return sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))


def detail_text(detail: TaskDetail, row: RequestRow | None) -> str:
    lines = [f"*Task* `{detail.task_id}` · {detail.status}"]
    if detail.progress is not None and not detail.finished:
        lines.append(f"Progress: {detail.progress}%")
    if detail.finished and detail.succeeded:
        for index, output in enumerate(detail.outputs, 1):
            target = output.url or output.file_id or "?"
            lines.append(f"{index}. {escape(target)}")
    elif detail.finished:
        lines.append(f"Failed: {escape(detail.message)} (ErrCode {detail.err_code})")
    if row:
        lines.append(f"Asked by <@{row['user_id']}> · {SCENE_LABELS.get(row['scene'] or '', row['scene'])}")
    return "\n".join(lines)


def logged_result_text(row: RequestRow) -> str:
    lines = [f"*Task* `{row['task_id']}` · {row['status']}"]
    outputs = json.loads(row["output_json"] or "[]")
    for index, output in enumerate(outputs, 1):
        lines.append(f"{index}. {escape(str(output.get('url') or output.get('file_id') or '?'))}")
    if row["status"] == Status.FAILED:
        lines.append(f"Failed: {escape(row['error_message'] or '')} ({row['error_code']})")
    if row.get("duration_seconds"):
        lines.append(f"Took {row['duration_seconds']:.0f}s")
    return "\n".join(lines)


async def status_text(vod: VodClient, log_db: RequestLog, wanted: str) -> str:
    """/aigc status: `wanted` is a TaskId, or the SessionId of a request (its TaskId may be unknown): the bot's
    own `aigc-…` ones, or one chosen with `aigc-bot submit --session-id`, which the log knows.

    The log is read on its read threads (`RequestLog.read`), never on the event loop."""
    row = await log_db.read(lambda reader: latest_for_session(reader, wanted))
    if row is None:
        if is_session_id(wanted):
            return wording.slack.NO_REQUEST_WITH_SESSION_ID.format(session_id=escape(wanted))
        return await _task_status_text(vod, log_db, wanted)
    if row["task_id"]:
        return await _task_status_text(vod, log_db, str(row["task_id"]))
    if row["error_code"] == TASK_ID_UNKNOWN:
        return task_lookup_status_text(wanted, row["status"], still_looking=False)
    if row["status"] == Status.SUBMITTED:
        return task_lookup_status_text(wanted, row["status"], still_looking=True)
    text = f"*Request* SessionId `{wanted}` · {row['status']} · no TaskId"
    if row["error_code"]:
        text += f"\n{escape(row['error_message'] or '')} ({escape(row['error_code'])})"
    return text


async def _task_status_text(vod: VodClient, log_db: RequestLog, task_id: str) -> str:
    row = await log_db.read(lambda reader: by_task_id(reader, task_id))
    if row and row["status"] in (Status.DONE, Status.FAILED) and row.get("finished_at"):
        return logged_result_text(row)
    try:
        detail = await vod.describe_task_detail(task_id)
    except VodError as error:
        return wording.slack.TASK_UNREADABLE.format(task_id=escape(task_id), error=escape(error.user_text()))
    return detail_text(detail, row)
