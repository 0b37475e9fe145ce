"""The kind registry: every kind is declared once (``runtime/image/kinds.py`` for the image,
``compiler/kinds/<name>.py`` for the compiler), and nothing a kind needs can be forgotten: a
schema, a section in the world format reference, a fixture document, lines in ``inspect``."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from compiler.kinds import KINDS
from runtime.image import kinds as image_kinds
from runtime.image import model
from runtime.image.codec import read_image, write_image
from runtime.image.events import EVENTS
from runtime.image.verify import verify_world

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "kinds"
REFERENCE = ROOT / "docs" / "world-format.md"
SCHEMAS = ROOT / "compiler" / "schemas"


def missing_parts(name: str, root: Path = ROOT) -> list[str]:
    """What the kind ``name`` lacks of what every kind must have (empty: nothing)."""
    missing = []
    if not (root / "compiler" / "schemas" / f"{name}.schema.json").is_file():
        missing.append(f"compiler/schemas/{name}.schema.json (run python -m meshmush.gen_schemas)")
    if f"### `{name}`" not in (root / "docs" / "world-format.md").read_text(encoding="utf-8"):
        missing.append(f"a section '### `{name}`' in docs/world-format.md")
    fixture = root / "tests" / "fixtures" / "kinds" / f"{name}.yaml"
    if not fixture.is_file() or f"kind: {name}\n" not in fixture.read_text(encoding="utf-8"):
        missing.append(f"tests/fixtures/kinds/{name}.yaml with a 'kind: {name}' document")
    return missing


def _fixture_world() -> model.World:
    diags = Diagnostics()
    world = compile_world(FIXTURES, diags)
    assert world is not None, [d.message for d in diags.sorted()]
    return world


def test_both_halves_declare_the_same_kinds_in_the_same_order() -> None:
    assert tuple(k.kind for k in KINDS) == image_kinds.KINDS
    assert len(set(image_kinds.NAMES)) == len(image_kinds.NAMES)


def test_every_entity_field_of_the_world_is_a_kind() -> None:
    hints = typing.get_type_hints(model.World, vars(model))
    entity_fields = {
        f.name
        for f in dataclasses.fields(model.World)
        if typing.get_origin(hints[f.name]) is tuple
        and dataclasses.is_dataclass(typing.get_args(hints[f.name])[0])
        and "id" in {x.name for x in dataclasses.fields(typing.get_args(hints[f.name])[0])}
    }
    assert entity_fields == {k.field for k in image_kinds.KINDS if k.field is not None}


def test_every_event_of_a_kind_is_an_event() -> None:
    for kind in image_kinds.KINDS:
        assert set(kind.events) <= set(EVENTS), kind.name


def test_every_kind_has_a_schema_a_reference_section_and_a_fixture() -> None:
    assert {k.name: missing_parts(k.name) for k in KINDS} == {k.name: [] for k in KINDS}
    assert sorted(p.stem for p in FIXTURES.glob("*.yaml")) == sorted(image_kinds.NAMES)


def test_the_check_names_what_a_new_kind_lacks(tmp_path: Path) -> None:
    (tmp_path / "compiler" / "schemas").mkdir(parents=True)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "world-format.md").write_text("### `room`\n", encoding="utf-8")
    (tmp_path / "tests" / "fixtures" / "kinds").mkdir(parents=True)
    assert len(missing_parts("quest", tmp_path)) == 3
    (tmp_path / "compiler" / "schemas" / "quest.schema.json").write_text("{}", encoding="utf-8")
    (tmp_path / "docs" / "world-format.md").write_text("### `quest`\n", encoding="utf-8")
    (tmp_path / "tests" / "fixtures" / "kinds" / "quest.yaml").write_text("kind: quest\n", encoding="utf-8")
    assert missing_parts("quest", tmp_path) == []


def test_every_kind_is_built_verified_and_shown_by_inspect() -> None:
    from meshmush.inspect_image import render_inspect

    world = _fixture_world()
    assert verify_world(world) == []
    decoded, info = read_image(write_image(world))
    assert decoded == world
    shown = render_inspect(decoded, info).splitlines()
    for kind in KINDS:
        if kind.kind.folded_into is not None:  # a source-only kind: its documents change others
            assert not kind.kind.entities(world) and not list(kind.inspect(world))
            continue
        assert kind.kind.entities(world), f"the fixture has no {kind.name}"
        lines = list(kind.inspect(world))
        assert lines, f"{kind.name} shows nothing in inspect"
        assert all(line in shown for line in lines), kind.name


def test_a_patch_is_folded_into_its_room() -> None:
    yard = next(r for r in _fixture_world().rooms if r.id == "kinds.yard")
    assert yard.description == "A small yard, swept clean."


def test_the_verifier_refuses_a_trigger_on_an_event_its_kind_lacks() -> None:
    world = _fixture_world()
    hall = world.rooms[0]
    wrong = dataclasses.replace(hall, triggers=(dataclasses.replace(hall.triggers[0], event="talk"),))
    problems = verify_world(dataclasses.replace(world, rooms=(wrong, *world.rooms[1:])))
    assert problems == [f"room {hall.id}: a trigger on 'talk', which rooms do not have"]
