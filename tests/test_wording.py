"""Generated English: one helper (``runtime.image.words``) for articles and counted nouns, used
wherever such phrases are built — no "a object", "is not a int", "1 players", Python reprs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics, render_text
from runtime.image.words import count, with_article

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("noun", "phrase"),
    [("object", "an object"), ("room", "a room"), ("int", "an int"), ("'enter' event", "an 'enter' event"),
     ("unicorn", "a unicorn"), ("hour", "an hour"), ("NPC", "an NPC"), ("Igloo", "an Igloo"),
     ("Cozy Cottage", "a Cozy Cottage"), ("exit", "an exit"), ("one-way exit", "a one-way exit")],
)
def test_articles(noun: str, phrase: str) -> None:
    assert with_article(noun) == phrase


def test_counted_nouns() -> None:
    assert [count(n, "player") for n in (0, 1, 2)] == ["0 players", "1 player", "2 players"]
    assert count(1, "message") == "1 message" and count(2, "box") == "2 boxes" and count(3, "berry") == "3 berries"
    assert count(2, "person", "people") == "2 people"


# f-strings that build an article or a plural by hand: use with_article() / count() instead
_HAND_MADE = re.compile(r"""f["'][^"'\n]*(?:\ba \{|\{'s' if|\{"s" if)""")


def test_no_phrase_is_built_by_hand() -> None:
    found = []
    for top in ("compiler", "runtime", "tools"):
        for path in (ROOT / top).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if _HAND_MADE.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


WORLD = """kind: world
id: fx
title: Fixture
format: 1
start: fx.hall
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 10.00}
state:
  player.score: {type: int, default: 0}
  player.count: {type: int, default: 'x'}
---
kind: room
id: fx.hall
name: Hall
description: A hall.
exits:
  north:
    to: fx.hall
    when: player.score + 1
"""


def _diags(tmp_path: Path, text: str) -> list[str]:
    (tmp_path / "world.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    compile_world(tmp_path, diags)
    return render_text(diags.sorted(), tmp_path).splitlines()


def test_compiler_messages_read_right(tmp_path: Path) -> None:
    out = "\n".join(_diags(tmp_path, WORLD))
    assert "default 'x' of player.count is not an int" in out
    # a condition that is not true/false is quoted
    assert "the condition 'player.score + 1' is int, but it must be true/false" in out
    out = "\n".join(_diags(tmp_path, WORLD.replace("when: player.score + 1", "when: player.score >\n")))
    assert "unexpected a " not in out


def test_trigger_syntax_error_at_the_end_of_a_line(tmp_path: Path) -> None:
    text = WORLD.replace("    when: player.score + 1", "").replace("  player.count: {type: int, default: 'x'}\n", "")
    text += "triggers:\n  - on: enter\n    do: |\n      set player.score =\n      say \"hi\"\n"
    out = "\n".join(_diags(tmp_path, text))
    assert "error[MM3001]: unexpected end of line" in out, out


def test_inspect_shows_values_as_the_author_writes_them(tmp_path: Path) -> None:
    from meshmush.inspect_image import render_inspect
    from runtime.image.codec import read_header, write_image

    text = WORLD.replace("  player.count: {type: int, default: 'x'}\n", (
        "  player.job: {type: text, default: deckhand}\n"
        "  world.open: {type: bool, default: true}\n"
        "  player.debt: {type: money, default: 2.50}\n"
    )).replace("when: player.score + 1", "when: world.open")
    text += 'triggers:\n  - on: enter\n    do: say "It\'s {player.job}."\n'
    (tmp_path / "world.yaml").write_text(text, encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(tmp_path, diags)
    assert world is not None, [d.message for d in diags.items]
    data = write_image(world)
    out = render_inspect(world, read_header(data))
    assert '  player.job: text = "deckhand"' in out
    assert "  world.open: bool = true" in out
    assert "  player.debt: money = ¤2.50" in out
    assert 'CONST            0 ("It\'s ")' in out  # a constant, quoted as in the world file
    assert "1 message)" in out and "1 messages" not in out and "'deckhand'" not in out
