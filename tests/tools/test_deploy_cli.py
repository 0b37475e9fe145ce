"""The deploy commands as a user runs them: ``meshmush diff``, ``meshmush migrate`` (dry run,
backup, one transaction, a running server's lock), and their help and exit codes."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from meshmush.cli import build_parser, main
from runtime.engine.engine import Engine
from runtime.store.backup import BackupStore, default_folder
from runtime.store.db import Database
from runtime.store.migrations import CORE_SPECS
from tests.runtime.engine.test_migrate import WORLDS, players, populate, rows, version
from tests.tools.test_cli import run

V1, V2 = str(WORLDS / "v1"), str(WORLDS / "v2")


def _dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with Database.open(path, read_only=True) as db:
        return {s.name: sorted(map(tuple, db.query(f"SELECT * FROM {s.name}")), key=repr) for s in CORE_SPECS}


def test_new_commands_have_help_on_every_option() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("diff", "migrate", "map"):
        cmd = sub.choices[name]
        assert cmd.description, name
        for action in cmd._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help and action.help.strip(), f"{name} {action.option_strings or action.dest}"
    admin = next(a for a in sub.choices["admin"]._actions if isinstance(a, argparse._SubParsersAction))
    for name in ("export-edits", "stats"):
        for action in admin.choices[name]._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help and action.help.strip(), f"admin {name} {action.option_strings or action.dest}"


def test_diff_directories_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", V1, V2]) == 0
    text = capsys.readouterr().out
    assert "rooms (1 added, 1 removed, 1 renamed, 1 changed):" in text
    assert "  > dep.square -> dep.plaza" in text and "  - dep.old_room: Old Room" in text
    assert "  ~ dep.hall east: to dep.old_room -> dep.garden" in text
    assert "dep.hall north" not in text and "~ dep.hall:" not in text  # the renames are no changes there
    assert "  + dep.garden: Garden" in text
    assert "objects (1 added, 1 removed, 1 renamed, 1 changed):" in text  # dep.brass_key has an alias now
    assert "  - player.flag: was bool" in text and "  ~ player.count: type int -> bool, default 0 -> false" in text
    assert "triggers (1 removed):" in text and "world dep login" in text
    assert main(["diff", V1, V2, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["old"] == "dep" and data["summary"]["rooms"] == {"added": 1, "removed": 1, "renamed": 1, "changed": 1}
    assert {"category": "objects", "change": "renamed", "id": "dep.key -> dep.brass_key", "detail": ""} in data["changes"]
    assert main(["diff", V1, V1]) == 0
    assert capsys.readouterr().out == "no differences\n"


def test_diff_images_and_prices(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    demo = Path(__file__).resolve().parents[2] / "worlds" / "demo"
    changed = tmp_path / "demo2"
    shutil.copytree(demo, changed)
    econ = changed / "economy.yaml"
    econ.write_text(econ.read_text(encoding="utf-8").replace("price: 3.00", "price: 4.00"), encoding="utf-8")
    main(["build", str(demo), "-o", str(tmp_path / "a.mmi")])
    main(["build", str(changed), "-o", str(tmp_path / "b.mmi")])
    capsys.readouterr()
    assert main(["diff", str(tmp_path / "a.mmi"), str(tmp_path / "b.mmi")]) == 0
    assert capsys.readouterr().out == "prices (1 changed):\n  ~ town.store sells town.lantern: price ¤3.00 -> ¤4.00\n"


def test_diff_exit_codes(tmp_path: Path) -> None:
    r = run("diff", V1, str(tmp_path / "missing"))
    assert r.returncode == 2 and r.stderr.startswith("usage: meshmush diff")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "world.yaml").write_text("kind: world\nid: [\n", encoding="utf-8")
    r = run("diff", V1, str(broken))
    assert r.returncode == 1 and "has errors" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_migrate_dry_run_changes_nothing_and_the_real_run_matches_it(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    populate(path)
    before = _dump(path)
    r = run("migrate", V2, "--db", str(path), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert _dump(path) == before
    assert r.stdout.startswith(f"plan for {path} onto image ") and r.stdout.endswith("dry run: nothing changed\n")
    plan = [line for line in r.stdout.splitlines() if line.startswith("  ")]
    assert "  player: Ana was in dep.old_room, which no longer exists: moved to dep.hall" in plan
    assert "  refund: object dep.gem #3 no longer exists: Ana is refunded $5.00" in plan
    assert not (default_folder(path)).exists() or not BackupStore(default_folder(path)).listing()

    r = run("migrate", V2, "--db", str(path), "--json")
    assert r.returncode == 0, r.stderr
    done = json.loads(r.stdout)
    assert ["  " + s["kind"] + ": " + s["text"] for s in done["steps"]] == plan
    assert done["refunded"] == 1500 and done["dry_run"] is False and done["backup"]
    backups = BackupStore(default_folder(path)).listing()
    assert [(b.id, b.kind) for b in backups] == [(done["backup"], "safety")]
    assert backups[0].note.startswith("before migrate to ")
    assert players(path)["Ana"].room == "dep.hall"
    assert rows(path, "SELECT actor, action FROM audit WHERE action = 'migrate'") == [("@admin", "migrate")]
    assert rows(path, "SELECT count(*) FROM journal WHERE command LIKE '@admin migrate %'") == [(1,)]
    # the server then starts on the new image without a second plan
    eng = Engine(version(2), Database.open(path), done["image"], now_ms=10**12)
    assert eng.last_plan is None
    eng.close()


@pytest.mark.slow
def test_migrate_refuses_a_running_server_and_another_world(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    populate(path)
    eng = Engine(version(1), Database.open(path), "v1", now_ms=0)
    try:
        r = run("migrate", V2, "--db", str(path))
        assert r.returncode == 1 and "in use" in r.stderr, r.stderr
        r = run("migrate", V2, "--db", str(path), "--dry-run")
        assert r.returncode == 1 and "in use" in r.stderr, r.stderr
    finally:
        eng.close()
    building = Path(__file__).resolve().parents[1] / "transcripts" / "worlds" / "building"
    r = run("migrate", str(building), "--db", str(path))
    assert r.returncode == 1 and "holds world 'dep', not 'yard'" in r.stderr
    r = run("migrate", V2, "--db", str(tmp_path / "none.duckdb"))
    assert r.returncode == 1 and "does not exist" in r.stderr
    r = run("migrate", V2)
    assert r.returncode == 2 and "--db" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_dry_run_on_an_older_database_plans_on_a_snapshot(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    populate(path)
    conn = duckdb.connect(str(path))  # make it a database of the meshmush before migration 8
    for table in ("built_rooms", "built_objects", "built_exits", "room_texts", "clones", "image_rooms",
                  "image_objects"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM schema_migrations WHERE number = 8")
    conn.close()
    r = run("migrate", V2, "--db", str(path), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "player: Ana was in dep.old_room" in r.stdout
    conn = duckdb.connect(str(path), read_only=True)
    assert conn.execute("SELECT max(number) FROM schema_migrations").fetchone() == (7,)  # untouched
    conn.close()


def test_sarif_is_a_sarif_2_1_0_log(tmp_path: Path) -> None:
    import jsonschema

    world = tmp_path / "w"
    shutil.copytree(WORLDS / "v2", world)
    r = run("check", str(world), "--format", "sarif")
    assert r.returncode == 0, r.stderr
    log = json.loads(r.stdout)
    jsonschema.validate(log, SARIF_SUBSET)
    results = log["runs"][0]["results"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert {x["ruleId"] for x in results} == {"MM4024"}
    assert all(rules[x["ruleIndex"]]["id"] == x["ruleId"] for x in results)
    loc = results[0]["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].endswith("w/world.yaml") and loc["region"]["startLine"] == 45
    (world / "broken.yaml").write_text("kind: room\nid: dep.x\nname: X\ndescription: Y\nexits: {up: dep.nowhere}\n",
                                       encoding="utf-8")
    r = run("build", str(world), "-o", str(tmp_path / "x.mmi"), "--format", "sarif")
    assert r.returncode == 1
    log = json.loads(r.stdout)
    jsonschema.validate(log, SARIF_SUBSET)
    assert any(x["level"] == "error" and x["ruleId"] == "MM4002" for x in log["runs"][0]["results"])


# The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json, OASIS) that a log of ours uses,
# with their required properties and value sets.
_MESSAGE = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
SARIF_SUBSET = {
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {"type": "array", "minItems": 1, "items": {
            "type": "object",
            "required": ["tool"],
            "properties": {
                "tool": {"type": "object", "required": ["driver"], "properties": {"driver": {
                    "type": "object", "required": ["name"],
                    "properties": {
                        "name": {"type": "string"}, "version": {"type": "string"},
                        "informationUri": {"type": "string"},
                        "rules": {"type": "array", "uniqueItems": True, "items": {
                            "type": "object", "required": ["id"],
                            "properties": {
                                "id": {"type": "string"}, "name": {"type": "string"},
                                "shortDescription": _MESSAGE, "fullDescription": _MESSAGE, "help": _MESSAGE,
                                "defaultConfiguration": {"type": "object", "properties": {
                                    "level": {"enum": ["none", "note", "warning", "error"]}}},
                            }}},
                    }}}},
                "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                "results": {"type": "array", "items": {
                    "type": "object", "required": ["message"],
                    "properties": {
                        "ruleId": {"type": "string"}, "ruleIndex": {"type": "integer", "minimum": -1},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "message": _MESSAGE,
                        "locations": {"type": "array", "items": {"type": "object", "properties": {
                            "physicalLocation": {"type": "object", "properties": {
                                "artifactLocation": {"type": "object", "properties": {
                                    "uri": {"type": "string", "format": "uri-reference"},
                                    "uriBaseId": {"type": "string"}}},
                                "region": {"type": "object", "properties": {
                                    "startLine": {"type": "integer", "minimum": 1},
                                    "startColumn": {"type": "integer", "minimum": 1}}},
                            }}}}},
                    }}},
            }}},
    },
}
