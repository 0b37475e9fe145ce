"""Softlocks: rooms and items behind guards that never open, and guards that can never be true.

Exits may carry ``when`` guards over state (``world.bridge_down``, ``has(town.key)`` …).  This
check works out what any sequence of players' actions can achieve, by abstract interpretation
of the compiled triggers (``runtime.image`` bytecode) to a fixed point:

- the facts: the values each declared ``bool`` variable can take (at first: its default), the
  rooms players can reach (at first: the start), the objects they can carry and the objects
  that can lie in a room they reach;
- what can run: the world's triggers; the triggers of reachable rooms; of objects that can be
  carried or seen; of NPCs in reachable rooms and their dialogue ``do`` blocks;
- running a trigger explores every path through its code: a ``bool`` variable is each of its
  possible values (one value per path), anything else (numbers, text, ``random``, ``chance``,
  ``player.balance`` …) is unknown and both branches of a test on it are taken; ``has(X)`` and
  ``here(X)`` are false when X can never be carried or seen.  What a path does is kept: values
  ``set``, objects given, rooms teleported to;
- an exit is open when its guard can yield true; its room is then reachable; houses lead from
  their office to the world rooms their exits name; shops in reachable rooms (and vending
  objects that can be seen) sell their stock.

This is an over-approximation (everything that may happen is assumed to happen; a ``stop`` is
assumed not to), so what it reports is certain: MM4022 (error) a guard that can never be true;
MM4023 (warning) a room connected to the start by exits but behind guards that never open;
MM4024 (warning) an object no player can ever get or see.  Rooms not connected at all are
MM4004's business and objects only in such rooms are not reported twice.  Each report names
the shortest path from the start to the reachable room that gets closest, and the exit that
stays shut there.  A trigger whose paths are too many to explore (more than ``BUDGET`` steps)
is taken to do everything it could.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model
from runtime.image.bytecode import BytecodeError, decode

BUDGET = 20_000
"""Instructions explored in one run of one piece of code before giving up on precision."""


class _Top:
    """An unknown value."""

    _instance: _Top | None = None

    def __new__(cls) -> _Top:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "?"


TOP = _Top()
Value = Any  # bool | int | str | _Top


@dataclass
class _Outcome:
    stores: dict[str, set[Value]] = field(default_factory=dict)
    gives: set[str] = field(default_factory=set)
    teleports: set[str] = field(default_factory=set)
    results: set[Value] = field(default_factory=set)


@dataclass
class _Facts:
    values: dict[str, set[Value]]
    rooms: set[str]
    items: set[str]  # can be carried
    present: set[str]  # can lie in a reachable room


def _unknown(code: model.Code, tracked: Mapping[str, set[Value]]) -> _Outcome:
    names = set(code.names)
    return _Outcome({n: {True, False} for n in names if n in tracked}, set(names), set(names), {TOP})


def _run(code: model.Code, facts: _Facts) -> _Outcome:
    """Every path through ``code`` under ``facts`` (see the module doc)."""
    try:
        instrs = decode(code.ops)
    except BytecodeError:
        return _unknown(code, facts.values)
    at = {ins.pc: ins for ins in instrs}
    out = _Outcome()
    work: list[tuple[int, tuple[Value, ...], dict[str, Value]]] = [(0, (), {})]
    steps = 0
    names, consts = code.names, code.consts
    while work:
        pc, stack, env = work.pop()
        while True:
            steps += 1
            if steps > BUDGET:
                return _unknown(code, facts.values)
            ins = at.get(pc)
            if ins is None:
                break
            op = ins.op.name
            nxt = ins.next_pc
            if op == "CONST":
                stack = (*stack, consts[ins.args[0]])
            elif op == "LOAD":
                name = names[ins.args[0]]
                if name in env:
                    stack = (*stack, env[name])
                elif name in facts.values:
                    options = sorted(facts.values[name], key=repr)
                    for v in options[1:]:
                        work.append((nxt, (*stack, v), {**env, name: v}))
                    env = {**env, name: options[0]}
                    stack = (*stack, options[0])
                else:
                    stack = (*stack, TOP)
            elif op == "STORE":
                name = names[ins.args[0]]
                v, stack = stack[-1], stack[:-1]
                if name in facts.values:
                    out.stores.setdefault(name, set()).update({True, False} if v is TOP else {v})
                    env = {**env, name: v}
            elif op == "POP" or op in ("SAY", "ANNOUNCE", "PAY", "CHARGE"):
                stack = stack[:-1]
            elif op == "NOT":
                v = stack[-1]
                stack = (*stack[:-1], (not v) if isinstance(v, bool) else TOP)
            elif op == "NEG":
                v = stack[-1]
                stack = (*stack[:-1], -v if isinstance(v, int) and not isinstance(v, bool) else TOP)
            elif op in _BINARY:
                a, b = stack[-2], stack[-1]
                stack = (*stack[:-2], _binary(op, a, b))
                if stack[-1] is _FAIL:
                    break  # a division by zero: this path ends in an error
            elif op == "JUMP":
                nxt = nxt + ins.args[0]
            elif op == "JUMP_IF_FALSE":
                v, stack = stack[-1], stack[:-1]
                target = nxt + ins.args[0]
                if v is False:
                    nxt = target
                elif v is not True:
                    work.append((target, stack, env))
            elif op in ("AND_JUMP", "OR_JUMP"):
                v = stack[-1]
                target = nxt + ins.args[0]
                stays = op != "AND_JUMP"
                if v is stays:
                    nxt = target
                elif v is (not stays):
                    stack = stack[:-1]
                else:
                    work.append((target, stack, env))
                    stack = stack[:-1]
            elif op == "HAS":
                stack = (*stack, TOP if names[ins.args[0]] in facts.items else False)
            elif op == "HERE":
                stack = (*stack, TOP if names[ins.args[0]] in facts.present else False)
            elif op == "RANDOM":
                stack = (*stack[:-2], TOP)
            elif op in ("CHANCE", "TO_TEXT"):
                stack = (*stack[:-1], TOP)
            elif op == "BUILD":
                n = ins.args[0]
                stack = (*(stack[:-n] if n else stack), TOP)
            elif op == "GIVE":
                out.gives.add(names[ins.args[0]])
            elif op == "TELEPORT":
                out.teleports.add(names[ins.args[0]])
            elif op == "TAKE":
                pass
            elif op == "RETURN":
                out.results.add(stack[-1] if stack else TOP)
                break
            elif op in ("END", "STOP"):
                break
            else:  # an instruction this check does not know: assume the worst
                return _unknown(code, facts.values)
            pc = nxt
    return out


_FAIL = object()
_BINARY = frozenset({"ADD", "SUB", "MUL", "DIV", "CONCAT", "EQ", "NE", "LT", "LE", "GT", "GE"})


def _binary(op: str, a: Value, b: Value) -> Value:
    if a is TOP or b is TOP or isinstance(a, bool) != isinstance(b, bool) or type(a) is not type(b):
        return TOP
    if op == "EQ":
        return a == b
    if op == "NE":
        return a != b
    if isinstance(a, bool):
        return TOP
    try:
        if op == "ADD":
            return a + b
        if op == "SUB":
            return a - b
        if op == "MUL":
            return a * b
        if op == "DIV":
            if b == 0:
                return _FAIL
            q = abs(a) // abs(b)
            return q if (a >= 0) == (b >= 0) else -q
        if op == "CONCAT":
            return a + b
        if op == "LT":
            return a < b
        if op == "LE":
            return a <= b
        if op == "GT":
            return a > b
        if op == "GE":
            return a >= b
    except TypeError:
        return TOP
    return TOP


def can_be_true(outcome: _Outcome) -> bool:
    """Can the expression whose runs these are yield true?"""
    return True in outcome.results or TOP in outcome.results


# ---------------------------------------------------------------------------- the fixed point
@dataclass(frozen=True)
class Analysis:
    rooms: frozenset[str]  # reachable rooms
    items: frozenset[str]  # objects players can carry
    present: frozenset[str]  # objects that can lie in a reachable room
    shut: frozenset[tuple[str, str]]  # (room, direction) of exits whose guard can never be true
    parents: Mapping[str, tuple[str, str]]  # room -> (the room before it, or "", how: a direction …)


def analyse(world: model.World) -> Analysis:
    tracked: dict[str, set[Value]] = {v.name: {v.default} for v in world.state if v.type == "bool"}
    facts = _Facts(tracked, set(), set(), set())
    rooms = {r.id: r for r in world.rooms}
    objects = {o.id: o for o in world.objects}
    shops = {s.id: s for s in world.shops}
    parents: dict[str, tuple[str, str]] = {}
    depth: dict[str, int] = {}
    cache: dict[tuple[Any, ...], _Outcome] = {}

    def run(code: model.Code) -> _Outcome:
        key = (id(code),
               tuple((n, frozenset(facts.values[n])) for n in code.names if n in facts.values),
               tuple(n in facts.items for n in code.names), tuple(n in facts.present for n in code.names))
        got = cache.get(key)
        if got is None:
            got = _run(code, facts)
            cache[key] = got
        return got

    def reach(room: str, parent: str, how: str) -> bool:
        if room in rooms and room not in facts.rooms:
            facts.rooms.add(room)
            parents[room] = (parent, how)
            depth[room] = depth.get(parent, -1) + 1
            return True
        return False

    reach(world.start, "", "start")
    while True:
        before = (sum(len(v) for v in facts.values.values()), len(facts.rooms), len(facts.items), len(facts.present))
        # rooms, breadth first through open exits (so parents give shortest paths)
        queue = deque(sorted(facts.rooms, key=lambda r: (depth[r], r)))
        while queue:
            here = queue.popleft()
            for e in rooms[here].exits:
                if (e.when is None or can_be_true(run(e.when))) and reach(e.to, here, e.direction):
                    queue.append(e.to)
        for h in world.housing:
            if h.office in facts.rooms:
                for t in h.templates:
                    for hr in t.rooms:
                        for he in hr.exits:
                            if not he.local:
                                reach(he.to, h.office, "house")
        # things
        for rid in list(facts.rooms):
            for oid in rooms[rid].objects:
                facts.present.add(oid)
                if oid in objects and objects[oid].takeable:
                    facts.items.add(oid)
        for s in world.shops:
            if s.room in facts.rooms:
                facts.items.update(i.item for i in s.stock)
        for oid in list(facts.present | facts.items):
            o = objects.get(oid)
            if o is not None and o.shop is not None and o.shop in shops:
                facts.items.update(i.item for i in shops[o.shop].stock)
        facts.present.update(i for i in facts.items if i in objects and objects[i].takeable)
        # what can run
        for code in _runnable(world, facts, rooms, objects):
            got = run(code)
            for name, vals in got.stores.items():
                facts.values[name].update(vals)
            facts.items.update(g for g in got.gives if g in objects)
            for target in sorted(got.teleports):
                reach(target, "", "teleport")
        after = (sum(len(v) for v in facts.values.values()), len(facts.rooms), len(facts.items), len(facts.present))
        if after == before:
            break
    shut = frozenset((r.id, e.direction) for r in world.rooms for e in r.exits
                     if e.when is not None and not can_be_true(run(e.when)))
    return Analysis(frozenset(facts.rooms), frozenset(facts.items), frozenset(facts.present), shut, parents)


def _runnable(world: model.World, facts: _Facts, rooms: Mapping[str, model.Room],
              objects: Mapping[str, model.Object]) -> Iterable[model.Code]:
    yield from (t.code for t in world.triggers)
    for rid in sorted(facts.rooms):
        yield from (t.code for t in rooms[rid].triggers)
    for oid in sorted(facts.present | facts.items):
        o = objects.get(oid)
        if o is not None:
            yield from (t.code for t in o.triggers)
    for n in world.npcs:
        if n.room in facts.rooms:
            yield from (t.code for t in n.triggers)
            yield from (node.do for node in n.dialogue if node.do is not None)


# ---------------------------------------------------------------------------- reports
def _connected(world: model.World) -> set[str]:
    """Rooms connected to the start by exits at all (guards ignored), houses and teleports."""
    from compiler.checks.graph import room_edges

    edges = room_edges(world)
    seen = {world.start, ""}
    queue = deque([world.start, ""])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _path(a: Analysis, room: str) -> list[str]:
    out = [room]
    seen = {room}
    while a.parents.get(room, ("", ""))[0]:
        room = a.parents[room][0]
        if room in seen:
            break
        seen.add(room)
        out.append(room)
    if a.parents.get(room, ("", ""))[1] in ("teleport",):
        out.append("(teleport)")
    return list(reversed(out))


def _closest(world: model.World, a: Analysis, target: str) -> tuple[list[str], model.Exit | None]:
    """The shortest path to the reachable room fewest exits away from ``target``, and the shut
    exit there that leads towards it."""
    back: dict[str, set[tuple[str, model.Exit]]] = {}
    for r in world.rooms:
        for e in r.exits:
            back.setdefault(e.to, set()).add((r.id, e))
    dist = {target: 0}
    queue = deque([target])
    while queue:
        here = queue.popleft()
        for prev, _e in sorted(back.get(here, ()), key=lambda p: (p[0], p[1].direction)):
            if prev not in dist:
                dist[prev] = dist[here] + 1
                queue.append(prev)
    candidates = [r for r in a.rooms if r in dist]
    if not candidates:
        return [], None
    best = min(candidates, key=lambda r: (dist[r], len(_path(a, r)), r))
    rooms = {r.id: r for r in world.rooms}
    door = next((e for e in rooms[best].exits if e.to in dist and dist[e.to] == dist[best] - 1
                 and (best, e.direction) not in _open_exits(a, rooms[best])), None)
    return _path(a, best), door


def _open_exits(a: Analysis, room: model.Room) -> set[tuple[str, str]]:
    return {(room.id, e.direction) for e in room.exits if e.when is None or (room.id, e.direction) not in a.shut}


def _guard_words(code: model.Code | None) -> str:
    """What a guard waits for, in the author's words: ``world.door_open``, ``has(town.key)``."""
    if code is None:
        return ""
    try:
        instrs = decode(code.ops)
    except BytecodeError:
        return "its condition"
    shown: list[str] = []
    for ins in instrs:
        if ins.op.name in ("LOAD", "HAS", "HERE") and ins.args[0] < len(code.names):
            name = code.names[ins.args[0]]
            word = name if ins.op.name == "LOAD" else f"{ins.op.name.lower()}({name})"
            if word not in shown:
                shown.append(word)
    return " and ".join(shown[:3]) or "its condition"


