"""Estimated cost: the output images of finished requests times the unit price of their scene."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from bot.store.db import DONE
from bot.store.export import output_images


@dataclass(frozen=True)
class CostEstimate:
    amount: Decimal
    # Output images of finished requests, priced or not.
    images: int
    # Scenes with finished images but no unit price, so the amount leaves them out.
    unpriced_scenes: frozenset[str]


def estimate_cost(rows: Iterable[Mapping[str, Any]], prices: Mapping[str, Decimal]) -> CostEstimate:
    """What `rows` cost: Tencent bills per output image, and only finished requests have any."""
    amount = Decimal(0)
    images = 0
    unpriced: set[str] = set()
    for row in rows:
        if row.get("status") != DONE:
            continue
        count = output_images(dict(row))
        scene = str(row.get("scene") or "")
        images += count
        price = prices.get(scene)
        if price is None:
            if count:
                unpriced.add(scene)
            continue
        amount += price * count
    return CostEstimate(amount=amount, images=images, unpriced_scenes=frozenset(unpriced))
