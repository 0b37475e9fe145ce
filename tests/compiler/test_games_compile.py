"""Compiling games, boards and the world's message limits: defaults filled in, every bad
configuration reported as MM4016 at its place, and the slot machine's expected return exact
(100 % is allowed, anything above is MM5005)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.image import games as g
from runtime.image.codec import read_image, write_image
from runtime.image.model import World

HEAD = """\
kind: world
id: fx
title: Fixture
format: 1
start: fx.hall
currency: {mode: decimal, symbol: "$", decimals: 2, starting_balance: 4.00}
---
kind: room
id: fx.hall
name: Hall
description: A hall.
"""


def _compile(tmp_path: Path, body: str, head: str = HEAD) -> tuple[World | None, list[tuple[str, int, str]]]:
    (tmp_path / "w.yaml").write_text(head + "---\n" + body, encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(tmp_path, diags)
    return world, [(d.code, d.span.line, d.message) for d in diags.items]


def test_defaults_are_filled_in_and_survive_the_image(tmp_path: Path) -> None:
    world, diags = _compile(tmp_path, """\
kind: game
id: fx.slots
type: slots
---
kind: game
id: fx.ball
type: eightball
---
kind: game
id: fx.fortune
type: fortune
---
kind: game
id: fx.hack
type: tinyhack
---
kind: board
id: fx.board
name: Board
""")
    assert world is not None and diags == []
    games = {x.id: x for x in world.games}
    slots = games["fx.slots"]
    assert (slots.symbols, slots.payouts) == (g.DEFAULT_SYMBOLS, g.DEFAULT_PAYOUTS)
    assert g.setting(slots, "min_bet", 0) == 1 and g.setting(slots, "max_bet", 0) == 400
    assert games["fx.ball"].texts == g.DEFAULT_ANSWERS
    assert games["fx.fortune"].texts == g.DEFAULT_FORTUNES and g.setting(games["fx.fortune"], "cost", 9) == 0
    hack = games["fx.hack"]
    assert [(e.key, e.value) for e in hack.config] == [("levels", 3), ("reward", 0), ("seed_daily", False)]
    assert world.boards[0].keep == 50 and world.messages.inbox == 30 and world.messages.length == 160
    assert read_image(write_image(world))[0] == world


def test_the_authors_settings_are_kept(tmp_path: Path) -> None:
    world, diags = _compile(tmp_path, """\
kind: game
id: fx.slots
type: slots
config:
  min_bet: 0.10
  max_bet: 0.50
  symbols: {Bar: 2, cherry: 1}
  payouts: [{line: [bar, bar], pays: 1}, {line: [any, cherry], pays: 1}]
---
kind: game
id: fx.ball
type: eightball
config: {answers: [Yes., "  No,   never.  "]}
---
kind: board
id: fx.board
name: Board
keep: 7
""", HEAD.replace("starting_balance: 4.00}", "starting_balance: 4.00}\nmessages: {inbox: 5, length: 80}"))
    assert world is not None and diags == []
    slots = next(x for x in world.games if x.id == "fx.slots")
    assert [(s.name, s.weight) for s in slots.symbols] == [("bar", 2), ("cherry", 1)]
    assert g.expected_return(slots.symbols, slots.payouts) == Fraction(4, 9) + Fraction(1, 3)
    assert next(x for x in world.games if x.id == "fx.ball").texts == ("Yes.", "No, never.")
    assert world.boards[0].keep == 7 and (world.messages.inbox, world.messages.length) == (5, 80)


@pytest.mark.parametrize(
    ("config", "code", "problem"),
    [
        ("{symbols: {a: 1, b: 2}}", "MM4016", "need their own payouts"),
        ("{symbols: {a: 1}, payouts: [{line: [a, z, a], pays: 2}]}", "MM4016", "unknown symbol 'z'"),
        ("{symbols: {a: 1}, payouts: [{line: [a, a, a], pays: 2}, {line: [a, a], pays: 1}]}", "MM4016",
         "different lengths"),
        ("{symbols: {any: 1}, payouts: [{line: [any], pays: 1}]}", "MM4016", "wildcard"),
        ("{symbols: {a b: 1}, payouts: [{line: [a], pays: 1}]}", "MM4016", "one word"),
        ("{min_bet: 0.00}", "MM4016", "more than nothing"),
        ("{min_bet: 2.00, max_bet: 1.00}", "MM4016", "larger than max_bet"),
        ("{min_bet: 1.5}", "MM5001", "2 digits"),
        ("{levels: 3}", "MM4016", "no config key 'levels'"),
        ("{symbols: {a: 0}, payouts: [{line: [a], pays: 1}]}", "MM2007", "minimum 1"),
        ("{payouts: [{line: [cherry], pays: 1, extra: 2}]}", "MM2001", "unknown key 'extra'"),
    ],
)
def test_bad_slot_configurations_are_reported(tmp_path: Path, config: str, code: str, problem: str) -> None:
    world, diags = _compile(tmp_path, f"kind: game\nid: fx.slots\ntype: slots\nconfig: {config}\n")
    assert world is None
    assert any(c == code and problem in msg for c, _line, msg in diags), diags


def test_texts_too_long_for_a_frame_are_mm4016(tmp_path: Path) -> None:
    long = "x" * (g.TEXT_BYTES + 1)
    world, diags = _compile(tmp_path, f"kind: game\nid: fx.ball\ntype: eightball\nconfig: {{answers: [ok, {long}]}}\n")
    assert world is None and [(c, line) for c, line, _m in diags] == [("MM4016", 16)]


@pytest.mark.parametrize(("pays", "warned"), [(8, False), (9, True)])
def test_mm5005_warns_only_above_one_hundred_percent(tmp_path: Path, pays: int, warned: bool) -> None:
    world, diags = _compile(tmp_path, f"""\
kind: game
id: fx.slots
type: slots
config:
  symbols: {{a: 1, b: 1}}
  payouts: [{{line: [a, a, a], pays: {pays}}}]
""")
    assert world is not None
    assert [c for c, _l, _m in diags] == (["MM5005"] if warned else [])
    if warned:
        assert "112.5%" in diags[0][2]
