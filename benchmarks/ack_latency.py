"""Benchmark 1: how fast Slack gets its ack while Tencent is slow.

100 signed /aigc commands are sent at once to `aigc-bot serve` (its own process) while the fake VOD takes 2 s
per CreateSceneAigcImageTask. Each latency runs from writing a request to reading its whole ack (see
slack_load.py). Slack gives up after 3 s; the target is p99 under 50 ms. Every command must then be submitted.

Beside it, the same load generator drives a bare slack-bolt AsyncApp (benchmarks/bare_bolt.py) whose /aigc
listener commits the same row to SQLite, with the same pragmas, before its ack, through Bolt's dispatch. Both
go through Bolt; ours must ack no slower at p99, although after each ack it also uploads and submits.
"""

from __future__ import annotations

import time

from benchmarks.bot_process import BotProcess, PeerProcess, cpu_ms, status_counts, wait_for_rows
from benchmarks.fakes_host import FakeHost
from benchmarks.report import Outcome, percentile
from benchmarks.slack_load import burst
from tests.fakes.slack_signing import slash_command_body

TARGET_P99_MS = 50.0
TARGET_PEER_RATIO = 1.0
PEER = "benchmarks.bare_bolt"
VOD_DELAY_SECONDS = 2.0
FORM = "application/x-www-form-urlencoded"


def commands(requests: int, tag: str) -> list[tuple[bytes, str]]:
    """One command per person, each in a channel of its own: Slack takes about one message a second in a channel
    (the bot paces itself to that), so 100 announcements in one channel would take 100 s, leaving one round's
    work running into the next round's burst."""
    return [
        (
            slash_command_body(
                f"product https://shop.example/{tag}-{n}.jpg red background, studio light",
                user_id=f"U{tag}{n:04d}",
                channel_id=f"C{tag}{n:04d}",
            ),
            FORM,
        )
        for n in range(requests)
    ]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _spent(spent: list[float], before: float | None, after: float | None) -> None:
    if before is not None and after is not None:
        spent.append(after - before)


def _cpu_figures(ours: list[float], bare: list[float]) -> list[tuple[str, str]]:
    """Each app's median CPU per burst, and their ratio; none where the CPU could not be read (not Linux)."""
    if not ours or not bare:
        return []
    return [
        ("CPU per burst, ours / bare Bolt", f"{median(ours):.1f} ms / {median(bare):.1f} ms"),
        ("ratio ours/bare Bolt, CPU", f"{median(ours) / median(bare):.2f}"),
    ]


def run(host: FakeHost, requests: int = 100, rounds: int = 5) -> Outcome:
    """`rounds` alternating bursts to each app; each app's p99 is the median of its rounds' p99s.

    The machine is shared and noisy, and one burst's p99 is nearly its slowest reply, so one burst each would
    compare noise. Our bot finishes every submission of a round before the bare app's burst begins, so the
    bare app never shares the CPU with our background work.
    """
    host.set("vod", "delay_seconds", VOD_DELAY_SECONDS)
    ours: list[list[float]] = []
    bare: list[list[float]] = []
    # CPU each app spent on each burst: a burst's p99 is mostly the CPU it costs, so this says why p99s differ.
    ours_cpu: list[float] = []
    bare_cpu: list[float] = []
    acked = submitted = peer_acked = peer_rows = 0
    finished = 0.0
    try:
        with BotProcess(host.urls, AIGC_BOT_FOLLOW_MODE="off") as bot, PeerProcess(PEER, host.urls) as peer:
            # One command each first, so start-up costs (Slack's auth.test, first SQLite write) are not sampled.
            burst(bot.port, [(slash_command_body("outpaint https://shop.example/warmup.jpg"), FORM)])
            wait_for_rows(bot.db, {"submitted"}, 1, timeout=30)
            burst(peer.port, commands(1, "PW"))
            for round_number in range(rounds):
                began = time.monotonic()
                cpu_before = cpu_ms(bot.pid)
                replies = burst(bot.port, commands(requests, f"R{round_number}"))
                _spent(ours_cpu, cpu_before, cpu_ms(bot.pid))
                expected = 1 + requests * (round_number + 1)
                counts = wait_for_rows(bot.db, {"submitted"}, expected, timeout=60 + requests / 10)
                finished = max(finished, time.monotonic() - began)
                ours.append([reply.latency * 1000 for reply in replies])
                acked += sum(1 for reply in replies if reply.status == 200 and b"Working on" in reply.body)
                submitted = counts.get("submitted", 0) - 1
                cpu_before = cpu_ms(peer.pid)
                peer_replies = burst(peer.port, commands(requests, f"P{round_number}"))
                _spent(bare_cpu, cpu_before, cpu_ms(peer.pid))
                bare.append([reply.latency * 1000 for reply in peer_replies])
                peer_acked += sum(1 for reply in peer_replies if reply.status == 200 and b"Working on" in reply.body)
            peer_rows = sum(status_counts(peer.db).values())
    finally:
        host.set("vod", "delay_seconds", 0.0)
    every = [latency for sample in ours for latency in sample]
    p50 = median([percentile(sample, 0.50) for sample in ours])
    p99 = median([percentile(sample, 0.99) for sample in ours])
    peer_p50 = median([percentile(sample, 0.50) for sample in bare])
    peer_p99 = median([percentile(sample, 0.99) for sample in bare])
    ratio = p99 / peer_p99
    total = requests * rounds
    peer_logged = peer_rows - 1  # less the warm-up command
    return Outcome(
        name=f"Ack latency: {requests} concurrent /aigc commands, VOD answering in {VOD_DELAY_SECONDS:.0f} s "
        f"({rounds} rounds, alternating with a bare slack-bolt AsyncApp)",
        target=f"p99 under {TARGET_P99_MS:.0f} ms (Slack allows 3000 ms) and at most "
        f"{TARGET_PEER_RATIO:.1f}x the p99 of a "
        "bare slack-bolt AsyncApp that logs the same row before its ack; every request acked and then submitted",
        passed=p99 < TARGET_P99_MS
        and ratio <= TARGET_PEER_RATIO
        and acked == total
        and submitted == total
        and peer_acked == total
        and peer_logged == total,
        figures=[
            ("ack p50", f"{p50:.1f} ms"),
            ("ack p99", f"{p99:.1f} ms"),
            ("ack max", f"{max(every):.1f} ms"),
            ("acked with 'Working on'", f"{acked}/{total}"),
            ("then submitted to VOD", f"{submitted}/{total}; a round's {requests} in {finished:.1f} s at most"),
            ("bare slack-bolt AsyncApp p50", f"{peer_p50:.1f} ms"),
            ("bare slack-bolt AsyncApp p99", f"{peer_p99:.1f} ms ({peer_acked}/{total} acked, {peer_logged} logged)"),
            ("ratio ours/bare Bolt, p99", f"{ratio:.2f}"),
            *_cpu_figures(ours_cpu, bare_cpu),
        ],
        notes=["both apps answer /aigc through Bolt's own dispatch, and both commit a row before the ack"],
    )
