"""Teleport loops (MM4020): rooms whose ``enter`` (or ``exit``) triggers teleport the player
round in a circle.  At run time such a cascade stops after ``MAX_CASCADE`` nested events with
the player in whatever room it reached; here the loop is an error when it happens every time
(every teleport on it is unconditional and nothing can stop the move) and a warning when a
condition may break it.

The graph: a node is a room's ``enter`` or ``exit`` event.  A teleport to S in R's enter
trigger leaves R, so it fires R's exit triggers, then S's enter triggers; a teleport in R's
exit trigger fires R's exit triggers again (the player is still in R), then S's enter."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from compiler.checks.text_bounds import DocPlace
from compiler.diagnostics import Diagnostics
from runtime.image import model
from runtime.image.bytecode import BytecodeError, Instr, decode
from runtime.image.opcodes import BY_NAME, MAX_CASCADE

Node = tuple[str, str]  # (event, room id)
_TELEPORT = bytes([BY_NAME["TELEPORT"].code])
_STOP = bytes([BY_NAME["STOP"].code])


@dataclass(frozen=True)
class _Teleport:
    code: model.Code
    pc: int
    target: str
    certain: bool  # runs whenever its trigger fires


@dataclass(frozen=True)
class _Edge:
    to: Node
    certain: bool
    site: _Teleport


def _teleports(code: model.Code) -> tuple[list[_Teleport], bool]:
    """The code's teleports (each: does it run on every path?) and whether it may ``stop``."""
    if _TELEPORT not in code.ops and _STOP not in code.ops:
        return [], False  # (the bytes may also be operands: then we decode)
    try:
        instrs: Sequence[Instr] = decode(code.ops)
    except BytecodeError:
        return [], False
    found: list[_Teleport] = []
    furthest = -1  # the furthest place an earlier jump can land: anything before it may be skipped
    stops = False
    for ins in instrs:
        name = ins.op.name
        if name == "TELEPORT" and ins.args[0] < len(code.names):
            found.append(_Teleport(code, ins.pc, code.names[ins.args[0]], certain=ins.pc >= furthest))
        if name == "STOP":
            stops = True
        if "jump" in ins.op.operands:
            furthest = max(furthest, ins.next_pc + ins.args[0])
    return found, stops


def _graph(world: model.World) -> dict[Node, list[_Edge]]:
    rooms = {r.id for r in world.rooms}
    facts: dict[Node, tuple[list[_Teleport], bool]] = {}
    for room in world.rooms:
        for event in ("enter", "exit"):
            teleports: list[_Teleport] = []
            stopped = False  # an earlier trigger of this event may stop the later ones
            for trig in room.triggers:
                if trig.event != event:
                    continue
                found, stops = _teleports(trig.code)
                teleports += [t if not stopped else _Teleport(t.code, t.pc, t.target, False) for t in found]
                stopped = stopped or stops
            facts[(event, room.id)] = (teleports, stopped)
    edges: dict[Node, list[_Edge]] = {}
    for (event, room_id), (teleports, _stops) in facts.items():
        exit_teleports, exit_stops = facts[("exit", room_id)]
        for t in teleports:
            if t.target not in rooms:
                continue
            out = edges.setdefault((event, room_id), [])
            # leaving the room fires its exit triggers (again, for a teleport from one of them)
            out.append(_Edge(("exit", room_id), t.certain, t))
            # the move to the target goes ahead unless an exit trigger stops it or moves the player
            reaches = t.certain and not exit_stops and (event == "exit" or not exit_teleports)
            out.append(_Edge(("enter", t.target), reaches, t))
    return edges


def _components(nodes: Sequence[Node], edges: Mapping[Node, Sequence[_Edge]]) -> list[list[Node]]:
    """Strongly connected components that hold a cycle (Tarjan, iterative)."""
    index: dict[Node, int] = {}
    low: dict[Node, int] = {}
    on: set[Node] = set()
    stack: list[Node] = []
    found: list[list[Node]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[Node, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on.add(node)
            outs = edges.get(node, ())
            if i < len(outs):
                work.append((node, i + 1))
                nxt = outs[i].to
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp: list[Node] = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1 or any(e.to == node for e in edges.get(node, ())):
                    found.append(sorted(comp))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return found


def _describe(start: Node, comp: Sequence[Node], edges: Mapping[Node, Sequence[_Edge]]) -> str:
    """The circle as the player would go round it, from ``start`` back to it."""
    inside = set(comp)
    path = [start]
    while True:
        nxt = sorted({e.to for e in edges.get(path[-1], ()) if e.to in inside})
        fresh = [n for n in nxt if n not in path]
        if not fresh:
            path.append(start if start in nxt else nxt[0] if nxt else start)
            break
        path.append(fresh[0])
    return " → ".join(f"{room} {event}" for event, room in path)


def check_teleports(world: model.World, places: Mapping[str, DocPlace], diags: Diagnostics) -> None:
    edges = _graph(world)
    nodes = sorted(edges)
    certain = {n: [e for e in es if e.certain] for n, es in edges.items()}
    sure = _components(nodes, certain)
    covered = {n for comp in sure for n in comp}
    maybe = [c for c in _components(nodes, edges) if not set(c) <= covered]
    for comp, is_error in [(c, True) for c in sure] + [(c, False) for c in maybe]:
        inside = set(comp)
        sites = sorted(
            (e.site for n in comp for e in (certain if is_error else edges).get(n, ()) if e.to in inside),
            key=lambda t: (t.code.file, t.pc),
        )
        site = sites[0]
        graph = certain if is_error else edges
        start = next(n for n in comp for e in graph.get(n, ()) if e.site == site)
        place = places.get(site.code.file)
        if place is None:
            continue
        line = 0
        for entry in site.code.lines:
            if entry.pc > site.pc:
                break
            line = entry.line
        rooms = sorted({room for _event, room in comp})
        what = f"room '{rooms[0]}'" if len(rooms) == 1 else "rooms " + ", ".join(f"'{r}'" for r in rooms)
        if is_error:
            diags.error(
                "MM4020",
                f"teleport loop: {what} teleport the player round in a circle every time"
                f" ({_describe(start, comp, graph)}); after {MAX_CASCADE} nested events the rest is skipped",
                place.span(line),
                "guard a teleport with a condition the loop changes (e.g. a player. variable), or remove one",
            )
        else:
            diags.warning(
                "MM4020",
                f"possible teleport loop: {what} may teleport the player round in a circle"
                f" ({_describe(start, comp, graph)}); after {MAX_CASCADE} nested events the rest is skipped",
                place.span(line),
                "make sure a condition on the way always breaks the circle",
            )
