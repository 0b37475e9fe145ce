"""Dialogue through the engine over real DuckDB files: the position in a conversation
survives a restart; the welcome gift is paid once, with a ledger row, across restarts."""

from __future__ import annotations

from pathlib import Path

from runtime.engine.engine import Engine
from tests.runtime.engine.helpers import Driver, engine
from tests.transcripts.runner import world


def _engine(path: Path) -> Engine:
    return engine(path, w=world("housing"))


def test_the_conversation_position_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = _engine(path)
    d = Driver(eng)
    d.send("Ana", "n")
    d.send("Ana", "talk mayor")
    assert d.text("Ana", "2") == "Mayor Alvarez: Buy a house south of the plaza.\n1) Back."
    assert eng.db.query("SELECT player, npc, node FROM dialogue") == [("Ana", "homes.mayor", "advice")]
    eng.close()

    eng = _engine(path)
    d = Driver(eng)
    # a new session; "1" answers the advice node ("Back."), which leads to the start node
    reply = d.text("Ana", "1")
    assert reply.endswith("Mayor Alvarez: Welcome! New in town?\n1) Yes, I just arrived.\n2) Any advice?\n"
                          "3) Goodbye.")
    assert d.text("Ana", "3") == "You say: Goodbye."
    assert eng.db.query("SELECT count(*) FROM dialogue") == [(0,)]
    eng.close()


def test_the_welcome_gift_is_paid_once_even_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = _engine(path)
    d = Driver(eng)
    d.send("Ana", "n")
    d.send("Ana", "talk mayor")
    assert d.text("Ana", "1").startswith("Mayor Alvarez: Take this map and a little coin.")
    eng.close()

    eng = _engine(path)
    d = Driver(eng)
    d.send("Ana", "look")
    start = d.text("Ana", "talk mayor")
    assert "Yes, I just arrived." not in start
    assert d.text("Ana", "talk mayor 1") == "Mayor Alvarez: Buy a house south of the plaza.\n1) Back."
    assert eng.db.query("SELECT payer, payee, amount FROM ledger") == [("trigger:homes.mayor", "Ana", 1000)]
    assert eng.db.query("SELECT count(*) FROM instances WHERE object_id = 'homes.map'") == [(1,)]
    assert eng.db.query("SELECT balance FROM players") == [(7000,)]
    eng.close()


def test_a_wrong_number_changes_nothing(tmp_path: Path) -> None:
    eng = _engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    d.send("Ana", "n")
    d.send("Ana", "talk mayor")
    assert d.text("Ana", "7") == "Choose 1-3."
    assert eng.db.query("SELECT node FROM dialogue") == [("start",)]
    assert eng.db.query("SELECT ok FROM journal WHERE command = '7'") == [(False,)]
    eng.close()
