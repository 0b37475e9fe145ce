"""Worlds for the hardening tests (``tests/runtime/worlds/``), compiled as a careless or hostile
author would ship them.  ``world(name)`` compiles normally; ``unchecked(name)`` switches off the
whole-world checks that would reject the world (text bounds MM3015, teleport cycles MM4020), as
an image built by an older compiler or another tool would be, to prove the run-time fences."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from unittest import mock

from compiler import api
from compiler.diagnostics import Diagnostics
from runtime.image.model import World

WORLDS = Path(__file__).resolve().parent / "worlds"


@cache
def world(name: str) -> World:
    diags = Diagnostics()
    w = api.compile_world(WORLDS / name, diags)
    assert w is not None, [d.as_json() for d in diags.items]
    return w


def diagnostics(name: str) -> list[tuple[str, str, str]]:
    """(code, severity, message) of every diagnostic ``check`` reports for the world."""
    diags = Diagnostics()
    api.compile_world(WORLDS / name, diags)
    return [(d.code, d.severity, d.message) for d in diags.items]


@cache
def unchecked(name: str) -> World:
    def skip(*args: object, **kwargs: object) -> None:
        return None

    with mock.patch.object(api, "check_text_bounds", skip), mock.patch.object(api, "check_teleports", skip):
        diags = Diagnostics()
        w = api.compile_world(WORLDS / name, diags)
    assert w is not None, [d.as_json() for d in diags.items]
    return w
