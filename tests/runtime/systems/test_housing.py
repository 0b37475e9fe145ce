"""Housing through the engine over real DuckDB files: what a house keeps across restarts,
the money it moves (ledger rows, never a negative balance), what SELL cleans up, numbering."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb

from runtime.engine.engine import Engine
from runtime.image.model import Room
from tests.runtime.engine.helpers import Driver, engine
from tests.transcripts.runner import WORLDS, world

ROOT = Path(__file__).resolve().parents[3]


def _engine(path: Path) -> Engine:
    return engine(path, w=world("housing"))


def _buy(d: Driver, who: str, template: str = "cottage") -> str:
    d.send(who, "look")
    d.send(who, "s")
    return d.text(who, f"house buy {template}")


def test_objects_dropped_in_a_house_stay_there_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = _engine(path)
    d = Driver(eng)
    assert "You bought a Cozy Cottage" in _buy(d, "Ana")
    d.send("Ana", "n")
    d.send("Ana", "e")
    d.send("Ana", "take stone")
    d.send("Ana", "home")
    d.send("Ana", "u")
    assert d.text("Ana", "drop stone") == "You drop the smooth stone."
    d.send("Ana", "d")
    eng.close()

    eng = _engine(path)
    d = Driver(eng)
    assert eng.db.query("SELECT holder_kind, holder FROM instances WHERE object_id = 'homes.stone'") == [
        ("room", "house.1.loft")]
    d.send("Ana", "look")  # a new session: back in the cottage, where she fell asleep
    loft = d.text("Ana", "u")
    assert loft.startswith("Loft\n") and "You see: smooth stone." in loft
    assert d.text("Ana", "take stone") == "You take the smooth stone."
    eng.close()


def test_a_house_and_its_guests_survive_a_restart_of_meshmush_play(tmp_path: Path) -> None:
    db = tmp_path / "state.duckdb"
    exe = Path(sys.executable).parent / "meshmush"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "meshmush.cli"]

    def play(script: str) -> str:
        path = tmp_path / "s.txt"
        path.write_text(script, encoding="utf-8")
        proc = subprocess.run([*cmd, "play", str(WORLDS / "housing"), "--db", str(db), "--script", str(path)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    play("Ana> s\nAna> house buy cottage\nBob> look\nAna> house invite bob\nAna> n\nAna> e\n"
         "Ana> take knocker\nAna> home\nAna> use knocker\nAna> drop knocker\n")
    out = play("Bob> home ana\nBob> use knocker\nAna> house\n")
    assert "You see: brass knocker." in out
    assert "Knock (2) in Ana's cottage." in out  # the room variable kept its value
    assert "Ana's cottage: locked. Guests: Bob." in out


def test_buying_charges_the_price_with_a_ledger_row_up_to_the_limit(tmp_path: Path) -> None:
    eng = _engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    _buy(d, "Ana")
    assert eng.db.query("SELECT payer, payee, amount FROM ledger") == [("Ana", "housing:homes.estate", 3000)]
    assert d.text("Ana", "house buy flat").startswith("You bought a Garden Flat")
    assert d.text("Ana", "house buy flat") == "You may own 2 houses here and have 2. HOUSE SELL first."
    assert eng.db.query("SELECT payee, amount FROM ledger ORDER BY seq") == [
        ("housing:homes.estate", 3000), ("housing:homes.estate", 2000)]
    assert eng.db.query("SELECT balance FROM players") == [(1000,)]
    eng.close()


def test_too_little_money_changes_nothing(tmp_path: Path) -> None:
    poor = replace(world("housing"), currency=replace(world("housing").currency, starting_balance=2500))
    eng = engine(tmp_path / "s.duckdb", w=poor)
    d = Driver(eng)
    d.send("Ana", "s")
    assert d.text("Ana", "house buy cottage") == "You can't afford that: it costs $30.00 and you have $25.00."
    assert eng.db.query("SELECT count(*) FROM houses") == [(0,)]
    assert eng.db.query("SELECT count(*) FROM ledger") == [(0,)]
    assert eng.db.query("SELECT balance FROM players") == [(2500,)]
    eng.close()


def test_selling_refunds_the_declared_share_and_cleans_up(tmp_path: Path) -> None:
    eng = _engine(tmp_path / "s.duckdb")
    d = Driver(eng)
    _buy(d, "Ana")
    d.send("Bob", "look")
    d.send("Ana", "house invite bob")
    d.send("Ana", "n")
    d.send("Ana", "e")
    d.send("Ana", "take knocker")
    d.send("Ana", "home")
    d.send("Ana", "use knocker")
    d.send("Ana", "drop knocker")
    d.send("Bob", "home ana")
    d.send("Ana", "out")
    sold = d.text("Ana", "house sell")
    assert sold.startswith("You sold Ana's cottage for $12.00 (40% of $30.00).")
    assert "You take along: brass knocker." in sold
    ledger = eng.db.query("SELECT payer, payee, amount FROM ledger ORDER BY seq")
    assert ledger[-1] == ("housing:homes.estate", "Ana", 1200)
    assert eng.db.query("SELECT count(*) FROM houses") == [(0,)]
    assert eng.db.query("SELECT count(*) FROM house_guests") == [(0,)]
    assert eng.db.query("SELECT count(*) FROM vars WHERE owner LIKE 'house.%'") == [(0,)]
    assert eng.db.query("SELECT room FROM players WHERE key = 'Bob'") == [("homes.lane",)]
    assert eng.db.query("SELECT holder FROM instances WHERE object_id = 'homes.knocker'") == [("Ana",)]
    # a new house gets a new number: nothing of the old one can leak into it
    d.send("Ana", "w")
    d.send("Ana", "s")
    d.send("Ana", "house buy flat")
    assert eng.db.query("SELECT house FROM houses") == [("house.2",)]
    eng.close()


def test_a_player_in_a_house_the_world_no_longer_has_wakes_up_at_the_start(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = _engine(path)
    d = Driver(eng)
    _buy(d, "Ana")
    d.send("Ana", "home")
    eng.close()
    rebuilt = replace(world("housing"), housing=())
    eng = engine(path, w=rebuilt)
    d = Driver(eng)
    assert d.text("Ana", "look").startswith("Plaza\n")
    assert d.text("Ana", "home") == "That house cannot be found in this world any more."
    eng.close()


def test_staff_may_enter_a_locked_house(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = _engine(path)
    d = Driver(eng)
    _buy(d, "Ana")
    d.send("Mo", "look")
    assert d.text("Mo", "home ana") == "Ana's cottage is locked; only Ana's guests may enter."
    eng.close()
    with duckdb.connect(str(path)) as conn:  # promote Mo (staff commands are another system's)
        conn.execute("UPDATE players SET level = 'moderator' WHERE key = 'Mo'")
    eng = _engine(path)
    d = Driver(eng)
    d.send("Mo", "look")
    assert d.text("Mo", "home ana").startswith("Ana's cottage\n")
    eng.close()


def test_a_house_number_never_shadows_a_world_room(tmp_path: Path) -> None:
    w = world("housing")
    squatter = Room("house.1.main", "Squat", "A world room with a house-like id.", (), (), (), ())
    eng = engine(tmp_path / "s.duckdb", w=replace(w, rooms=(*w.rooms, squatter)))
    d = Driver(eng)
    _buy(d, "Ana")
    assert eng.db.query("SELECT house FROM houses") == [("house.2",)]
    assert d.text("Ana", "home").startswith("Ana's cottage\n")
    eng.close()
