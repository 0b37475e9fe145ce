"""THE kind registry, image side: every kind of world document, declared once.

A kind is what a YAML document's ``kind:`` names.  Here is what the image and the runtime know
of it: the ``World`` field that holds its entities, whether its documents carry an id other
documents refer to, the events its triggers may run on (``runtime.image.events``), how the
verifier checks one of its entities against the rest of the image, and where its bytecode
is.  The compiler's half of each kind (schema, assembly, checks, ``inspect`` lines) lives in
``compiler/kinds/<name>.py``, found by the name declared here.  The loader, the resolver, the
verifier and the tests read this table; see docs/architecture.md, "Adding a kind".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.image import model
from runtime.image.directions import DIRECTIONS
from runtime.image.games import game_problems

Ids = Mapping[str, frozenset[str]]
"""Every id of the image, by kind name (``ids["room"]``)."""
Check = Callable[[model.World, Ids, Any], Iterator[str]]
"""Problems of one entity, in plain words, each starting with the entity ("room x: …")."""
Codes = Callable[[Any], Iterator[tuple[str, model.Code]]]
"""Every piece of bytecode of one entity, labelled for the verifier's messages."""


@dataclass(frozen=True)
class Kind:
    name: str  # what ``kind:`` says: "room"
    field: str | None  # the ``World`` field of its entities ("rooms"); None: the world document itself
    events: tuple[str, ...] = ()  # what its triggers may run on (``runtime.image.events``)
    has_id: bool = True  # its documents carry a namespaced id that others may refer to
    check: Check | None = None
    codes: Codes | None = None
    folded_into: str | None = None  # a source-only kind the compiler folds into that kind's entities

    def entities(self, world: model.World) -> tuple[Any, ...]:
        """This kind's entities in ``world`` (the world itself for the world kind; none for a
        kind folded into another)."""
        if self.folded_into is not None:
            return ()
        if self.field is None:
            return (world,)
        found: tuple[Any, ...] = getattr(world, self.field)
        return found


def _triggers(label: str, triggers: tuple[model.Trigger, ...]) -> Iterator[tuple[str, model.Code]]:
    for t in triggers:
        yield f"{label} trigger '{t.event}'", t.code


# ---------------------------------------------------------------- world


def _world_codes(w: model.World) -> Iterator[tuple[str, model.Code]]:
    yield from _triggers("world", w.triggers)


def _check_world(world: model.World, ids: Ids, w: model.World) -> Iterator[str]:
    if w.start not in ids["room"]:
        yield f"start room '{w.start}' does not exist"
    if w.currency.mode not in ("decimal", "multitier"):
        yield f"unknown currency mode '{w.currency.mode}'"
    if w.currency.mode == "multitier" and not w.currency.tiers:
        yield "multitier currency without tiers"
    if w.messages.inbox < 1 or w.messages.length < 1:
        yield "messages: inbox and length must be at least 1"


# ---------------------------------------------------------------- rooms, objects, npcs


def _check_room(world: model.World, ids: Ids, r: model.Room) -> Iterator[str]:
    for e in r.exits:
        if e.to not in ids["room"]:
            yield f"room {r.id}: exit {e.direction} leads to missing room '{e.to}'"
        if e.direction not in DIRECTIONS:
            yield f"room {r.id}: unknown direction '{e.direction}'"
    for oid in r.objects:
        if oid not in ids["object"]:
            yield f"room {r.id}: places missing object '{oid}'"


def _room_codes(r: model.Room) -> Iterator[tuple[str, model.Code]]:
    yield from _triggers(f"room {r.id}", r.triggers)
    for e in r.exits:
        if e.when is not None:
            yield f"room {r.id} exit {e.direction}", e.when


def _check_object(world: model.World, ids: Ids, o: model.Object) -> Iterator[str]:
    if o.shop is not None and o.shop not in ids["shop"]:
        yield f"object {o.id}: vending shop '{o.shop}' does not exist"


def _object_codes(o: model.Object) -> Iterator[tuple[str, model.Code]]:
    yield from _triggers(f"object {o.id}", o.triggers)