def _where(path: Sequence[str], door: model.Exit | None) -> str:
    if not path:
        return "no reachable room leads towards it"
    text = "the closest a player gets is " + " -> ".join(path)
    if door is not None:
        text += f", where exit {door.direction} (guarded by {_guard_words(door.when)}) never opens"
    return text


def check_softlocks(world: model.World, spans: Mapping[str, Span], when_spans: Mapping[tuple[str, str], Span],
                    diags: Diagnostics) -> Analysis:
    a = analyse(world)
    for rid, d in sorted(a.shut):
        span = when_spans.get((rid, d))
        if span is None:
            continue
        room = next(r for r in world.rooms if r.id == rid)
        ex = next(e for e in room.exits if e.direction == d)
        diags.error(
            "MM4022",
            f"the guard of exit {d} from '{rid}' can never be true, so the exit never opens",
            span,
            f"make {_guard_words(ex.when)} able to become true (a trigger or dialogue that sets it, an object"
            " players can get), or remove the guard",
        )
    connected = _connected(world)
    for room in world.rooms:
        if room.id in a.rooms or room.id not in connected or room.id not in spans:
            continue
        path, door = _closest(world, a, room.id)
        diags.warning(
            "MM4023",
            f"room '{room.id}' ({room.name}) can never be reached: every way in is behind a guard that"
            f" never opens; {_where(path, door)}",
            spans[room.id],
            "let something a player can do make that guard true, or add another way in",
        )
    placed: dict[str, list[str]] = {}
    for room in world.rooms:
        for oid in room.objects:
            placed.setdefault(oid, []).append(room.id)
    handed = _handed_out(world)
    for obj in world.objects:
        if obj.id in a.items or obj.id in a.present or obj.id not in spans:
            continue
        where = placed.get(obj.id, [])
        if where and not any(r in connected for r in where) and obj.id not in handed:
            continue  # only in rooms MM4004 reports
        if not where and obj.id not in handed:
            text = f"object '{obj.id}' ({obj.name}) can never be reached: no room holds it, no trigger gives it" \
                   " and no shop sells it"
            hint = "place it in a room (objects: [...]), give it in a trigger, or sell it in a shop"
        else:
            home = next((r for r in where if r in connected), where[0] if where else "")
            path, door = _closest(world, a, home) if home else ([], None)
            text = f"object '{obj.id}' ({obj.name}) can never be reached by any player"
            text += f": it lies in '{home}'; {_where(path, door)}" if home else ": whatever gives or sells it never runs"
            hint = "make the way to it open, or place it where players can go"
        diags.warning("MM4024", text, spans[obj.id], hint)
    return a


def _handed_out(world: model.World) -> set[str]:
    """Objects some trigger gives or some shop sells (whether or not that can happen)."""
    out = {i.item for s in world.shops for i in s.stock}
    codes = [t.code for t in world.triggers] + [t.code for r in world.rooms for t in r.triggers]
    codes += [t.code for o in world.objects for t in o.triggers] + [t.code for n in world.npcs for t in n.triggers]
    codes += [node.do for n in world.npcs for node in n.dialogue if node.do is not None]
    for code in codes:
        try:
            for ins in decode(code.ops):
                if ins.op.name == "GIVE" and ins.args[0] < len(code.names):
                    out.add(code.names[ins.args[0]])
        except BytecodeError:
            continue
    return out
