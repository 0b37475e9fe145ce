"""How long can a text get?  A bound for every text variable and message, proved over the whole
world (MM3015), so that a world cannot make one command build gigabytes of text.

Texts are built only from the world's own parts: literals, names, numbers, and text variables,
which triggers set from those.  The check runs every piece of trigger bytecode abstractly, with
each value replaced by the most characters its text can have; a ``set`` of a text variable
raises that variable's bound.  Bounds are raised round after round until nothing changes; a
variable still growing after as many rounds as there are text variables feeds itself (``set
player.s = player.s + "x"``, directly or through others) and has no bound at all.  A variable
or message that can pass ``MAX_TEXT`` characters is an error at the ``set``, ``say`` or
``announce`` that makes it: at run time the VM would refuse to build it (the command fails).

Working on bytecode (jumps only go forward) keeps this exact for ``if``/``else``: the two
branches' bounds meet where they join.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model
from runtime.image.bytecode import BytecodeError, Instr, decode, line_at
from runtime.image.money import MAX_AMOUNT, format_amount
from runtime.image.opcodes import MAX_TEXT

UNBOUNDED = 10**9
"""Stands for "no bound": larger than any text we would let through, small enough to add."""
PLAYER_NAME_BOUND = 40
"""Characters of ``player.name`` (the engine makes names of at most about 26)."""
BOOL_TEXT = len("false")


@dataclass(frozen=True)
class DocPlace:
    """Where a document sits in its file, to turn a ``Code`` line (document-relative) into a
    position: the statement's first character on that line."""

    file: str
    line_base: int
    lines: Sequence[str]

    def span(self, line: int) -> Span:
        n = self.line_base + max(line, 1)
        text = self.lines[n - 1] if 0 < n <= len(self.lines) else ""
        return Span(self.file, n, len(text) - len(text.lstrip()) + 1)


@dataclass(frozen=True)
class _Site:
    code: model.Code
    pc: int


_Val = tuple[int, frozenset[str]]
"""A value's most characters, and the text variables it was built from."""


@dataclass(frozen=True)
class _Found:
    site: _Site
    var: str  # the variable set here; "" for a message
    bound: int
    sources: frozenset[str]


def world_codes(world: model.World) -> Iterator[model.Code]:
    """Every trigger body and dialogue ``do`` (expressions cannot store or speak)."""
    yield from (t.code for t in world.triggers)
    for r in world.rooms:
        yield from (t.code for t in r.triggers)
    for o in world.objects:
        yield from (t.code for t in o.triggers)
    for n in world.npcs:
        yield from (t.code for t in n.triggers)
        yield from (node.do for node in n.dialogue if node.do is not None)


