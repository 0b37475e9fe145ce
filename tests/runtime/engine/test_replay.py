"""Issue 11, item 2: a (node, packet id) the engine has run is recorded with the command, in the
same write, so a replay is ignored even after a restart; the window is bounded in age and rows."""

from __future__ import annotations

from pathlib import Path

from runtime.engine.engine import Engine
from runtime.engine.io import Incoming
from runtime.engine.replay import ReplayWindow
from tests.runtime.engine.helpers import engine
from tests.runtime.hostile import world

ANA, BOB = "!11111111", "!22222222"


def _open(path: Path) -> Engine:
    return engine(path, w=world("tap"))


def _balances(eng: Engine) -> dict[str, int]:
    return {str(k): int(b) for k, b in eng.db.query("SELECT key, balance FROM players")}


def _pay(eng: Engine, packet_id: int, now: int) -> list[str]:
    return [o.text for o in eng.handle_batch([Incoming(ANA, "pay Bob 1.00", now, "Ana", packet_id)]) if o.to == ANA]


def test_a_replay_after_a_restart_does_not_pay_twice(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = _open(path)
    eng.handle_batch([Incoming(BOB, "look", 1000, "Bob", 1), Incoming(ANA, "look", 1001, "Ana", 2)])
    first = _pay(eng, 0x5150, 2000)
    assert any(t.startswith("You pay Bob $1.00.") for t in first), first
    assert _pay(eng, 0x5150, 3000) == []  # the same packet again, same process: ignored
    eng.close()
    eng = _open(path)
    assert _pay(eng, 0x5150, 4000) == []  # after a restart: still ignored, no reply
    assert _balances(eng) == {ANA: 400, BOB: 600}
    assert any("You pay Bob $1.00." in t for t in _pay(eng, 0x5151, 5000))  # a new packet pays
    assert _balances(eng) == {ANA: 300, BOB: 700}
    journal = eng.db.query("SELECT count(*) FROM journal WHERE command = 'pay Bob 1.00'")
    assert journal == [(2,)]
    eng.close()


def test_a_refused_command_is_recorded_too_and_packet_zero_never(tmp_path: Path) -> None:
    eng = _open(tmp_path / "w.duckdb")
    eng.handle_batch([Incoming(ANA, "look", 1000, "Ana", 7)])
    refused = [o.text for o in eng.handle_batch([Incoming(ANA, "pay Bob 1.00", 2000, "Ana", 8)])]
    assert refused == ["No player is called 'Bob'."]
    eng.handle_batch([Incoming(BOB, "look", 3000, "Bob", 9)])
    assert [o.text for o in eng.handle_batch([Incoming(ANA, "pay Bob 1.00", 4000, "Ana", 8)])] == []
    for now in (5000, 6000):  # no packet id (play, the console): every command runs
        assert eng.handle_batch([Incoming(ANA, "bal", now, "Ana", 0)])
    assert eng.db.query("SELECT count(*) FROM inbound_packets") == [(3,)]
    eng.close()


def test_duplicates_inside_one_batch_run_once(tmp_path: Path) -> None:
    eng = _open(tmp_path / "w.duckdb")
    eng.handle_batch([Incoming(BOB, "look", 1000, "Bob", 1), Incoming(ANA, "look", 1001, "Ana", 2)])
    out = eng.handle_batch([Incoming(ANA, "pay Bob 1.00", 2000, "Ana", 77)] * 3)
    assert sum(1 for o in out if o.to == ANA and o.text.startswith("You pay Bob")) == 1
    assert _balances(eng) == {ANA: 400, BOB: 600}
    eng.close()


def test_the_window_is_pruned_by_age_and_by_rows(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = _open(path)
    eng.replays = ReplayWindow(window_ms=60_000, max_rows=3)
    for i in range(5):
        eng.handle_batch([Incoming(ANA, "look", 1000 + i, "Ana", 100 + i)])
    eng.tick(2000)  # five rows, three allowed: the two oldest go
    assert sorted(r[0] for r in eng.db.query("SELECT packet_id FROM inbound_packets")) == [102, 103, 104]
    eng.tick(2000 + 120_000)  # two minutes on: all older than the window
    assert eng.db.query("SELECT count(*) FROM inbound_packets") == [(0,)]
    eng.close()
    eng = _open(path)
    assert eng.handle_batch([Incoming(ANA, "look", 500_000, "Ana", 100)])  # forgotten: runs again
    eng.close()
