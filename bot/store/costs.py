"""Estimated cost: the output images of finished requests times the unit price of their scene."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from bot.store.db import Status
from bot.store.home_queries import UsageGroup


@dataclass(frozen=True)
class CostEstimate:
    amount: Decimal
    # Output images of finished requests, priced or not.
    images: int
    # Scenes with finished images but no unit price, so the amount leaves them out.
    unpriced_scenes: frozenset[str]


def estimate_cost(groups: Iterable[UsageGroup], prices: Mapping[str, Decimal]) -> CostEstimate:
    """What the requests of `groups` cost: Tencent bills per output image, and only finished requests have any."""
    amount = Decimal(0)
    images = 0
    unpriced: set[str] = set()
    for group in groups:
        if group.status != Status.DONE:
            continue
        count = group.images
        scene = str(group.scene or "")
        images += count
        price = prices.get(scene)
        if price is None:
            if count:
                unpriced.add(scene)
            continue
        amount += price * count
    return CostEstimate(amount=amount, images=images, unpriced_scenes=frozenset(unpriced))
