"""The softlock check (compiler/checks/softlock.py): it finds planted softlocks (the MM4022-
MM4024 fixtures in tests/diagnostics/) and none where a sequence of actions does open the way —
in the demo world, through chains of guards, dialogue and shops."""

from __future__ import annotations

from pathlib import Path

from compiler.api import compile_world
from compiler.checks.softlock import BUDGET, analyse
from compiler.diagnostics import Diagnostics
from runtime.image import model

ROOT = Path(__file__).resolve().parents[2]
HEAD = """kind: world
id: fx
title: Fixture
format: 1
start: fx.hall
currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 10.00}
"""


def _compile(tmp: Path, text: str) -> tuple[model.World | None, list[str]]:
    (tmp / "world.yaml").write_text(HEAD + text, encoding="utf-8")
    diags = Diagnostics()
    world = compile_world(tmp, diags)
    return world, [f"{d.code} {d.message}" for d in diags.items if d.code in ("MM4022", "MM4023", "MM4024")]


def test_the_demo_world_has_no_softlock() -> None:
    diags = Diagnostics()
    world = compile_world(ROOT / "worlds" / "demo", diags)
    assert world is not None and not [d for d in diags.items if d.code in ("MM4022", "MM4023", "MM4024")]
    found = analyse(world)
    assert found.rooms == {r.id for r in world.rooms}  # the bridge opens: the lever sets world.bridge_down
    assert not found.shut
    assert {"town.map", "town.bread", "town.snack", "town.lantern"} <= found.items  # dialogue, shop, vending


def test_a_chain_of_guards_that_opens_is_no_softlock(tmp_path: Path) -> None:
    world, found = _compile(tmp_path, """state:
  world.a: {type: bool, default: false}
  world.b: {type: bool, default: false}
---
kind: room
id: fx.hall
name: Hall
description: A lever here sets a.
exits:
  north: {to: fx.mid, when: world.a}
objects: [fx.lever]
---
kind: room
id: fx.mid
name: Mid
description: Entering sets b, when a is set.
exits:
  south: fx.hall
  north: {to: fx.top, when: world.a and world.b}
triggers:
  - on: enter
    do: if world.a { set world.b = true }
---
kind: room
id: fx.top
name: Top
description: A key lies here; the vault needs it.
exits: {south: fx.mid, east: {to: fx.vault, when: "has(fx.key) or random(1, 2) == 3"}}
objects: [fx.key]
---
kind: room
id: fx.vault
name: Vault
description: The end.
exits: {west: fx.top}
---
kind: object
id: fx.lever
name: lever
description: A lever.
takeable: false
triggers:
  - on: use
    do: set world.a = not world.a
---
kind: object
id: fx.key
name: key
description: A key.
""")
    assert world is not None and found == []
    assert analyse(world).rooms == {"fx.hall", "fx.mid", "fx.top", "fx.vault"}


def test_a_value_is_one_value_on_each_path(tmp_path: Path) -> None:
    # b is only ever set to the opposite of a and a never changes: "a and b" is never true
    world, found = _compile(tmp_path, """state:
  world.a: {type: bool, default: false}
  world.b: {type: bool, default: true}
---
kind: room
id: fx.hall
name: Hall
description: Saying flip sets b to not a.
exits:
  north: {to: fx.top, when: world.a and world.b}
triggers:
  - on: say
    match: flip
    do: set world.b = not world.a
---
kind: room
id: fx.top
name: Top
description: Never.
exits: {south: fx.hall}
""")
    assert world is None  # MM4022 is an error
    assert [f.split(" ", 1)[0] for f in found] == ["MM4022", "MM4023"]


def test_a_shop_sells_the_key(tmp_path: Path) -> None:
    world, found = _compile(tmp_path, """---
kind: room
id: fx.hall
name: Hall
description: A shop sells the key.
exits:
  north: {to: fx.top, when: has(fx.key)}
---
kind: room
id: fx.top
name: Top
description: Opened with the key.
exits: {south: fx.hall}
---
kind: object
id: fx.key
name: key
description: A key.
value: 1.00
---
kind: shop
id: fx.store
name: Store
room: fx.hall
stock: [{item: fx.key, price: 1.00}]
""")
    assert world is not None and found == []


def test_too_many_paths_are_taken_to_do_everything(tmp_path: Path) -> None:
    ifs = "\n".join(f"      if chance(50) {{ set player.n = player.n + {i} }}" for i in range(1, 40))
    world, found = _compile(tmp_path, f"""state:
  player.n: {{type: int, default: 0}}
  world.open: {{type: bool, default: false}}
---
kind: room
id: fx.hall
name: Hall
description: Forty coin tosses, then the door may open.
exits:
  north: {{to: fx.top, when: world.open}}
triggers:
  - on: enter
    do: |
{ifs}
      if player.n > 100000 {{ set world.open = true }}
---
kind: room
id: fx.top
name: Top
description: Behind the door.
exits: {{south: fx.hall}}
""")
    assert BUDGET < 2**39  # the paths cannot all be explored
    assert world is not None and found == []
