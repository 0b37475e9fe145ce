"""Whole-world verification of a decoded image: every reference resolves, every piece of
bytecode is well formed.  The runtime runs this at load; a problem means the image was not
produced by a correct compiler (or was tampered with) and is refused."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.image import model
from runtime.image.bytecode import verify_code
from runtime.image.directions import DIRECTIONS
from runtime.image.games import game_problems


def _codes(world: model.World) -> Iterator[tuple[str, model.Code]]:
    for t in world.triggers:
        yield f"world trigger '{t.event}'", t.code
    for r in world.rooms:
        for t in r.triggers:
            yield f"room {r.id} trigger '{t.event}'", t.code
        for e in r.exits:
            if e.when is not None:
                yield f"room {r.id} exit {e.direction}", e.when
    for o in world.objects:
        for t in o.triggers:
            yield f"object {o.id} trigger '{t.event}'", t.code
    for n in world.npcs:
        for t in n.triggers:
            yield f"npc {n.id} trigger '{t.event}'", t.code
        for node in n.dialogue:
            if node.do is not None:
                yield f"npc {n.id} node {node.id}", node.do
            for i, opt in enumerate(node.options, 1):
                if opt.when is not None:
                    yield f"npc {n.id} node {node.id} option {i}", opt.when


def verify_world(world: model.World) -> list[str]:
    """Every problem found, in plain words (empty when the image is sound)."""
    problems: list[str] = []
    rooms = {r.id for r in world.rooms}
    objects = {o.id for o in world.objects}
    shops = {s.id for s in world.shops}

    def check_sorted(label: str, ids: list[str]) -> None:
        if ids != sorted(ids) or len(set(ids)) != len(ids):
            problems.append(f"{label} are not unique and sorted by id")

    check_sorted("rooms", [r.id for r in world.rooms])
    check_sorted("objects", [o.id for o in world.objects])
    check_sorted("npcs", [n.id for n in world.npcs])
    check_sorted("shops", [s.id for s in world.shops])
    if world.start not in rooms:
        problems.append(f"start room '{world.start}' does not exist")
    if world.currency.mode not in ("decimal", "multitier"):
        problems.append(f"unknown currency mode '{world.currency.mode}'")
    if world.currency.mode == "multitier" and not world.currency.tiers:
        problems.append("multitier currency without tiers")
    for r in world.rooms:
        for e in r.exits:
            if e.to not in rooms:
                problems.append(f"room {r.id}: exit {e.direction} leads to missing room '{e.to}'")
            if e.direction not in DIRECTIONS:
                problems.append(f"room {r.id}: unknown direction '{e.direction}'")
        for oid in r.objects:
            if oid not in objects:
                problems.append(f"room {r.id}: places missing object '{oid}'")
    for o in world.objects:
        if o.shop is not None and o.shop not in shops:
            problems.append(f"object {o.id}: vending shop '{o.shop}' does not exist")
    for n in world.npcs:
        if n.room not in rooms:
            problems.append(f"npc {n.id}: room '{n.room}' does not exist")
        nodes = {d.id for d in n.dialogue}
        for d in n.dialogue:
            for opt in d.options:
                if opt.goto is not None and opt.goto not in nodes:
                    problems.append(f"npc {n.id}: node {d.id} goes to missing node '{opt.goto}'")
    for s in world.shops:
        if s.room is not None and s.room not in rooms:
            problems.append(f"shop {s.id}: room '{s.room}' does not exist")
        for item_id in [st.item for st in s.stock] + [b.item for b in s.buys]:
            if item_id not in objects:
                problems.append(f"shop {s.id}: item '{item_id}' is not an object")
    for h in world.housing:
        if h.office not in rooms:
            problems.append(f"housing {h.id}: office '{h.office}' does not exist")
        for t in h.templates:
            keys = {hr.key for hr in t.rooms}
            if not t.rooms:
                problems.append(f"housing {h.id}: template {t.key} has no rooms")
            for hr in t.rooms:
                for he in hr.exits:
                    if (he.local and he.to not in keys) or (not he.local and he.to not in rooms):
                        problems.append(f"housing {h.id}: {t.key}.{hr.key} exit leads to missing '{he.to}'")
    for g in world.games:
        if g.room is not None and g.room not in rooms:
            problems.append(f"game {g.id}: room '{g.room}' does not exist")
        problems += [f"game {g.id}: {p}" for p in game_problems(g)]
    for b in world.boards:
        if b.room is not None and b.room not in rooms:
            problems.append(f"board {b.id}: room '{b.room}' does not exist")
        if b.keep < 1:
            problems.append(f"board {b.id}: keeps {b.keep} posts")
    if world.messages.inbox < 1 or world.messages.length < 1:
        problems.append("messages: inbox and length must be at least 1")
    for label, code in _codes(world):
        for p in verify_code(code):
            problems.append(f"{label}: {p}")
    return problems
