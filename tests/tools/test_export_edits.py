"""``meshmush admin export-edits``: the builders' overlay written as world files that ``check``
accepts and that, built with the world, give exactly the world the server ran."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from meshmush.admin import main as admin_main
from meshmush.cli import main as cli_main
from runtime.engine.built_world import apply_overlay
from runtime.engine.engine import Engine, EngineConfig
from runtime.image.model import World
from runtime.store.db import Database
from runtime.store.migrations import CORE_SPECS
from runtime.store.overlay import read_overlay

WORLD = Path(__file__).resolve().parents[1] / "transcripts" / "worlds" / "building"

HOSTILE = 'Ana\'s "Den": #1 {x} yes 1.00 – café'

COMMANDS = [
    "/grant builder Ana",
    "/dig north Old Attic",
    "n",
    "/describe Dusty beams under a round window.",
    "/dig up Crow's Nest",
    "u",
    "/link east Shed",
    "d",
    f"/dig west {HOSTILE}",
    "s",
    "/unlink east",
    "/describe The yard's old gate: freshly painted!",
    "/create wooden chair",
    f"/create {HOSTILE}",
]


def _compile(root: Path) -> World:
    diags = Diagnostics()
    world = compile_world(root, diags)
    assert world is not None, [d.as_json() for d in diags.items]
    assert not diags.has_errors
    return world


def _build_live(db_path: Path, commands: list[str]) -> World:
    world = _compile(WORLD)
    eng = Engine(world, Database.open(db_path), "built", config=EngineConfig(sysops=("Ana",)), now_ms=0)
    try:
        for i, command in enumerate(commands, 1):
            replies = eng.handle("Ana", command, i)
            assert replies and "Staff only" not in replies[0].text, (command, replies)
        return eng.world.world
    finally:
        eng.close()


def _overlay(db_path: Path) -> object:
    with Database.open(db_path, read_only=True) as db:
        return read_overlay(db.load(CORE_SPECS).rows)


def test_export_builds_the_world_the_server_ran(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.duckdb"
    live = _build_live(db, COMMANDS)
    world_dir = tmp_path / "world"
    shutil.copytree(WORLD, world_dir)
    assert admin_main(["export-edits", "--db", str(db), "-o", str(world_dir / "built")]) == 0
    out = capsys.readouterr().out
    assert "exported 3 built room(s), 1 patched room(s) and 2 built object(s)" in out
    assert sorted(p.name for p in (world_dir / "built").iterdir()) == [
        "built_objects.yaml", "built_rooms.yaml", "patches.yaml"]
    assert cli_main(["check", str(world_dir)]) == 0
    rebuilt = _compile(world_dir)
    assert rebuilt == live  # the same rooms, exits, descriptions and objects — the whole model
    assert rebuilt == apply_overlay(_compile(WORLD), _overlay(db))  # type: ignore[arg-type]
    names = {r.name for r in rebuilt.rooms} | {o.name for o in rebuilt.objects}
    assert HOSTILE in names and "Crow's Nest" in names
    gate = next(r for r in rebuilt.rooms if r.id == "yard.gate")
    assert [e.direction for e in gate.exits] == ["north"]  # /unlink east: the image's exit is gone
    assert gate.description == "The yard's old gate: freshly painted!"


def test_exporting_again_replaces_the_previous_export(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    _build_live(db, ["/grant builder Ana", "/create lamp"])
    out = tmp_path / "world" / "built"
    shutil.copytree(WORLD, tmp_path / "world")
    (out).mkdir()
    (out / "patches.yaml").write_text("kind: patch\nroom: yard.gate\ndescription: stale\n", encoding="utf-8")
    assert admin_main(["export-edits", "--db", str(db), "-o", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["built_objects.yaml"]
    assert cli_main(["check", str(tmp_path / "world")]) == 0


def test_nothing_to_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.duckdb"
    _build_live(db, ["look"])
    assert admin_main(["export-edits", "--db", str(db), "-o", str(tmp_path / "out")]) == 0
    assert "no edits to export" in capsys.readouterr().out
    assert list((tmp_path / "out").iterdir()) == []


def test_bad_targets_are_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "live.duckdb"
    _build_live(db, ["/grant builder Ana", "/create lamp"])
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert admin_main(["export-edits", "--db", str(db), "-o", str(tmp_path / "file")]) == 1
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere")
    assert admin_main(["export-edits", "--db", str(db), "-o", str(tmp_path / "link")]) == 1
    assert admin_main(["export-edits", "--db", str(db)]) == 2
    assert admin_main(["export-edits", "--db", str(tmp_path / "missing.duckdb"), "-o", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "is not a directory" in err and "symbolic link" in err and "-o DIR" in err and "does not exist" in err
    assert "Traceback" not in err


def test_a_server_given_the_exported_world_retires_its_overlay(tmp_path: Path) -> None:
    """The whole loop: build live, export, build the world with the export, SIGHUP: the overlay
    empties (the image has it all) and players see the same world."""
    db = tmp_path / "live.duckdb"
    live = _build_live(db, COMMANDS)
    world_dir = tmp_path / "world"
    shutil.copytree(WORLD, world_dir)
    assert admin_main(["export-edits", "--db", str(db), "-o", str(world_dir / "built")]) == 0
    rebuilt = _compile(world_dir)
    eng = Engine(_compile(WORLD), Database.open(db), "built", config=EngineConfig(sysops=("Ana",)), now_ms=10**6)
    try:
        eng.swap_world(rebuilt, "rebuilt", 10**6 + 1)
        assert eng.last_plan is not None and all(s.kind == "overlay" for s in eng.last_plan.steps)
        assert eng.world.world == rebuilt == live
        txn = eng.tables.begin()
        try:
            assert read_overlay(txn.scan).empty
            assert len(list(txn.scan("clones"))) == 2  # the copies are state: they stay
        finally:
            txn.rollback()
        assert "Created" in "".join(o.text for o in eng.handle("Ana", "/create stool", 10**6 + 2))
    finally:
        eng.close()
