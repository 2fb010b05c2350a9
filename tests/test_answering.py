"""The rule for work after an ack: it waits while a Slack request waits for its answer, but never for long."""

from __future__ import annotations

import asyncio
import time

from handlers.answering import AnswersFirst


def test_work_waits_for_answers_still_waiting_then_starts_soon_after() -> None:
    async def scenario() -> list[str]:
        answers = AnswersFirst(settle=0.02, max_wait=1.0)
        order: list[str] = []

        async def work() -> None:
            order.append("work")

        with answers.answering():
            await answers.later(work)
            await asyncio.sleep(0.05)
            order.append("answered")
        await asyncio.sleep(0.1)
        return order

    assert asyncio.run(scenario()) == ["answered", "work"]


def test_a_request_that_never_gets_its_answer_holds_work_back_no_longer_than_the_bound() -> None:
    async def scenario() -> float:
        answers = AnswersFirst(settle=0.02, max_wait=0.2)
        started = time.monotonic()
        done = asyncio.Event()

        async def work() -> None:
            done.set()

        with answers.answering():  # a request still open, say a slow client
            await answers.later(work)
            await asyncio.wait_for(done.wait(), timeout=2.0)
            return time.monotonic() - started

    assert 0.15 <= asyncio.run(scenario()) < 1.0


def test_at_a_stop_held_work_starts_at_once() -> None:
    async def scenario() -> bool:
        answers = AnswersFirst(settle=0.02, max_wait=5.0)
        started = asyncio.Event()

        async def work() -> None:
            started.set()

        with answers.answering():
            await answers.later(work)
            await answers.stop_holding()
            return started.is_set()

    assert asyncio.run(scenario())


def test_work_held_during_a_burst_starts_no_task_until_the_burst_is_answered() -> None:
    async def scenario() -> tuple[int, int, int]:
        answers = AnswersFirst(settle=0.02, max_wait=1.0)
        done: list[int] = []

        async def work(n: int) -> None:
            done.append(n)

        tasks_before = len(asyncio.all_tasks())
        with answers.answering():
            for n in range(100):
                await answers.later(work, n)
            tasks_during = len(asyncio.all_tasks()) - tasks_before
        await asyncio.sleep(0.1)
        return tasks_during, len(done), len(set(done))

    assert asyncio.run(scenario()) == (0, 100, 100)
