"""Issue 11, item 1: one player's command never costs another player theirs.

A batch of commands is persisted in one write; when that write fails, the batch is run again
in halves on the state reloaded from the file, down to the command that fails, so only that
player hears "could not save".  And trigger arithmetic, ``pay``/``charge`` and balances respect
the money ceiling, so a world cannot make a write fail with a number in the first place."""

from __future__ import annotations

import types
from dataclasses import replace
from pathlib import Path

from runtime.engine.context import Context
from runtime.engine.engine import SAVE_FAILED, TRIGGER_FAILED, Engine, EngineConfig, default_modules
from runtime.engine.io import Incoming, Outgoing
from runtime.engine.registry import Verb
from runtime.image.money import MAX_AMOUNT
from runtime.store.db import Database
from tests.runtime.engine.helpers import engine
from tests.runtime.hostile import world

PLAYERS = ("Ana", "Bob", "Cai", "Dan")


def do_overflow(ctx: Context) -> None:
    """Writes a balance DuckDB cannot store (a bug in a system): its write must fail."""
    ctx.state.save_player(replace(ctx.player, balance=2**70))
    ctx.reply("Overflowed.")


OVERFLOW = types.ModuleType("tests_overflow")
OVERFLOW.VERBS = (Verb("overflow", do_overflow),)  # type: ignore[attr-defined]


def _by_player(replies: list[Outgoing]) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in replies:
        out[o.to] = out[o.to] + "\n" + o.text if o.to in out else o.text
    return out


def _login_all(eng: Engine) -> None:
    for i, name in enumerate(PLAYERS):
        eng.handle(name, "look", 1000 + i)


def _balances(path: Path) -> dict[str, int]:
    db = Database.open(path)
    try:
        return {str(n): int(b) for n, b in db.query("SELECT name, balance FROM players")}
    finally:
        db.close()


def test_a_failing_write_costs_only_its_own_command(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = engine(path, modules=(*default_modules(), OVERFLOW))
    _login_all(eng)
    batch = [
        Incoming("Ana", "overflow", 5000),
        Incoming("Bob", "pay Ana 1.00", 5001),
        Incoming("Cai", "say hello", 5002),
        Incoming("Dan", "pay Cai 2.00", 5003),
    ]
    got = _by_player(list(eng.handle_batch(batch)))
    assert got["Ana"].startswith(SAVE_FAILED), got
    assert "You pay Ana $1.00." in got["Bob"], got
    assert "You say: hello" in got["Cai"], got
    assert "Dan pays you $2.00." in got["Cai"], got
    assert "You pay Cai $2.00." in got["Dan"], got
    eng.close()
    # Bob's payment was re-run without Ana's failed command: no money from nowhere.
    assert _balances(path) == {"Ana": 600, "Bob": 400, "Cai": 700, "Dan": 300}


def test_a_trigger_pay_past_the_ceiling_fails_alone(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = engine(path, w=world("tap"))
    _login_all(eng)
    batch = [Incoming(name, "use tap" if name == "Ana" else "pay Ana 1.00", 5000 + i)
             for i, name in enumerate(PLAYERS)]
    got = _by_player(list(eng.handle_batch(batch)))
    assert got["Ana"].startswith(TRIGGER_FAILED), got
    for name in PLAYERS[1:]:
        assert got[name].startswith("You pay Ana $1.00."), got
    eng.close()
    assert _balances(path) == {"Ana": 800, "Bob": 400, "Cai": 400, "Dan": 400}


def test_balances_stop_at_the_money_ceiling(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = engine(path, w=world("tap"))
    first = "\n".join(o.text for o in eng.handle("Ana", "use well", 1000))
    assert "The well grants a wish." in first
    again = [o.text for o in eng.handle("Ana", "use well", 2000)]
    assert again == ["That would put Ana's money over the limit; nothing changed."]
    eng.handle("Bob", "use well", 3000)
    to_ana = [o.text for o in eng.handle("Bob", "pay Ana 9000000000000.00", 4000) if o.to == "Bob"]
    assert to_ana == ["That would put Ana's money over the limit; nothing changed."]
    eng.close()
    balances = _balances(path)
    assert balances == {"Ana": 900_000_000_000_000 + 500, "Bob": 900_000_000_000_000 + 500}
    assert max(balances.values()) <= MAX_AMOUNT


def test_non_ascii_digits_are_not_money(tmp_path: Path) -> None:
    eng = Engine(world("tap"), Database.open(tmp_path / "w.duckdb"), "h", config=EngineConfig(seed=1), now_ms=0)
    eng.handle("Bob", "look", 1000)
    eng.handle("Ana", "look", 2000)
    for amount in ("١.٠٠", "１.００", "1.0٠", "²"):
        reply = [o.text for o in eng.handle("Ana", f"pay Bob {amount}", 3000) if o.to == "Ana"]
        assert len(reply) == 1 and "is not an amount" in reply[0], (amount, reply)
    eng.close()
    assert _balances(tmp_path / "w.duckdb") == {"Ana": 500, "Bob": 500}
