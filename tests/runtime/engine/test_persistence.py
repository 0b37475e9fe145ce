"""The engine over a real DuckDB file: seeding, durability, journal, one write per batch,
write failures, restart, another world's database."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.engine.engine import SAVE_FAILED, EngineError
from runtime.engine.io import Incoming
from runtime.store.db import Database, StoreError
from tests.runtime.engine.helpers import Driver, engine, lab


def _holder(db: Database, object_id: str) -> list[tuple[str, str]]:
    return [(str(k), str(h)) for k, h in db.query(
        "SELECT holder_kind, holder FROM instances WHERE object_id = ? ORDER BY iid", [object_id])]


def test_a_fresh_database_gets_one_instance_per_room_object(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = engine(path)
    assert _holder(eng.db, "lab.lamp") == [("room", "lab.hub")]
    meta = eng.db.meta()
    assert meta["world_id"] == "lab" and meta["image_hash"] == "test-hash"
    eng.close()
    eng = engine(path)  # a restart does not seed again
    assert _holder(eng.db, "lab.lamp") == [("room", "lab.hub")]
    eng.close()


def test_another_worlds_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    engine(path).close()
    from dataclasses import replace

    other = replace(lab(), id="elsewhere")
    with pytest.raises(EngineError, match="holds world 'lab', not 'elsewhere'"):
        engine(path, w=other)


def test_commands_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = engine(path)
    d = Driver(eng)
    assert "You take the brass lamp." in d.text("Ana", "take lamp")
    d.send("Ana", "n")
    eng.close()
    eng = engine(path)
    d = Driver(eng)
    reply = d.text("Ana", "i")
    assert "You carry: brass lamp." in reply and "North Room" in reply
    assert _holder(eng.db, "lab.lamp") == [("player", "Ana")]
    eng.close()


def test_every_command_is_journalled_with_its_outcome(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Ana", "take unicorn")
    d.send("Ana", "xyzzy plugh")
    rows = eng.db.query("SELECT player, command, ok FROM journal WHERE player = 'Ana' ORDER BY seq")
    assert rows == [("Ana", "look", True), ("Ana", "take unicorn", False), ("Ana", "xyzzy plugh", False)]
    eng.close()


def test_a_batch_is_one_write_and_replies_come_after_it(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    calls: list[int] = []
    real = eng.db.write

    def counting(batch, specs=None):  # type: ignore[no-untyped-def]
        calls.append(len(batch))
        real(batch, specs)

    eng.db.write = counting  # type: ignore[method-assign]
    out = eng.handle_batch([Incoming(p, "look", 1000 + i) for i, p in enumerate(["Ana", "Bob", "Cy", "Di"])])
    assert calls == [4]
    assert {o.to for o in out} >= {"Ana", "Bob", "Cy", "Di"}
    assert eng.db.query("SELECT count(*) FROM players")[0][0] == 4
    eng.close()


def test_a_failed_write_reloads_state_and_tells_the_players(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "look")

    def failing(batch, specs=None):  # type: ignore[no-untyped-def]
        raise StoreError("disk full while writing s.duckdb; free some space and restart")

    real = eng.db.write
    eng.db.write = failing  # type: ignore[method-assign]
    out = eng.handle_batch([Incoming("Ana", "take lamp", 5000), Incoming("Bob", "look", 5001)])
    assert sorted((o.to, o.text) for o in out) == [("Ana", SAVE_FAILED), ("Bob", SAVE_FAILED)]
    eng.db.write = real  # type: ignore[method-assign]
    # the lamp is still in the hub: memory was reloaded from the database
    reply = d.text("Ana", "look")
    assert "You see: brass lamp" in reply
    assert "You take the brass lamp." in d.text("Ana", "take lamp")
    bob = d.text("Bob", "look")
    assert "Welcome to Test Lab!" in bob  # Bob's player row was never saved: he is new again
    eng.close()


def test_a_second_process_is_refused_by_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = engine(path)
    with pytest.raises(StoreError, match="in use"):
        Database.open(path)
    eng.close()


def test_declared_defaults_are_not_stored_until_written(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "look")
    names = {r[0] for r in eng.db.query("SELECT name FROM vars")}
    assert "world.gate_open" not in names and "player.seen_hub" in names
    d.send("Ana", "use lever")
    assert eng.db.query("SELECT value FROM vars WHERE name = 'world.gate_open'") == [("true",)]
    eng.close()


def test_pay_and_charge_write_the_ledger(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "in")
    d.send("Ana", "take purse")
    d.send("Ana", "use purse")
    d.send("Ana", "out")
    d.send("Ana", "out")
    d.send("Ana", "use box")
    assert "costs $10.00 and you have $6.00" in d.text("Ana", "take coin")
    rows = eng.db.query("SELECT payer, payee, amount FROM ledger ORDER BY seq")
    assert rows == [("trigger:lab.purse", "Ana", 200), ("Ana", "trigger:lab.box", 100)]
    assert eng.db.query("SELECT balance FROM players WHERE key = 'Ana'") == [(600,)]
    assert _holder(eng.db, "lab.coin") == [("room", "lab.out")]
    eng.close()


def test_analytics_events_are_flushed_by_tick(tmp_path: Path) -> None:
    eng = engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "n")
    d.send("Ana", "s")
    eng.tick(d.now + 1)
    kinds = dict(eng.db.query("SELECT kind, count(*) FROM events GROUP BY kind"))
    assert kinds["command"] == 2 and kinds["login"] == 1 and kinds["move"] == 2
    eng.close()


def test_a_tick_that_changes_state_is_journalled_and_durable(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = engine(path)
    d = Driver(eng)
    d.send("Ana", "up")
    out = eng.tick(20 * 60 * 1000)  # the world's 20-minute bell and the attic clock's 10-minute tick
    assert [(o.to, o.text) for o in out] == [("Ana", "The clock ticks.\nA distant bell chimes (1).")]
    assert eng.db.query("SELECT count(*) FROM journal WHERE command = '@tick'") == [(1,)]
    assert eng.tick(20 * 60 * 1000 + 1) == []  # no mark passed
    eng.close()
    eng = engine(path)
    assert eng.db.query("SELECT value FROM vars WHERE name = 'world.chimes'") == [("1",)]
    eng.close()
