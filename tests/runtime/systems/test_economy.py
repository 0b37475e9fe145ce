"""BALANCE, PAY, GIVE and /LEDGER through the engine over real DuckDB files: one ledger row per
transfer, written with the balances, nothing written by a refusal, state kept across restarts."""

from __future__ import annotations

from pathlib import Path

from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.economy_helpers import balances, economy_engine


def test_pay_moves_money_and_writes_one_ledger_row(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "look")
    d.send("Bob", "look")
    assert d.text("Ana", "pay Bob 1.25") == "You pay Bob $1.25. You have $3.75."
    assert balances(d.engine) == {"Ana": 375, "Bob": 625}
    assert d.engine.db.query("SELECT payer, payee, amount, reason FROM ledger") == [("Ana", "Bob", 125, "pay")]


def test_a_refused_payment_writes_nothing(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "look")
    d.send("Bob", "look")
    assert d.text("Ana", "pay Bob 5.01") == "You can't afford that: you have $5.00."
    assert d.text("Ana", "pay Bob 1,00").startswith("'1,00' is not an amount")
    assert balances(d.engine) == {"Ana": 500, "Bob": 500}
    assert d.engine.db.query("SELECT count(*) FROM ledger") == [(0,)]
    assert d.text("Ana", "pay Bob 5.00") == "You pay Bob $5.00. You have $0.00."
    assert d.text("Ana", "pay Bob 0.01") == "You can't afford that: you have $0.00."


def test_pay_reaches_a_player_who_is_asleep_and_the_money_stays(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = Driver(economy_engine(path))
    d.send("Bob", "look")
    d.send("Bob", "quit")
    d.send("Ana", "look")
    out = d.send("Ana", "pay bob 2.00")
    assert [o.to for o in out] == ["Ana"]  # Bob is not online: nobody is messaged but Ana
    assert "Bob is asleep" in out[0].text
    d.engine.close()
    d = Driver(economy_engine(path))
    assert d.text("Bob", "bal").endswith("You have $7.00.")


def test_give_hands_the_instance_to_a_player_here_only(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "look")
    d.send("Bob", "look")
    d.send("Ana", "take gem")
    assert d.text("Ana", "give gem to Bob") == "You give the green gem to Bob."
    assert d.engine.db.query("SELECT holder FROM instances WHERE object_id = 'market.gem'") == [("Bob",)]
    d.send("Bob", "e")
    assert d.text("Bob", "give gem to Ana") == "You see no 'Ana' here to give it to."
    assert d.engine.db.query("SELECT holder FROM instances WHERE object_id = 'market.gem'") == [("Bob",)]


def test_ledger_is_for_staff_and_shows_the_newest_rows(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    d.send("Ana", "look")
    d.send("Bob", "look")
    assert d.text("Ana", "/ledger") == "Staff only."
    d.send("Ana", "promote moderator")
    assert d.text("Ana", "/ledger") == "Staff only."  # the staff table: /ledger is for admins
    d.send("Ana", "promote admin")
    assert d.text("Ana", "/ledger") == "The ledger is empty."
    for cents in range(1, 11):
        d.send("Bob", f"pay Ana 0.{cents:02d}")
    d.send("Ana", "use jar")
    shown = d.text("Ana", "/ledger Ana").splitlines()
    assert shown[0] == "Ledger, last 8 of 11 for Ana:"
    assert shown[-1] == "#11 Ana>trigger:market.jar $1.00 object market.jar"
    assert shown[1] == "#4 Bob>Ana $0.04 pay"
    assert d.text("Ana", "/ledger Zed") == "No player is called 'Zed'."
