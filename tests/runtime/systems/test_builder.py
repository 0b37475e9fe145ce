"""Live building through the engine over real DuckDB files: edits take effect at once (even for
the next command in the same batch), survive restarts and new images, refused commands change
nothing, every builder command is audited, limits come from the world or the server config."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from meshmush.admin import main as admin_main
from runtime.engine.engine import Engine, EngineConfig
from runtime.engine.io import Incoming
from runtime.image.model import BuilderLimits
from runtime.store.db import Database
from tests.runtime.engine.helpers import Driver
from tests.transcripts.runner import world


def _engine(path: Path, **config: object) -> Engine:
    return Engine(world("building"), Database.open(path), "h1", config=EngineConfig(sysops=("Ana",), **config),
                  now_ms=0)  # type: ignore[arg-type]


def _builder(path: Path, **config: object) -> Driver:
    d = Driver(_engine(path, **config))
    d.send("Ana", "look")
    assert "builder" in d.text("Ana", "/grant builder Ana")
    return d


def test_edits_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = _builder(path)
    d.send("Ana", "/dig north Old Attic")
    d.send("Ana", "n")
    d.send("Ana", "/describe Dusty beams.")
    d.send("Ana", "/create wooden chair")
    d.send("Ana", "drop chair")
    d.engine.close()
    d = Driver(_engine(path))
    assert d.text("Bob", "look").startswith("Welcome")
    seen = d.text("Bob", "n")
    assert seen.startswith("Old Attic\nDusty beams.\nExits: s\nYou see: wooden chair.")
    assert "You take the wooden chair." in d.text("Bob", "take chair")
    d.engine.close()


def test_a_dug_room_is_there_for_the_next_command_in_the_same_batch(tmp_path: Path) -> None:
    d = _builder(tmp_path / "s.duckdb")
    d.send("Bob", "look")
    replies = d.engine.handle_batch([Incoming("Ana", "/dig north Attic", 10_000), Incoming("Bob", "n", 10_001)])
    bob = [r.text for r in replies if r.to == "Bob"]
    assert bob and bob[-1].startswith("Attic\n"), bob
    d.engine.close()


def test_a_refused_command_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = _builder(path)
    before = d.engine.world
    assert "already an exit" in d.text("Ana", "/dig east Loft")
    assert "Staff only" in d.text("Bob", "/dig north Loft")
    assert d.engine.world is before  # no overlay change, no new view
    d.engine.close()
    with Database.open(path, read_only=True) as db:
        assert db.query("SELECT count(*) FROM built_rooms")[0][0] == 0


def test_every_builder_command_is_audited(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = _builder(path)
    for command in ("/dig north Attic", "n", "/describe Beams.", "/link east Shed", "/unlink east",
                    "/create lamp", "/clone lamp", "/destroy lamp", "/clones", "/dig south Attic"):
        d.send("Ana", command)
    d.engine.close()
    with Database.open(path, read_only=True) as db:
        rows = db.query("SELECT actor, action, target, detail, coalesce(result, 'ok') FROM audit ORDER BY seq")
    actions = [(r[1], r[4]) for r in rows if r[0] == "Ana"]
    assert actions == [("grant", "ok"), ("dig", "ok"), ("describe", "ok"), ("link", "ok"), ("unlink", "ok"),
                       ("create", "ok"), ("clone", "ok"), ("destroy", "ok"), ("clones", "ok"), ("dig", "refused")]
    dig = next(r for r in rows if r[1] == "dig")
    assert dig[2] == "built.attic" and dig[3] == "north from yard.gate"


def test_the_server_config_overrides_the_worlds_limits(tmp_path: Path) -> None:
    d = _builder(tmp_path / "s.duckdb", clone_limits=BuilderLimits(clones_per_player=1, clones_total=10))
    assert "Created lamp" in d.text("Ana", "/create lamp")
    assert "the most one builder may have (1)" in d.text("Ana", "/clone lamp")
    assert d.text("Ana", "/clones").startswith("Clones: 1 of 10; yours 1 of 1.")
    d.engine.close()


def test_a_copy_a_trigger_consumed_no_longer_counts(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = _builder(path)
    d.send("Ana", "/create lamp")
    d.engine.close()
    conn = duckdb.connect(str(path))  # as if a trigger had taken it: the instance is gone
    conn.execute("DELETE FROM instances WHERE object_id = 'built.lamp'")
    conn.close()
    d = Driver(_engine(path))
    d.send("Ana", "look")
    assert d.text("Ana", "/clones").startswith("Clones: 0 of 4;")
    d.engine.close()


def test_edits_survive_a_new_image(tmp_path: Path) -> None:
    d = _builder(tmp_path / "s.duckdb")
    d.send("Ana", "/dig north Attic")
    d.send("Ana", "/describe A gate, repainted.")
    eng = d.engine
    eng.swap_world(world("building"), "h2", d.now + 1)
    assert eng.last_plan is not None and eng.last_plan.empty
    assert d.text("Ana", "look").startswith("Gate\nA gate, repainted.\nExits: n, e")
    assert d.text("Ana", "n").startswith("Attic\n")
    eng.close()


def test_builders_cannot_build_in_a_house(tmp_path: Path) -> None:
    eng = Engine(world("housing"), Database.open(tmp_path / "h.duckdb"), "h", config=EngineConfig(sysops=("Ana",)),
                 now_ms=0)
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Ana", "/grant builder Ana")
    d.send("Ana", "s")
    assert "You bought" in d.text("Ana", "house buy flat")
    d.send("Ana", "home")
    assert d.text("Ana", "/dig north Den") == "You can only build in rooms of the world, not here."
    assert d.text("Ana", "/create lamp") == "You can only build in rooms of the world, not here."
    eng.close()


def test_admin_stats_clones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.duckdb"
    d = _builder(path)
    d.send("Bob", "look")
    d.send("Ana", "/grant builder Bob")
    d.send("Ana", "/create lamp")
    d.send("Ana", "/clone lamp")
    d.send("Bob", "/clone statue")
    d.engine.close()
    assert admin_main(["stats", "clones", "--db", str(path), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert got["total"] == 3
    assert got["by_owner"] == [{"owner": "Ana", "count": 2}, {"owner": "Bob", "count": 1}]
    assert got["by_object"] == [{"object": "built.lamp", "count": 2}, {"object": "yard.statue", "count": 1}]
    assert got["by_age"][-1] == {"age": "older", "count": 3}  # made at the engine's clock (1970)
    assert admin_main(["stats", "clones", "--db", str(path)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("clones: 3\nby owner:\n  Ana") and "built.lamp" in text and "under 1h" in text


def test_the_config_section_and_a_partial_override(tmp_path: Path) -> None:
    import tomllib

    from meshmush.serve import clone_limits
    from runtime.transport.config import ConfigError, parse_config

    cfg = parse_config(tomllib.loads("[builder]\nclones_per_player = 2\n"))
    assert clone_limits(cfg) == BuilderLimits(2, -1)
    assert clone_limits(parse_config({})) is None
    with pytest.raises(ConfigError, match=r"\[builder\] clones_total must be -1"):
        parse_config(tomllib.loads("[builder]\nclones_total = -5\n"))
    d = _builder(tmp_path / "s.duckdb", clone_limits=clone_limits(cfg))
    assert d.text("Ana", "/clones").startswith("Clones: 0 of 4; yours 0 of 2.")  # the world's total stays
    d.engine.close()


def test_objects_that_pay_or_give_are_not_cloned(tmp_path: Path) -> None:
    from tests.runtime.engine.helpers import lab

    eng = Engine(lab(), Database.open(tmp_path / "l.duckdb"), "h", config=EngineConfig(sysops=("Ana",)), now_ms=0)
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Ana", "/grant builder Ana")
    objects = {o.id: o for o in lab().objects}
    assert objects["lab.purse"].value == 0 and objects["lab.seed"].value == 0  # worth nothing, but …
    assert "could mint money" in d.text("Ana", "/clone lab.purse")  # … its use pays 2.00
    assert "could mint money" in d.text("Ana", "/clone lab.seed")  # … its use gives a flower
    assert d.text("Ana", "/clone lab.flower").startswith("Cloned flower")
    eng.close()