class _Bounds:
    def __init__(self, world: model.World) -> None:
        self.types = {v.name: v.type for v in world.state}
        self.text: dict[str, int] = {v.name: len(str(v.default)) for v in world.state if v.type == "text"}
        cur = world.currency
        money = max(len(format_amount(-MAX_AMOUNT, cur)), len(format_amount(-(MAX_AMOUNT - 1), cur)))
        if cur.mode == "multitier":  # every tier may show: "123g45s6c"
            money = 1 + sum(len(str(MAX_AMOUNT // max(t.value, 1))) + len(t.short) for t in cur.tiers)
        self.by_kind = {0: len(str(-MAX_AMOUNT)), 1: BOOL_TEXT, 2: money}
        house_rooms = [hr.name for h in world.housing for t in h.templates for hr in t.rooms]
        names = [r.name for r in world.rooms] + [n.replace("{owner}", "") for n in house_rooms]
        self.fixed = {
            "player.name": PLAYER_NAME_BOUND,
            "player.balance": money,
            "room.name": max((len(n) for n in names), default=0) + PLAYER_NAME_BOUND,
            "self.name": max((len(n) for n in [o.name for o in world.objects] + [p.name for p in world.npcs]), default=0),
        }

    def _value(self, name: str) -> int:
        if name in self.fixed:
            return self.fixed[name]
        kind = self.types.get(name)
        if kind == "text":
            return self.text.get(name, 0)
        return self.by_kind[{"bool": 1, "money": 2}.get(kind or "", 0)]

    def run(self, code: model.Code, instrs: Sequence[Instr]) -> tuple[dict[str, int], list[_Found]]:
        """Abstractly run ``code``: the bound of every text stored per variable, and every
        store or message with its bound and the text variables it was built from."""
        index = {ins.pc: i for i, ins in enumerate(instrs)}
        # per instruction: the stack (bound, built from) and what this run has set so far
        incoming: list[tuple[list[_Val], dict[str, _Val]] | None] = [None] * len(instrs)
        if instrs:
            incoming[0] = ([], {})
        stores: dict[str, int] = {}
        found: list[_Found] = []
        none: frozenset[str] = frozenset()

        def join(a: _Val, b: _Val) -> _Val:
            return max(a[0], b[0]), a[1] | b[1]

        def flow(target: int, stack: list[_Val], local: dict[str, _Val]) -> None:
            j = index.get(target)
            if j is None:
                return
            seen = incoming[j]
            if seen is None:
                incoming[j] = (list(stack), dict(local))
            elif len(seen[0]) == len(stack):
                merged = {k: join(seen[1].get(k, self._loaded(k)), local.get(k, self._loaded(k)))
                          for k in seen[1].keys() | local.keys()}
                incoming[j] = ([join(a, b) for a, b in zip(seen[0], stack, strict=True)], merged)

        for i, ins in enumerate(instrs):
            here = incoming[i]
            if here is None:
                continue
            stack, local = list(here[0]), dict(here[1])
            name, args = ins.op.name, ins.args
            try:
                if name == "CONST":
                    stack.append((min(len(str(code.consts[args[0]])), UNBOUNDED), none))
                elif name == "LOAD":
                    var = code.names[args[0]]
                    stack.append(local[var] if var in local else self._loaded(var))
                elif name == "STORE":
                    var = code.names[args[0]]
                    value = stack.pop()
                    if self.types.get(var) == "text":
                        local[var] = value
                        stores[var] = max(stores.get(var, 0), value[0])
                        found.append(_Found(_Site(code, ins.pc), var, value[0], value[1]))
                elif name == "CONCAT":
                    b, a = stack.pop(), stack.pop()
                    stack.append((min(a[0] + b[0], UNBOUNDED), a[1] | b[1]))
                elif name == "BUILD":
                    count = args[0]
                    parts = stack[len(stack) - count :] if count else []
                    del stack[len(stack) - count :]
                    stack.append((min(sum(p[0] for p in parts), UNBOUNDED), none.union(*(p[1] for p in parts))))
                elif name == "TO_TEXT":
                    v = stack.pop()
                    stack.append(v if args[0] == 3 else (self.by_kind[args[0]], none))
                elif name in ("SAY", "ANNOUNCE"):
                    v = stack.pop()
                    found.append(_Found(_Site(code, ins.pc), "", v[0], v[1]))
                else:
                    pops = ins.op.pops
                    del stack[len(stack) - pops :]
                    kind = 1 if name in ("NOT", "EQ", "NE", "LT", "LE", "GT", "GE", "HAS", "HERE", "CHANCE") else 0
                    stack.extend([(self.by_kind[kind], none)] * ins.op.pushes)
            except (IndexError, KeyError):
                return {}, []  # malformed: the verifier reports it
            if ins.op.terminal:
                continue
            if "jump" in ins.op.operands:
                target = ins.next_pc + args[0]
                if name == "JUMP":
                    flow(target, stack, local)
                elif name == "JUMP_IF_FALSE":
                    flow(ins.next_pc, stack, local)
                    flow(target, stack, local)
                else:  # AND_JUMP / OR_JUMP: the jump keeps the value, the fall-through pops it
                    flow(target, stack, local)
                    flow(ins.next_pc, stack[:-1], local)
            else:
                flow(ins.next_pc, stack, local)
        return stores, found

    def _loaded(self, name: str) -> _Val:
        return self._value(name), (frozenset((name,)) if self.types.get(name) == "text" else frozenset())


def _decoded(world: model.World) -> list[tuple[model.Code, list[Instr]]]:
    out = []
    for code in world_codes(world):
        try:
            out.append((code, decode(code.ops)))
        except BytecodeError:
            continue  # the verifier reports it
    return out


def check_text_bounds(world: model.World, places: Mapping[str, DocPlace], diags: Diagnostics) -> None:
    b = _Bounds(world)
    codes = _decoded(world)
    text_vars = set(b.text)
    # only code that sets a text variable can raise a bound
    setters = [(c, ins) for c, ins in codes if any(
        i.op.name == "STORE" and i.args and i.args[0] < len(c.names) and c.names[i.args[0]] in text_vars
        for i in ins)]
    rounds = len(text_vars) + 1
    growing: set[str] = set()
    for _ in range(rounds + 1):
        changed: set[str] = set()
        for code, instrs in setters:
            for var, value in b.run(code, instrs)[0].items():
                if value > b.text[var]:
                    b.text[var] = min(value, UNBOUNDED)
                    changed.add(var)
        if not changed:
            break
        growing = changed
    else:  # still growing after every chain of text variables: something feeds itself
        for var in growing:
            b.text[var] = UNBOUNDED
        for _ in range(rounds):  # and whatever is built from it
            stable = True
            for code, instrs in setters:
                for var, value in b.run(code, instrs)[0].items():
                    if value >= UNBOUNDED > b.text[var]:
                        b.text[var] = UNBOUNDED
                        stable = False
            if stable:
                break
    # which text variables each one is built from, set by set
    deps: dict[str, set[str]] = {}
    for code, instrs in setters:
        for f in b.run(code, instrs)[1]:
            if f.var:
                deps.setdefault(f.var, set()).update(f.sources)

    def feeds_itself(var: str) -> bool:
        seen: set[str] = set()
        todo = list(deps.get(var, ()))
        while todo:
            n = todo.pop()
            if n == var:
                return True
            if n not in seen:
                seen.add(n)
                todo.extend(deps.get(n, ()))
        return False

    reported: set[str] = set()
    for code, instrs in codes:
        place = places.get(code.file)
        if place is None:
            continue
        for f in b.run(code, instrs)[1]:
            site, var, value = f.site, f.var, f.bound
            if value <= MAX_TEXT:
                continue
            span = place.span(line_at(site.code, site.pc))
            if var:
                if var in reported:
                    continue
                reported.add(var)
                sources = sorted(n for n in f.sources if n != var and b.text.get(n, 0) >= UNBOUNDED)
                if value >= UNBOUNDED and (feeds_itself(var) or not sources):
                    message = f"'{var}' can grow without limit: it is set from itself, so every run makes it longer"
                    hint = "set it from fixed parts (literals, names, numbers), not from its own value"
                elif value >= UNBOUNDED:
                    message = f"'{var}' can grow without limit: it is built from '{sources[0]}', which does"
                    hint = f"fix '{sources[0]}' first, or build '{var}' from fixed parts"
                else:
                    message = f"'{var}' may be set to {value:,} characters here; a text holds at most {MAX_TEXT:,}"
                    hint = "build shorter texts; at run time a longer one fails the command"
                diags.error("MM3015", message, span, hint)
            elif value < UNBOUNDED:  # (a message built from a growing variable: reported at its set)
                diags.error(
                    "MM3015",
                    f"this message may be {value:,} characters long; a text holds at most {MAX_TEXT:,}",
                    span,
                    "say less at once; at run time a longer message fails the command",
                )
