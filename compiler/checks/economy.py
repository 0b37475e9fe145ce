"""Economy checks: no shop may buy an item back for more than some shop sells it."""

from __future__ import annotations

from collections.abc import Mapping

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model
from runtime.image.money import format_amount


def check_arbitrage(
    world: model.World,
    stock_spans: Mapping[tuple[str, str], Span],
    buy_spans: Mapping[tuple[str, str], Span],
    diags: Diagnostics,
) -> None:
    cheapest: dict[str, tuple[int, str]] = {}
    for shop in world.shops:
        for s in shop.stock:
            if s.item not in cheapest or s.price < cheapest[s.item][0]:
                cheapest[s.item] = (s.price, shop.id)
    for shop in world.shops:
        for b in shop.buys:
            if b.item in cheapest and b.price > cheapest[b.item][0]:
                price, seller = cheapest[b.item]
                sell_span = stock_spans.get((seller, b.item))
                where = f" ({sell_span.file}:{sell_span.line}:{sell_span.column})" if sell_span else ""
                span = buy_spans.get((shop.id, b.item))
                if span is None:
                    continue
                diags.warning(
                    "MM5002",
                    f"'{shop.id}' buys '{b.item}' for {format_amount(b.price, world.currency)} but"
                    f" '{seller}' sells it for {format_amount(price, world.currency)}{where}: endless profit",
                    span,
                    "make the buy-back price at most the lowest selling price",
                )
