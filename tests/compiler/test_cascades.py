"""A file that fails to load suppresses the reference errors it would cause, and its real error
comes first; a misspelt id is never proposed as "did you mean"."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostic, Diagnostics

WORLD = """kind: world
id: dock
title: Dock
format: 1
start: dock.quay
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 1.00}
---
kind: room
id: dock.quay
name: Quay
description: Ropes and gulls.
exits: {north: dock.pier, east: dock.shed, west: dock.nowhere}
triggers:
  - on: enter
    do: |
      if has(dock.net) { teleport dock.shed }
"""

PIER = """kind: room
id: dock.pier
name: Pier
description: Planks over the water.
exits: {south: dock.quay, east: dock.shed}
---
kind: room
id: dock.shed
name: Shed
description: Nets hang to dry.
exits: {west: dock.pier}
objects: [dock.net]
---
kind: object
id: dock.net
name: net
description: A fishing net.
"""


def _compile(tmp_path: Path, files: dict[str, str]) -> list[Diagnostic]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    diags = Diagnostics()
    compile_world(tmp_path, diags)
    return diags.sorted()


def test_the_world_compiles_when_nothing_is_broken(tmp_path: Path) -> None:
    got = _compile(tmp_path, {"a_world.yaml": WORLD, "pier.yaml": PIER})
    assert [d.code for d in got if d.severity == "error"] == ["MM4002"]  # dock.nowhere, a real one


@pytest.mark.parametrize(
    ("broken", "code"),
    [
        (PIER.replace("name: Pier", " name: Pier"), "MM1001"),  # a bad indent
        (PIER.replace("exits: {west: dock.pier}", "exits:\n\twest: dock.pier"), "MM1004"),  # a tab
        (PIER.replace("kind: object", "kind: objekt"), "MM1012"),  # one document lost
    ],
)
def test_a_file_that_fails_to_load_hides_the_errors_it_causes(tmp_path: Path, broken: str, code: str) -> None:
    got = _compile(tmp_path, {"a_world.yaml": WORLD, "pier.yaml": broken})
    errors = [(d.code, d.span.file, d.message) for d in got if d.severity == "error"]
    assert errors[0][:2] == (code, "pier.yaml"), errors  # the real error first
    rest = errors[1:]
    # only the one reference that no file defines is still reported
    assert [m for c, f, m in rest] == ["exit destination 'dock.nowhere' does not exist"], errors


def test_an_uppercase_id_is_reported_once_with_its_lowercase_form(tmp_path: Path) -> None:
    got = _compile(tmp_path, {"a_world.yaml": WORLD, "pier.yaml": PIER.replace("id: dock.pier", "id: Dock.Pier")})
    errors = [d for d in got if d.severity == "error"]
    bad = [d for d in errors if d.code == "MM2005"]
    assert len(bad) == 1 and bad[0].hint == "write it in lowercase: 'dock.pier'"
    assert not any("Dock.Pier" in (d.hint or "") for d in got), [d.hint for d in got]
    assert not any("'dock.pier'" in d.message for d in errors if d.code == "MM4002"), errors
