"""AIGC_BOT_UNIT_PRICES: what one output image of each scene costs, for cost estimates in exports, `/aigc usage`
and the admins' App Home."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from bot.tencent.scenes import SCENE_TYPES

# Tencent's own scene names (product_image, ai_try_on, outpainting) are accepted too, as admins read them on bills.
_SCENE_BY_TENCENT_NAME = {tencent: scene for scene, tencent in SCENE_TYPES.items()}


def parse_unit_prices(text: str) -> dict[str, Decimal]:
    """The prices in `text`, keyed by the bot's scene names (product, tryon, outpaint); ValueError naming the
    first part that is not a known scene with a price >= 0."""
    prices: dict[str, Decimal] = {}
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        named, separator, amount = (item.strip() for item in part.partition("="))
        scene = _SCENE_BY_TENCENT_NAME.get(named, named)
        if not separator or scene not in SCENE_TYPES:
            raise ValueError(f"{part!r} is not scene=price for a scene among {', '.join(sorted(SCENE_TYPES))}")
        try:
            price = Decimal(amount)
        except InvalidOperation:
            raise ValueError(f"{amount!r} is not a number (in {part!r})") from None
        if not price.is_finite() or price < 0:
            raise ValueError(f"{amount!r} is not a price of zero or more (in {part!r})")
        if scene in prices:
            raise ValueError(f"{scene} is priced twice")
        prices[scene] = price
    return prices
