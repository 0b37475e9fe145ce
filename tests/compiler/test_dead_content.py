"""Objects are takeable unless they say ``takeable: false`` (the contract); content that can never
have an effect is a warning: a take trigger on an object never taken (MM4017), a flag the
runtime does not implement (MM4018)."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.image.model import World
from tests.runtime.engine.helpers import Driver, engine

WORLD = """kind: world
id: yard
title: Yard
format: 1
start: yard.gate
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 1.00}
---
kind: room
id: yard.gate
name: Gate
description: A gate with a pebble and a post.
objects: [yard.pebble, yard.post]
---
kind: object
id: yard.pebble
name: pebble
description: A round pebble.
---
kind: object
id: yard.post
name: post
description: A fence post.
takeable: false
"""


def _compile(tmp_path: Path, text: str) -> tuple[World | None, Diagnostics]:
    (tmp_path / "world.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    return compile_world(tmp_path, diags), diags


def test_an_object_without_takeable_can_be_taken(tmp_path: Path) -> None:
    world, diags = _compile(tmp_path, WORLD)
    assert world is not None and diags.items == []
    assert {o.id: o.takeable for o in world.objects} == {"yard.pebble": True, "yard.post": False}
    eng = engine(None, w=world)
    try:
        d = Driver(eng)
        d.send("Ana", "look")
        assert d.text("Ana", "take pebble") == "You take the pebble."
        assert d.text("Ana", "take post") == "You can't take the post."
    finally:
        eng.close()


def test_a_take_trigger_on_an_object_never_taken_is_a_warning(tmp_path: Path) -> None:
    text = WORLD + '''triggers:
  - on: take
    do: say "It is set in concrete."
'''
    world, diags = _compile(tmp_path, text)
    assert world is not None  # a warning, not an error
    assert [(d.code, d.severity) for d in diags.items] == [("MM4017", "warning")]
    assert "yard.post" in diags.items[0].message
    # the same trigger on a takeable object is fine
    world, diags = _compile(tmp_path, text.replace("takeable: false\n", ""))
    assert world is not None and diags.items == []


def test_a_flag_the_runtime_does_not_implement_is_named(tmp_path: Path) -> None:
    text = WORLD.replace("objects: [yard.pebble, yard.post]", "objects: [yard.pebble, yard.post]\nflags: [safe]")
    world, diags = _compile(tmp_path, text)
    assert world is not None
    assert [(d.code, d.severity) for d in diags.items] == [("MM4018", "warning")]
    assert "'safe'" in diags.items[0].message
