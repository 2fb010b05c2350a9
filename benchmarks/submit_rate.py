"""Benchmark 2: a burst of submissions against Tencent's 20-per-second limit.

200 signed /aigc commands reach `aigc-bot serve` at once. The fake VOD stamps each CreateSceneAigcImageTask
as it arrives and refuses any beyond 20 in a second with RequestLimitExceeded, as Tencent does. The sustained
rate is measured at the server, after the first full window: (N - 20) / (last arrival - first arrival).
Target: at least 0.9 of the limit, no call refused by the limit, and no RequestLimitExceeded shown in Slack.
"""

from __future__ import annotations

import json
import time
from typing import Any

from benchmarks.bot_process import BotProcess, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome
from benchmarks.slack_load import burst
from tests.fakes.slack_signing import slash_command_body

LIMIT_PER_SECOND = 20
TARGET_SHARE = 0.9
CREATE = "CreateSceneAigcImageTask"
FORM = "application/x-www-form-urlencoded"


def busiest_second(arrivals: list[float]) -> int:
    """The most arrivals in any one-second window."""
    most, start = 0, 0
    for end, moment in enumerate(arrivals):
        while arrivals[start] <= moment - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def slack_mentions(host: FakeHost, needle: str) -> int:
    """How many messages, updates or response_url answers the bot sent to Slack contain `needle`."""
    texts: list[Any] = [call.args for call in host.get("slack", "calls")]
    texts += [response.get("body") for response in host.get("slack", "responses")]
    return sum(1 for text in texts if needle in json.dumps(text, ensure_ascii=False))


def run(host: FakeHost, submissions: int = 200) -> Outcome:
    refused_before = host.get("vod", "rate_limited")
    seen_before = len(host.get("vod", "requests"))
    with BotProcess(host.urls, AIGC_BOT_FOLLOW_MODE="off") as bot:
        bodies = [
            (slash_command_body(f"outpaint https://shop.example/banner-{n}.jpg ratio=16:9", user_id=f"U{n:04d}"), FORM)
            for n in range(submissions)
        ]
        began = time.monotonic()
        replies = burst(bot.port, bodies)
        counts = wait_for_rows(bot.db, {"submitted", "failed"}, submissions, timeout=30 + submissions / 10)
        took = time.monotonic() - began
    creates = [r for r in host.get("vod", "requests")[seen_before:] if r.action == CREATE]
    arrivals = sorted(r.time for r in creates)
    refused = host.get("vod", "rate_limited") - refused_before
    shown = slack_mentions(host, "RequestLimitExceeded")
    span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
    sustained = (len(arrivals) - LIMIT_PER_SECOND) / span if span > 0 else 0.0
    share = sustained / LIMIT_PER_SECOND
    submitted = counts.get("submitted", 0)
    acked = sum(1 for reply in replies if reply.status == 200)
    return Outcome(
        name=f"Submission rate: a burst of {submissions} /aigc commands against the {LIMIT_PER_SECOND}/s limit",
        target=f"sustained rate / {LIMIT_PER_SECOND} at least {TARGET_SHARE}, none refused, none shown in Slack",
        passed=share >= TARGET_SHARE and refused == 0 and shown == 0 and submitted == submissions,
        figures=[
            ("acked", f"{acked}/{submissions}"),
            ("submitted (TaskId in the log)", f"{submitted}/{submissions} in {took:.1f} s"),
            ("CreateSceneAigcImageTask calls at VOD", str(len(arrivals))),
            ("sustained rate at VOD", f"{sustained:.2f}/s over {span:.2f} s"),
            (f"rate / {LIMIT_PER_SECOND}", f"{share:.3f}"),
            ("busiest one-second window", f"{busiest_second(arrivals)} calls"),
            ("refused with RequestLimitExceeded", str(refused)),
            ("RequestLimitExceeded shown in Slack", str(shown)),
        ],
    )
