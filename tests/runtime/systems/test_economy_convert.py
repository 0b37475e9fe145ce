"""/CONVERT_CURRENCY: a dry run reports and changes nothing; a real run changes the notation
everywhere money is read or printed, keeps every amount (the sum of balances, the ledger,
prices) exactly, survives a restart, and converts back to the image's own currency."""

from __future__ import annotations

from pathlib import Path

from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.economy_helpers import COINS, balances, economy_engine


def _market(tmp_path: Path) -> Driver:
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    for who in ("Ana", "Bob", "Cy"):
        d.send(who, "look")
    d.send("Ana", "pay Bob 1.23")
    d.send("Cy", "use jar")
    d.send("Ana", "promote admin")
    return d


def _snapshot(d: Driver) -> tuple[object, ...]:
    db = d.engine.db
    return (
        balances(d.engine),
        db.query("SELECT * FROM ledger ORDER BY seq"),
        db.query("SELECT * FROM shop_stock ORDER BY shop, item"),
        db.query("SELECT key, value FROM meta WHERE key <> 'image_hash' ORDER BY key"),
    )


def test_only_admins_may_convert(tmp_path: Path) -> None:
    d = _market(tmp_path)
    assert d.text("Bob", "/convert_currency multitier --dry-run") == "Staff only."
    d.send("Bob", "promote moderator")
    assert d.text("Bob", "/convert_currency multitier") == "Staff only."


def test_a_dry_run_reports_per_player_and_changes_nothing(tmp_path: Path) -> None:
    d = _market(tmp_path)
    before = _snapshot(d)
    report = d.text("Ana", "/convert_currency multitier --dry-run").splitlines()
    assert report == [
        "Dry run, nothing changed: decimal $1.00 -> multitier g=100 s=10 c=1.",
        "3 players hold $14.00=14g; start $5.00=5g; 10 prices; ledger 2 rows $2.23=2g2s3c.",
        "Rounding: 0 for every amount (same smallest unit).",
        "Ana $3.77=3g7s7c rounding 0",
        "Bob $6.23=6g2s3c rounding 0",
        "Cy $4.00=4g rounding 0",
        "Type /convert_currency multitier to do it.",
    ]
    assert _snapshot(d) == before
    assert d.text("Bob", "bal") == "You have $6.23."


def test_a_real_run_changes_the_notation_and_keeps_every_amount(tmp_path: Path) -> None:
    d = _market(tmp_path)
    money_before = balances(d.engine)
    ledger_before = d.engine.db.query("SELECT * FROM ledger ORDER BY seq")
    out = d.send("Ana", "/convert_currency multitier")
    told = {o.to: o.text for o in out}
    assert told["Ana"].startswith("Converted: decimal $1.00 -> multitier g=100 s=10 c=1.")
    assert told["Bob"] == "Money is now written multitier g=100 s=10 c=1. You have 6g2s3c."
    assert balances(d.engine) == money_before
    assert sum(balances(d.engine).values()) == sum(money_before.values())
    assert d.engine.db.query("SELECT * FROM ledger ORDER BY seq") == ledger_before
    assert d.engine.db.query("SELECT actor, action, target FROM audit") == [("Ana", "convert_currency", "multitier")]
    # reading and printing both follow: PAY, BAL, shop lists, inventory, trigger messages
    assert d.text("Bob", "pay Ana 1.00") == "'1.00' is not an amount; write it like 1g1s."
    assert d.text("Bob", "pay Ana 1g 2s 3c") == "You pay Ana 1g2s3c. You have 5g."
    d.send("Cy", "w")
    assert d.text("Cy", "list").startswith("Corner Shop sells: red apple 1g (2 left), coil of rope 2g5s.")
    assert d.text("Cy", "buy rope") == "You buy the coil of rope for 2g5s. You have 1g5s."
    d.send("Cy", "e")
    assert d.text("Cy", "use jar") == "Thank you for the tip!"
    assert d.text("Cy", "use jar") == "You can't afford that: it costs 1g and you have 5s."
    assert d.text("Cy", "i") == "You carry: coil of rope.\nMoney: 5s"
    assert d.text("Ana", "/convert_currency multitier") == (
        "The currency is already multitier (multitier g=100 s=10 c=1).")


def test_the_conversion_survives_a_restart_and_converts_back_to_the_image(tmp_path: Path) -> None:
    d = _market(tmp_path)
    d.send("Ana", "/convert_currency multitier")
    d.engine.close()
    d = Driver(economy_engine(tmp_path / "s.duckdb"))
    assert d.text("Bob", "bal").endswith("You have 6g2s3c.")
    d.send("Ana", "look")
    assert d.text("Ana", "/convert_currency decimal").startswith(
        "Converted: multitier g=100 s=10 c=1 -> decimal $1.00.")
    assert d.text("Bob", "bal") == "You have $6.23."
    assert "currency" not in d.engine.db.meta()  # back to the image's own notation: no override


def test_a_multitier_world_converts_to_a_derived_decimal(tmp_path: Path) -> None:
    d = Driver(economy_engine(tmp_path / "s.duckdb", COINS))
    d.send("Ana", "look")
    d.send("Ana", "promote sysop")
    assert d.text("Ana", "/convert_currency decimal --dry-run").splitlines()[:2] == [
        "Dry run, nothing changed: multitier g=100 s=10 c=1 -> decimal ¤1.00.",
        "1 player holds 1g=¤1.00; start 1g=¤1.00; 3 prices; ledger 0 rows 0c=¤0.00.",
    ]
    d.send("Ana", "/convert_currency decimal")
    assert d.text("Ana", "list") == "Stall sells: meat pie ¤0.15.\nBuys: meat pie ¤0.05."
    assert d.text("Ana", "buy pie") == "You buy the meat pie for ¤0.15. You have ¤0.85."
    assert d.text("Ana", "/convert_currency") == "Usage: /convert_currency decimal|multitier [--dry-run]"
    assert d.text("Ana", "/convert_currency euros") == "Usage: /convert_currency decimal|multitier [--dry-run]"
