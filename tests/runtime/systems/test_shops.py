"""Shops through the engine over real DuckDB files: the last unit in one batch goes to exactly
one buyer, a refused purchase changes nothing, restock by ticks and across restarts, selling
back, and every purchase and sale is one ledger row naming the shop."""

from __future__ import annotations

from pathlib import Path

from runtime.engine.io import Incoming
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.economy_helpers import balances, economy_engine

MINUTE = 60_000


def _in_shop(d: Driver, *who: str) -> None:
    for name in who:
        d.send(name, "w")


def _stock(d: Driver) -> list[tuple[object, ...]]:
    return d.engine.db.query("SELECT shop, item, quantity FROM shop_stock ORDER BY shop, item")


def test_two_buyers_of_the_last_unit_in_one_batch_exactly_one_gets_it(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    _in_shop(d, "Ana", "Bob")
    d.now += 1000
    out = d.engine.handle_batch([Incoming("Ana", "buy gum", d.now), Incoming("Bob", "buy gum", d.now)])
    replies = {o.to: o.text for o in out if o.text.startswith(("You buy", "The gumball"))}
    assert replies == {"Ana": "You buy the gumball for $0.10. You have $4.90.",
                       "Bob": "The gumball is sold out. More in 1m."}
    assert d.engine.db.query("SELECT holder FROM instances WHERE object_id = 'market.gum'") == [("Ana",)]
    assert d.engine.db.query("SELECT payer, payee, amount, reason FROM ledger") == [
        ("Ana", "shop:market.gumballs", 10, "buy market.gum")]
    assert _stock(d) == [("market.gumballs", "market.gum", 0)]
    assert balances(d.engine) == {"Ana": 490, "Bob": 500}


def test_a_purchase_someone_cannot_afford_changes_nothing(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    _in_shop(d, "Ana")
    d.send("Ana", "buy apple")
    d.send("Ana", "buy rope")
    assert d.text("Ana", "buy rope") == "You can't afford the coil of rope: it costs $2.50 and you have $1.50."
    assert _stock(d) == [("market.store", "market.apple", 1)]
    assert d.engine.db.query("SELECT count(*) FROM instances WHERE object_id = 'market.rope'") == [(1,)]
    assert d.engine.db.query("SELECT count(*) FROM ledger") == [(2,)]


def test_stock_restocks_on_ticks_and_is_kept_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = Driver(economy_engine(path))
    _in_shop(d, "Ana")
    d.send("Ana", "buy apple")
    d.send("Ana", "buy apple")
    assert _stock(d) == [("market.store", "market.apple", 0)]
    d.engine.close()

    d = Driver(economy_engine(path))
    d.now = 3000
    _in_shop(d, "Ana")
    assert d.text("Ana", "buy apple") == "The red apple is sold out. More in 10m."
    out = d.engine.tick(2000 + 10 * MINUTE)
    assert [(o.to, o.text) for o in out] == [("Ana", "Corner Shop: red apple back in stock.")]
    assert _stock(d) == [("market.store", "market.apple", 1)]
    d.engine.tick(2000 + 20 * MINUTE)
    assert _stock(d) == []  # full again: no row
    d.now = 2000 + 20 * MINUTE
    assert "red apple $1.00 (2 left)" in d.text("Ana", "list")


def test_selling_pays_from_the_shop_and_puts_a_limited_item_back(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "take gem")
    _in_shop(d, "Ana")
    d.send("Ana", "buy apple")
    assert d.text("Ana", "sell apple") == "You sell the red apple for $0.50. You have $4.50."
    assert _stock(d) == []
    assert d.text("Ana", "sell gem") == "You sell the green gem for $3.00. You have $7.50."
    assert d.engine.db.query("SELECT count(*) FROM instances WHERE object_id IN ('market.gem', 'market.apple')") == [
        (0,)]
    assert d.engine.db.query("SELECT payer, payee, amount, reason FROM ledger ORDER BY seq") == [
        ("Ana", "shop:market.store", 100, "buy market.apple"),
        ("shop:market.store", "Ana", 50, "sell market.apple"),
        ("shop:market.store", "Ana", 300, "sell market.gem"),
    ]


def test_vending_objects_sell_where_they_stand(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "e")
    assert d.text("Ana", "use machine") == "Gumball Machine sells: gumball $0.10 (1 left).\nBUY ITEM to buy."
    assert d.text("Ana", "buy apple") == "Nobody here sells 'apple'. Type LIST."
    assert d.text("Ana", "buy gum") == "You buy the gumball for $0.10. You have $4.90."
    d.send("Ana", "w")
    assert d.text("Ana", "list") == "There is no shop here."


def test_sold_out_says_when_the_next_unit_comes(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    _in_shop(d, "Ana")
    d.send("Ana", "buy apple")
    d.send("Ana", "buy apple")
    d.now += 5 * MINUTE + 30_000
    assert d.text("Ana", "buy apple") == "The red apple is sold out. More in 5m."
    d.now += 3 * MINUTE + 58_000  # the first apple left at 2s: the next comes at 10m2s
    assert d.text("Ana", "buy apple") == "The red apple is sold out. More in 29s."