def _check_npc(world: model.World, ids: Ids, n: model.Npc) -> Iterator[str]:
    if n.room not in ids["room"]:
        yield f"npc {n.id}: room '{n.room}' does not exist"
    nodes = {d.id for d in n.dialogue}
    for d in n.dialogue:
        for opt in d.options:
            if opt.goto is not None and opt.goto not in nodes:
                yield f"npc {n.id}: node {d.id} goes to missing node '{opt.goto}'"


def _npc_codes(n: model.Npc) -> Iterator[tuple[str, model.Code]]:
    yield from _triggers(f"npc {n.id}", n.triggers)
    for node in n.dialogue:
        if node.do is not None:
            yield f"npc {n.id} node {node.id}", node.do
        for i, opt in enumerate(node.options, 1):
            if opt.when is not None:
                yield f"npc {n.id} node {node.id} option {i}", opt.when


# ---------------------------------------------------------------- shops, housing, games, boards


def _check_shop(world: model.World, ids: Ids, s: model.Shop) -> Iterator[str]:
    if s.room is not None and s.room not in ids["room"]:
        yield f"shop {s.id}: room '{s.room}' does not exist"
    for item_id in [st.item for st in s.stock] + [b.item for b in s.buys]:
        if item_id not in ids["object"]:
            yield f"shop {s.id}: item '{item_id}' is not an object"


def _check_housing(world: model.World, ids: Ids, h: model.Housing) -> Iterator[str]:
    if h.office not in ids["room"]:
        yield f"housing {h.id}: office '{h.office}' does not exist"
    for t in h.templates:
        keys = {hr.key for hr in t.rooms}
        if not t.rooms:
            yield f"housing {h.id}: template {t.key} has no rooms"
        for hr in t.rooms:
            for he in hr.exits:
                if (he.local and he.to not in keys) or (not he.local and he.to not in ids["room"]):
                    yield f"housing {h.id}: {t.key}.{hr.key} exit leads to missing '{he.to}'"


def _check_game(world: model.World, ids: Ids, g: model.Game) -> Iterator[str]:
    if g.room is not None and g.room not in ids["room"]:
        yield f"game {g.id}: room '{g.room}' does not exist"
    yield from (f"game {g.id}: {p}" for p in game_problems(g))


def _check_board(world: model.World, ids: Ids, b: model.Board) -> Iterator[str]:
    if b.room is not None and b.room not in ids["room"]:
        yield f"board {b.id}: room '{b.room}' does not exist"
    if b.keep < 1:
        yield f"board {b.id}: keeps {b.keep} posts"


KINDS: tuple[Kind, ...] = (
    Kind("world", None, ("login", "tick"), has_id=False, check=_check_world, codes=_world_codes),
    Kind("room", "rooms", ("enter", "exit", "look", "say", "tick"), check=_check_room, codes=_room_codes),
    Kind("object", "objects", ("use", "take", "drop", "look", "tick"), check=_check_object, codes=_object_codes),
    Kind("npc", "npcs", ("talk",), check=_check_npc, codes=_npc_codes),
    Kind("shop", "shops", check=_check_shop),
    Kind("housing", "housing", check=_check_housing),
    Kind("game", "games", check=_check_game),
    Kind("board", "boards", check=_check_board),
    Kind("patch", None, has_id=False, folded_into="room"),  # changes to a room (export-edits writes them)
)
"""Every kind, in the order documents are built and shown."""

BY_NAME: Mapping[str, Kind] = {k.name: k for k in KINDS}
NAMES: tuple[str, ...] = tuple(k.name for k in KINDS)
ID_KINDS: tuple[str, ...] = tuple(k.name for k in KINDS if k.has_id)
EVENTS: Mapping[str, tuple[str, ...]] = {k.name: k.events for k in KINDS if k.events}
"""Trigger events by owner kind (only kinds that have triggers)."""


def ids(world: model.World) -> dict[str, frozenset[str]]:
    """Every entity id of ``world`` by kind."""
    return {k.name: frozenset(e.id for e in k.entities(world)) for k in KINDS if k.field is not None}
