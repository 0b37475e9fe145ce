"""``kind: shop`` — what a shop sells (prices, stock, restock) and buys back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import assemble
from compiler.checks.economy import check_arbitrage
from compiler.diagnostics import Span
from compiler.kinds import CheckInput, CompilerKind
from compiler.kinds.schema_parts import DURATION, ID, MONEY, TEXT, described
from runtime.image import model
from runtime.image.kinds import BY_NAME
from runtime.image.money import format_amount

IMAGE = BY_NAME["shop"]


def properties() -> dict[str, Any]:
    return {
        "id": ID,
        "name": TEXT,
        "room": described(ID, "Where LIST/BUY/SELL work (omit for vending-only shops)"),
        "stock": {
            "type": "array",
            "description": "What the shop sells",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["item", "price"],
                "properties": {
                    "item": ID,
                    "price": MONEY,
                    "quantity": described({"type": "integer", "minimum": 0}, "Omit for unlimited"),
                    "restock": described(DURATION, "One unit comes back this often"),
                },
            },
        },
        "buys": {
            "type": "array",
            "description": "What the shop buys back",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["item", "price"],
                "properties": {"item": ID, "price": MONEY},
            },
        },
    }


def no_arbitrage(c: CheckInput) -> None:
    stock_spans: dict[tuple[str, str], Span] = {}
    buy_spans: dict[tuple[str, str], Span] = {}
    for d in c.docs.get("shop", []):
        for key, table in (("stock", stock_spans), ("buys", buy_spans)):
            for i, entry in enumerate(d.data.get(key) or []):
                if isinstance(entry, dict) and isinstance(entry.get("item"), str):
                    table[(d.data["id"], entry["item"])] = d.marks.span((key, i, "price"))
    check_arbitrage(c.world, stock_spans, buy_spans, c.diags)


def inspect(world: model.World) -> Iterator[str]:
    money = world.currency
    for s in world.shops:
        yield f'shop {s.id} "{s.name}" in {s.room or "(vending)"}'
        for st in s.stock:
            qty = "unlimited" if st.quantity is None else str(st.quantity)
            yield f"  sells {st.item} {format_amount(st.price, money)} x{qty}"
        for bu in s.buys:
            yield f"  buys {bu.item} {format_amount(bu.price, money)}"


KIND = CompilerKind(
    IMAGE,
    title="meshmush shop",
    required=("id", "name"),
    properties=properties,
    inspect=inspect,
    build=assemble.build_shop,
    checks=(no_arbitrage,),
)
