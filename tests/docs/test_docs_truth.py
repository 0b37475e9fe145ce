"""What the docs say is what the code does: the MORE page size, the `sell candy` example, the
`charge` refusal, and what `make` needs on a fresh machine."""

from __future__ import annotations

import re
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.engine.replies import DEFAULT_PAGE_FRAMES
from tests.runtime.engine.helpers import Driver, engine

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def test_the_more_page_size_is_stated_right() -> None:
    said = []
    for path in DOCS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "MORE" not in line:
                continue
            for m in re.finditer(r"\b(\w+)\*{0,2} frames\b", line):
                word = m.group(1).lower()
                if word in NUMBERS or word.isdigit():
                    said.append((path.name, NUMBERS.get(word) or int(word)))
    assert said, "no doc says how many frames a page holds"
    assert all(n == DEFAULT_PAGE_FRAMES for _, n in said), said


def _doc_reply(doc: str, command: str) -> str:
    text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
    m = re.search(r"^" + re.escape(command) + r"\s+→ (.+)$", text, re.MULTILINE)
    assert m, f"{doc} has no example for {command!r}"
    return m.group(1).strip()


def test_the_sell_candy_example() -> None:
    diags = Diagnostics()
    world = compile_world(ROOT / "worlds" / "demo", diags)
    assert world is not None
    eng = engine(None, w=world)
    try:
        d = Driver(eng)
        for command in ("n", "w", "buy candy"):
            d.send("Ana", command)
        assert d.text("Ana", "sell candy") == _doc_reply("commands.md", "sell candy")
    finally:
        eng.close()


def test_the_charge_refusal_is_quoted_right(tmp_path: Path) -> None:
    (tmp_path / "world.yaml").write_text("""kind: world
id: fee
title: Fee
format: 1
start: fee.hall
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 2.00}
---
kind: room
id: fee.hall
name: Hall
description: A hall with a toll gate.
objects: [fee.gate]
---
kind: object
id: fee.gate
name: toll gate
aliases: [gate]
description: Pay to pass.
takeable: false
triggers:
  - on: use
    do: charge 5.00
""", encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(tmp_path, diags)
    assert world is not None
    eng = engine(None, w=world)
    try:
        d = Driver(eng)
        d.send("Ana", "look")
        reply = d.text("Ana", "use gate")
    finally:
        eng.close()
    assert reply == "You can't afford that: it costs ¤5.00 and you have ¤2.00."
    for doc in ("triggers.md", "world-format.md"):
        assert reply in (ROOT / "docs" / doc).read_text(encoding="utf-8"), doc


def test_readme_says_what_a_fresh_machine_needs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "only Python 3.11" not in readme
    assert "package index" in readme
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = make.split("$(STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    install = next(line for line in recipe.splitlines() if "pip install" in line and "-e" in line)
    assert "--quiet" not in install, "the first install must show its progress"
    assert "@echo" in recipe.split(install)[0], "say what is happening before the long install"
