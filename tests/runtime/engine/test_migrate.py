"""Moving live state onto a new image (runtime/engine/migrate.py) against real DuckDB files with
players in the world: every case of the plan, the same plan on SIGHUP and at start-up, logged."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.engine.engine import Engine, EngineConfig
from runtime.engine.state import Player
from runtime.image.model import World
from runtime.store.db import Database

WORLDS = Path(__file__).resolve().parents[1] / "worlds" / "deploy"


def version(n: int) -> World:
    diags = Diagnostics()
    world = compile_world(WORLDS / f"v{n}", diags)
    assert world is not None, [d.as_json() for d in diags.items]
    return world


def populate(path: Path) -> None:
    """Four players on version 1: Ana holds the gem in the old room, Bob stands in the square
    (its visit counter at 2, with the builder), Cy holds the key, Dee owns a hut with her lamp inside and stands in
    it; one staff builder dug a room east of the square."""
    eng = Engine(version(1), Database.open(path), "v1", config=EngineConfig(sysops=("Zed",)), now_ms=0)
    now = 0

    def send(who: str, text: str) -> str:
        nonlocal now
        now += 1000
        return "\n".join(o.text for o in eng.handle(who, text, now) if o.to == who)

    for cmd in ("look", "e", "take gem"):
        send("Ana", cmd)
    for cmd in ("look", "n"):
        send("Bob", cmd)
    for cmd in ("look", "take key"):
        send("Cy", cmd)
    for cmd in ("look", "take lamp", "house buy hut", "home", "drop lamp"):
        send("Dee", cmd)
    for cmd in ("look", "/grant builder Zed", "n", "/dig east Booth", "s"):
        send("Zed", cmd)
    assert "gem" in send("Ana", "i") and "lamp" not in send("Dee", "i")
    eng.close()


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with Database.open(path, read_only=True) as db:
        return db.query(sql)


def players(path: Path) -> dict[str, Player]:
    return {str(r[0]): Player.from_row(r) for r in rows(path, "SELECT * FROM players")}


def held(path: Path, key: str) -> list[str]:
    return sorted(str(r[0]) for r in rows(path, "SELECT object_id FROM instances WHERE holder_kind = 'player'"
                                              f" AND holder = '{key}'"))


def test_swap_world_moves_the_state_onto_version_2(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "s.duckdb"
    populate(path)
    before = players(path)
    eng = Engine(version(1), Database.open(path), "v1", now_ms=100_000)
    with caplog.at_level(logging.INFO, logger="meshmush"):
        eng.swap_world(version(2), "v2", 200_000)
    plan = eng.last_plan
    eng.close()
    assert plan is not None
    lines = "\n".join(plan.lines())
    after = players(path)
    # players in vanished rooms go to the start; renamed rooms keep theirs
    assert before["Ana"].room == "dep.old_room" and after["Ana"].room == "dep.hall"
    assert "player: Ana was in dep.old_room, which no longer exists: moved to dep.hall" in lines
    assert after["Bob"].room == "dep.plaza"
    assert ("rename: room dep.square is now dep.plaza; moved over: 1 player, 1 variable, the built exit west of"
            " built.booth, the built exit east") in lines
    assert "rename: object dep.key is now dep.brass_key; moved over: 1 copy" in lines
    assert rows(path, "SELECT owner, value FROM vars WHERE scope = 'room' AND name = 'room.visits'") == [
        ("dep.plaza", "2")]
    # a removed object is refunded at its value through the ledger
    assert held(path, "Ana") == [] and after["Ana"].balance == before["Ana"].balance + 500
    assert ("world:migrate", "Ana", 500) in rows(path, "SELECT payer, payee, amount FROM ledger")
    # a renamed object follows
    assert held(path, "Cy") == ["dep.brass_key"]
    # the hut's template is gone: refunded at the price paid, its owner out, her lamp in her hands
    assert after["Dee"].room == "dep.hall" and held(path, "Dee") == ["dep.lamp"]
    assert after["Dee"].balance == before["Dee"].balance + 1000
    assert rows(path, "SELECT count(*) FROM houses") == [(0,)]
    assert ("house: house house.1 of Dee (dep.homes hut) is refunded $10.00; given to the owner: 1 object inside;"
            " moved to dep.hall: 1 player inside") in lines
    # things left in the vanished room: the takeable coin to the start, the fixed rock gone
    assert rows(path, "SELECT holder FROM instances WHERE object_id = 'dep.coin'") == [("dep.hall",)]
    assert rows(path, "SELECT count(*) FROM instances WHERE object_id IN ('dep.rock', 'dep.gem')") == [(0,)]
    # variables: player.flag is no longer declared; player.count is a bool now (reset)
    assert rows(path, "SELECT count(*) FROM vars WHERE name IN ('player.flag', 'player.count')") == [(0,)]
    assert "variable: player.count is now bool: 5 values reset to the default false" in lines
    # the new room is furnished, once
    assert rows(path, "SELECT holder FROM instances WHERE object_id = 'dep.flower'") == [("dep.garden",)]
    # the builder's room still hangs off the renamed square
    assert rows(path, "SELECT room, direction FROM built_exits WHERE target <> '' ORDER BY room") == [
        ("built.booth", "west"), ("dep.plaza", "east")]
    assert "SIGHUP: state brought onto image v2" in caplog.text and "moved to dep.hall" in caplog.text
    assert rows(path, "SELECT value FROM meta WHERE key = 'image_hash'") == [("v2",)]


def test_a_second_run_has_nothing_to_do(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    populate(path)
    eng = Engine(version(1), Database.open(path), "v1", now_ms=100_000)
    eng.swap_world(version(2), "v2", 200_000)
    eng.swap_world(version(2), "v2b", 300_000)
    assert eng.last_plan is not None and eng.last_plan.empty
    eng.close()


def test_a_server_started_with_the_new_image_applies_the_same_plan(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    populate(a)
    populate(b)
    eng = Engine(version(1), Database.open(a), "v1", now_ms=100_000)
    eng.swap_world(version(2), "v2", 200_000)
    swapped = eng.last_plan
    eng.close()
    with caplog.at_level(logging.INFO, logger="meshmush"):
        eng = Engine(version(2), Database.open(b), "v2", now_ms=200_000)
    started = eng.last_plan
    d = "\n".join(o.text for o in eng.handle("Ana", "look", 200_001))
    eng.close()
    assert swapped is not None and started is not None and started.lines() == swapped.lines()
    assert "start: the database last ran another image" in caplog.text
    assert d.startswith("Hall")


def test_the_new_world_must_be_the_same_world(tmp_path: Path) -> None:
    from runtime.engine.engine import EngineError
    from tests.transcripts.runner import world

    path = tmp_path / "s.duckdb"
    populate(path)
    eng = Engine(version(1), Database.open(path), "v1", now_ms=100_000)
    with pytest.raises(EngineError, match="world 'yard', not 'dep'"):
        eng.swap_world(world("building"), "x", 200_000)
    assert eng.base_world.id == "dep"
    eng.close()


def _variant(tmp_path: Path, edit: str, new: str) -> World:
    src = (WORLDS / "v1" / "world.yaml").read_text(encoding="utf-8")
    assert edit in src
    root = tmp_path / "variant"
    root.mkdir(parents=True)
    (root / "world.yaml").write_text(src.replace(edit, new), encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(root, diags)
    assert world is not None, [d.as_json() for d in diags.items]
    return world


def test_builders_edits_merge_three_ways_with_the_world_files(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = Engine(version(1), Database.open(path), "v1", config=EngineConfig(sysops=("Zed",)), now_ms=0)
    for i, cmd in enumerate(("look", "/grant builder Zed", "/describe A grand hall.", "/dig up Loft",
                             "n", "/describe A square, swept clean."), 1):
        assert "Staff only" not in "".join(o.text for o in eng.handle("Zed", cmd, i * 1000))
    # the files change the hall's description and give the square an exit up: the files win there;
    # the builder's exit up from the hall and the square's description stay (the files did not touch them)
    w2 = _variant(tmp_path, "description: The hall, with the housing desk.",
                  "description: The hall, rebuilt.")
    eng.swap_world(w2, "v1b", 100_000)
    lines = "\n".join(eng.last_plan.lines()) if eng.last_plan else ""
    assert "built description of dep.hall goes: the world files changed it since; the files win" in lines
    hall = eng.world.room("dep.hall")
    square = eng.world.room("dep.square")
    assert hall is not None and hall.description == "The hall, rebuilt."
    assert [e.direction for e in hall.exits] == ["north", "east", "up"]
    assert square is not None and square.description == "A square, swept clean."
    # now the files add their own exit up from the hall: the builder's goes, and the loft is cut off
    w3 = _variant(tmp_path / "b", "exits: {north: dep.square, east: dep.old_room}",
                  "exits: {north: dep.square, east: dep.old_room, up: dep.square}")
    eng.swap_world(w3, "v1c", 200_000)
    lines = "\n".join(eng.last_plan.lines()) if eng.last_plan else ""
    assert "built exit up of dep.hall goes: the world files changed that exit since" in lines
    assert "built room built.loft can no longer be reached from the start" in lines
    eng.close()
