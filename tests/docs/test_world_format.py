"""docs/world-format.md is the full reference, and every YAML example in it compiles.

Each ```yaml block is compiled together with a harness world (written out below, and described
in the page): a world document when the block has none, and the rooms, objects and NPC the
examples name without defining — each only when the block does not define it itself.  Errors
fail the test; warnings (an unreachable harness room, an unimplemented flag) are allowed.
Blocks whose kinds the compiler does not know yet (the page's "Later kinds") are skipped, and
the skip names the pending kinds; it ends by itself when they are added to ``loader.KINDS``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from compiler.loader import KINDS

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "world-format.md"
_BLOCK = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)

HARNESS_WORLD = """kind: world
id: docs
title: Docs
format: 1
start: town.square
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 10.00}
state:
  world.bridge_down: {type: bool, default: false}
  world.count: {type: int, default: 0}
  player.visited_gazebo: {type: bool, default: false}
  player.reputation: {type: int, default: 0}
  player.got_gift: {type: bool, default: false}
  player.saw_lighthouse: {type: bool, default: false}
  room.visits: {type: int, default: 0}
  self.rings: {type: int, default: 0}
  self.lit: {type: bool, default: false}
"""
HARNESS_ROOMS = ("town.square", "town.gazebo", "town.bridge", "town.city_hall", "town.store_room",
                 "town.housing_office", "town.lane", "town.arcade", "town.mill", "town.workshop")
HARNESS_OBJECTS = ("town.lantern", "town.map", "town.cat", "town.medal", "town.torch", "town.stick",
                   "town.rag", "town.flint")
HARNESS_NPCS = {"town.mayor": "town.city_hall"}


def blocks() -> list[tuple[int, str]]:
    text = PAGE.read_text(encoding="utf-8")
    return [(text[: m.start()].count("\n") + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def harness(defined: set[str], has_world: bool, bools: list[str]) -> str:
    """The rest of the world around a fragment: harness rooms (the harness objects lie in the first
    one), and a harness lever that flips every ``bool`` variable the world declares — as the rest of
    a real world would (else a guard on one is a guard that never opens, MM4022)."""
    docs = [] if has_world else [HARNESS_WORLD]
    for i, rid in enumerate(HARNESS_ROOMS):
        if rid not in defined:
            things = "objects: [harness.lever, " + ", ".join(o for o in HARNESS_OBJECTS if o not in defined) + "]\n"
            docs.append(f"kind: room\nid: {rid}\nname: {rid}\ndescription: A harness room.\n" + (things if i == 0 else ""))
    for oid in HARNESS_OBJECTS:
        if oid not in defined:
            docs.append(f"kind: object\nid: {oid}\nname: {oid.split('.')[1]}\ndescription: A harness object.\n")
    flips = "\n".join(f"      set {v} = not {v}" for v in bools) or '      say "Nothing to flip."'
    docs.append("kind: object\nid: harness.lever\nname: harness lever\ndescription: Flips every flag.\n"
                "takeable: false\ntriggers:\n  - on: use\n    do: |\n" + flips + "\n")
    for nid, room in HARNESS_NPCS.items():
        if nid not in defined:
            docs.append(f"kind: npc\nid: {nid}\nname: Harness\nroom: {room}\ndescription: A harness NPC.\n")
    return "---\n".join(docs)


def test_the_page_has_examples() -> None:
    found = blocks()
    assert len(found) >= 8
    assert any("kind: housing" in b and "kind: game" in b and "kind: board" in b for _, b in found)


@pytest.mark.parametrize(("line", "block"), blocks(), ids=[f"line{n}" for n, _ in blocks()])
def test_every_example_compiles(line: int, block: str, tmp_path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(block) if isinstance(d, dict)]
    kinds = {str(d.get("kind")) for d in docs}
    pending = sorted(kinds - set(KINDS))
    if pending:
        pytest.skip(f"docs/world-format.md:{line}: kinds not implemented yet: {', '.join(pending)}")
    defined = {str(d["id"]) for d in docs if "id" in d}
    (tmp_path / "example.yaml").write_text(block, encoding="utf-8")
    world_doc = next((d for d in docs if d.get("kind") == "world"), None) or yaml.safe_load(HARNESS_WORLD)
    bools = sorted(k for k, v in (world_doc.get("state") or {}).items()
                   if isinstance(v, dict) and v.get("type") == "bool" and k.split(".")[0] in ("world", "player"))
    (tmp_path / "harness.yaml").write_text(harness(defined, "world" in kinds, bools), encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(tmp_path, diags)
    errors = [f"{d.span.file}:{d.span.line}: {d.code} {d.message}" for d in diags.items if d.severity == "error"]
    assert world is not None and not errors, f"docs/world-format.md:{line}: {errors}"


def test_no_doc_points_outside_the_repository() -> None:
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "WORLD_FORMAT.md" not in text, path.name
