"""Map checks: rooms nobody can reach from the start room, exits that lead one way only."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model


def _trigger_codes(world: model.World) -> Iterator[model.Code]:
    for t in world.triggers:
        yield t.code
    for r in world.rooms:
        yield from (t.code for t in r.triggers)
    for o in world.objects:
        yield from (t.code for t in o.triggers)
    for n in world.npcs:
        yield from (t.code for t in n.triggers)
        yield from (node.do for node in n.dialogue if node.do is not None)


def room_edges(world: model.World) -> dict[str, set[str]]:
    """Every way a player can get from one world room to another: exits, houses, teleports."""
    rooms = {r.id for r in world.rooms}
    edges: dict[str, set[str]] = {r.id: {e.to for e in r.exits} for r in world.rooms}
    for h in world.housing:
        for t in h.templates:
            outs = {e.to for hr in t.rooms for e in hr.exits if not e.local}
            edges.setdefault(h.office, set()).update(outs)
    # a room id named anywhere in trigger code can only be a teleport target
    teleports = {name for code in _trigger_codes(world) for name in code.names if name in rooms}
    edges.setdefault("", set()).update(teleports)
    return edges


def check_reachability(world: model.World, spans: Mapping[str, Span], diags: Diagnostics) -> None:
    edges = room_edges(world)
    seen = {world.start, ""}
    queue = deque([world.start, ""])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    for room in world.rooms:
        if room.id not in seen and room.id in spans:
            diags.warning(
                "MM4004",
                f"room '{room.id}' ({room.name}) cannot be reached from the start room '{world.start}'",
                spans[room.id],
                "add an exit leading here, a teleport to it, or remove the room",
            )


def check_one_way(world: model.World, exit_spans: Mapping[tuple[str, str], Span], diags: Diagnostics) -> None:
    back = {r.id: {e.to for e in r.exits} for r in world.rooms}
    for room in world.rooms:
        for ex in room.exits:
            if ex.to != room.id and room.id not in back.get(ex.to, set()):
                span = exit_spans.get((room.id, ex.direction))
                if span is not None:
                    diags.info(
                        "MM4005",
                        f"exit {ex.direction} from '{room.id}' to '{ex.to}' is one-way: '{ex.to}' has no exit back",
                        span,
                        f"add an exit in '{ex.to}' leading to '{room.id}' if the way should be two-way",
                    )
