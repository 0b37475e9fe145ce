"""MM5002 names both ends of an arbitrage: the buy-back entry (the diagnostic's own span) and
the cheaper selling entry (file:line:column in the message), also when they live in different
files and shops."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics

WORLD = """\
kind: world
id: fx
title: Fx
format: 1
start: fx.a
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 1.00}
---
kind: room
id: fx.a
name: A
description: A.
---
kind: object
id: fx.cup
name: cup
description: A cup.
takeable: true
"""
SELLERS = """\
kind: shop
id: fx.dear
name: Dear
room: fx.a
stock:
  - {item: fx.cup, price: 1.50}
---
kind: shop
id: fx.cheap
name: Cheap
room: fx.a
stock:
  - {item: fx.cup, price: 1.00}
"""
BUYER = """\
kind: shop
id: fx.buyer
name: Buyer
room: fx.a
buys:
  - {item: fx.cup, price: PRICE}
"""


def _check(tmp_path: Path, price: str) -> list[dict[str, object]]:
    (tmp_path / "world.yaml").write_text(WORLD, encoding="utf-8")
    (tmp_path / "sellers.yaml").write_text(SELLERS, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "buyer.yaml").write_text(BUYER.replace("PRICE", price), encoding="utf-8")
    diags = Diagnostics()
    assert compile_world(tmp_path, diags) is not None
    return [d.as_json() for d in diags.items]


def test_both_locations_are_reported_across_files(tmp_path: Path) -> None:
    found = _check(tmp_path, "1.20")
    assert len(found) == 1
    d = found[0]
    assert (d["code"], d["severity"], d["file"], d["line"], d["column"]) == (
        "MM5002", "warning", "sub/buyer.yaml", 6, 27)
    assert d["message"] == (
        "'fx.buyer' buys 'fx.cup' for ¤1.20 but 'fx.cheap' sells it for ¤1.00 (sellers.yaml:13:27): endless profit"
    )


def test_a_buy_back_at_the_lowest_price_is_no_arbitrage(tmp_path: Path) -> None:
    assert _check(tmp_path, "1.00") == []
