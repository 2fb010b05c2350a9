"""The CreateSceneAigcImageTask limiter: request n waits for request n-limit to be sent, then a full window."""

from __future__ import annotations

import asyncio
import threading
import time

from bot.tencent.ratelimit import SlidingWindowLimiter


def test_a_request_waits_for_the_one_a_window_earlier_to_be_sent_then_a_full_window() -> None:
    limiter = SlidingWindowLimiter(2, window=0.2, margin=0.0)

    async def scenario() -> tuple[float, float]:
        first = await limiter.acquire()
        await limiter.acquire()
        third = asyncio.create_task(limiter.acquire())
        await asyncio.sleep(0.3)
        assert not third.done(), "the third request left before the first was even sent"
        first.mark_sent()
        sent_at = time.monotonic()
        await third
        return sent_at, time.monotonic()

    sent_at, third_left = asyncio.run(scenario())
    assert third_left - sent_at >= 0.19


def test_a_send_marked_from_another_thread_wakes_the_waiter_in_its_loop() -> None:
    limiter = SlidingWindowLimiter(1, window=0.05, margin=0.0)

    async def scenario() -> float:
        first = await limiter.acquire()
        threading.Timer(0.1, first.mark_sent).start()
        began = time.monotonic()
        await asyncio.wait_for(limiter.acquire(), timeout=5)
        return time.monotonic() - began

    waited = asyncio.run(scenario())
    assert 0.14 <= waited < 1.0
