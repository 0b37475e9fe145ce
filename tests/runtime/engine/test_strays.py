"""Players who never came back are forgotten by the engine's housekeeping; everyone who did
anything, or stayed long enough to be established, is kept — across a restart too."""

from __future__ import annotations

from pathlib import Path

from runtime.engine.engine import Engine, EngineConfig
from runtime.store.db import Database
from tests.runtime.engine.helpers import lab

DAY = 86_400_000
CFG = EngineConfig(seed=1, established_after_ms=60_000, stray_after_ms=7 * DAY)


def _players(path: Path) -> set[str]:
    db = Database.open(path, read_only=True)
    try:
        return {str(r[0]) for r in db.query("SELECT key FROM players")}
    finally:
        db.close()


def test_strays_are_forgotten_and_everyone_else_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = Engine(lab(), Database.open(path), "h", config=CFG, now_ms=0)
    now = 1000
    for key in ("spoof1", "spoof2"):  # one word each, then never again
        eng.handle(key, "say hi", now)
    eng.handle("holder", "look", now)
    eng.handle("holder", "take lamp", now + 1)  # holds an item: kept
    eng.handle("regular", "look", now)
    eng.handle("regular", "look", now + 120_000)  # came back after two minutes: established
    eng.handle("fresh", "look", now + 7 * DAY)  # a newcomer seen recently: kept for now
    eng.close()

    eng = Engine(lab(), Database.open(path), "h", config=CFG, now_ms=now + 7 * DAY)
    eng.sessions.expire(now + 8 * DAY)
    eng.tick(now + 8 * DAY)
    eng.close()
    assert _players(path) == {"holder", "regular", "fresh"}


def test_nothing_is_forgotten_when_switched_off(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    eng = Engine(lab(), Database.open(path), "h", config=EngineConfig(seed=1), now_ms=0)
    eng.handle("spoof", "say hi", 1000)
    eng.tick(1000 + 30 * DAY)
    eng.close()
    assert _players(path) == {"spoof"}
