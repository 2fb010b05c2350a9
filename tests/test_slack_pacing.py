"""The Slack pacer's rules, on a clock the tests move by hand."""

from __future__ import annotations

import asyncio

import pytest

from bot.slack.pacing import Pacer, Priority, Rate, SlackLimits, Superseded, Ticket, marked


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


LIMITS = SlackLimits(
    channel=Rate(1.0, 2),
    workspace=Rate(5.0, 4),
    tier3=Rate(1.0, 1),
    tier4=Rate(2.0, 2),
    background=Rate(0.5, 1),
)


def pacer() -> tuple[Pacer, Clock]:
    clock = Clock()
    return Pacer(LIMITS, clock=clock), clock


def queue(pacer: Pacer, method: str, channel: str | None = None, **marking: object) -> Ticket:
    if marking:
        with marked(**marking):  # type: ignore[arg-type]
            return pacer.ticket(method, channel)
    return pacer.ticket(method, channel)


def test_one_channel_gets_its_burst_then_one_message_a_second() -> None:
    pace, clock = pacer()
    tickets = [queue(pace, "chat.postMessage", "C1") for _ in range(5)]
    assert pace.grant() == pytest.approx(1001.0)
    assert [t.granted for t in tickets] == [True, True, False, False, False]
    clock.now = 1001.0
    pace.grant()
    assert [t.granted for t in tickets] == [True, True, True, False, False]
    assert pace.queue_length == 2


def test_a_busy_channel_does_not_hold_back_another_channel() -> None:
    pace, _ = pacer()
    busy = [queue(pace, "chat.postMessage", "C1") for _ in range(3)]
    other = queue(pace, "chat.postMessage", "C2")
    pace.grant()
    assert not busy[2].granted
    assert other.granted


def test_the_workspace_ceiling_spans_channels() -> None:
    pace, clock = pacer()
    tickets = [queue(pace, "chat.postMessage", f"C{n}") for n in range(6)]
    pace.grant()
    assert sum(t.granted for t in tickets) == 4
    clock.now += 0.2
    pace.grant()
    assert sum(t.granted for t in tickets) == 5


def test_what_a_person_waits_for_overtakes_status_edits() -> None:
    pace, clock = pacer()
    first = queue(pace, "chat.update")
    pace.grant()
    assert first.granted
    edit = queue(pace, "chat.update")  # a status edit by default
    urgent = queue(pace, "chat.update", priority=Priority.ANSWER)
    clock.now += 1.0
    pace.grant()
    assert urgent.granted and not edit.granted


def test_a_429_holds_the_method_for_every_caller_for_its_retry_after() -> None:
    pace, clock = pacer()
    pace.hold("views.open", None, 3.0)
    waiting = [queue(pace, "views.open") for _ in range(2)]
    assert pace.grant() == pytest.approx(1003.0)
    assert not any(t.granted for t in waiting)
    clock.now = 1003.0
    pace.grant()
    # One call goes when the hold ends; the next follows at the rate, not in a burst into the limit.
    assert [t.granted for t in waiting] == [True, False]
    clock.now = 1003.5
    pace.grant()
    assert waiting[1].granted


def test_a_429_into_one_channel_holds_that_channel_only() -> None:
    pace, _ = pacer()
    pace.hold("chat.postMessage", "C1", 5.0)
    held, free = queue(pace, "chat.postMessage", "C1"), queue(pace, "chat.postMessage", "C2")
    pace.grant()
    assert free.granted and not held.granted


def test_a_newer_progress_edit_replaces_the_one_still_waiting() -> None:
    pace, clock = pacer()
    queue(pace, "chat.update")
    pace.grant()
    old = queue(pace, "chat.update", priority=Priority.BACKGROUND, supersede="parent-1")
    new = queue(pace, "chat.update", priority=Priority.BACKGROUND, supersede="parent-1")
    other = queue(pace, "chat.update", priority=Priority.BACKGROUND, supersede="parent-2")
    assert old.superseded and pace.queue_length == 2
    clock.now += 1.0
    pace.grant()
    assert new.granted and not other.granted


def test_progress_and_home_refreshes_share_a_background_budget_below_the_tier() -> None:
    pace, clock = pacer()
    progress = [queue(pace, "chat.update", priority=Priority.BACKGROUND, supersede=n) for n in range(2)]
    home = queue(pace, "views.publish", priority=Priority.BACKGROUND)
    final = queue(pace, "chat.update")
    pace.grant()
    # The final state goes first; the Home refresh takes the one background token there was.
    assert final.granted and home.granted and not progress[0].granted
    clock.now += 1.0
    pace.grant()
    # Tier 3 has a token again, but background calls have spent their share: progress waits.
    assert not progress[0].granted
    clock.now += 1.0
    pace.grant()
    assert progress[0].granted and not progress[1].granted


def test_methods_without_a_published_tier_are_not_held_back() -> None:
    pace, _ = pacer()
    tickets = [queue(pace, "auth.test") for _ in range(50)]
    pace.grant()
    assert all(t.granted for t in tickets)


def test_scaling_multiplies_every_rate_and_keeps_bursts() -> None:
    scaled = SlackLimits().scaled(10)
    assert scaled.channel == Rate(10.0, SlackLimits().channel.burst)
    assert scaled.tier3.per_second == pytest.approx(500 / 60)


async def _superseded_turn() -> None:
    pace = Pacer(LIMITS)
    pace.hold("chat.update", None, 60.0)
    with marked(Priority.BACKGROUND, supersede="parent"):
        waiting = asyncio.ensure_future(pace.turn("chat.update"))
    await asyncio.sleep(0.01)
    pace.drop_waiting("parent")
    with pytest.raises(Superseded):
        await asyncio.wait_for(waiting, 1.0)
    assert pace.queue_length == 0


def test_a_superseded_call_returns_at_once_without_being_sent() -> None:
    asyncio.run(_superseded_turn())


async def _turns_in_order() -> list[int]:
    pace = Pacer(SlackLimits(channel=Rate(50.0, 1)))
    order: list[int] = []

    async def post(n: int) -> None:
        await pace.turn("chat.postMessage", "C1")
        order.append(n)

    await asyncio.wait_for(asyncio.gather(*(post(n) for n in range(5))), 2.0)
    return order


def test_waiting_calls_of_one_rank_go_in_the_order_they_came() -> None:
    assert asyncio.run(_turns_in_order()) == [0, 1, 2, 3, 4]
