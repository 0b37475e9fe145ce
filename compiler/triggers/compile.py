"""Type-checking trigger ASTs against the declared state and lowering them to bytecode.

One pass: each expression is checked and its code emitted together; a problem is reported
(positioned, quoting the author's text, with a hint) and compilation carries on so one run
reports as much as it can; the result is None when anything was reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from compiler.diagnostics import Diagnostics, Span, a_or_an, did_you_mean
from compiler.triggers import ast
from compiler.triggers.context import TriggerContext
from compiler.triggers.parser import ParseFailed, Problem, parse_block, parse_expression
from runtime.image.bytecode import bounds, decode
from runtime.image.events import CANCELLABLE
from runtime.image.model import Code, LineEntry, Scalar
from runtime.image.opcodes import BY_NAME, MAX_MESSAGES, MAX_STEPS, TEXT_KINDS
from runtime.image.words import count

VALUE_EXAMPLES = {
    "bool": "true or false",
    "int": "a whole number, e.g. 3",
    "money": "an amount in the currency notation, e.g. 10.00",
    "text": 'text, e.g. "hello"',
}
READ_ONLY = {"player.name": "text", "player.balance": "money", "room.name": "text", "self.name": "text"}
FUNCTIONS = {"has": 1, "here": 1, "random": 2, "chance": 1}
ARITH = {"+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV"}
COMPARE = {"==": "EQ", "!=": "NE", "<": "LT", "<=": "LE", ">": "GT", ">=": "GE"}


class _Failed(Exception):
    """Raised inside one expression after its problem was reported, to skip the rest of it."""


@dataclass
class _Emitter:
    ops: bytearray = field(default_factory=bytearray)
    consts: list[Scalar] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    lines: list[LineEntry] = field(default_factory=list)

    def const(self, value: Scalar) -> int:
        for i, c in enumerate(self.consts):
            if type(c) is type(value) and c == value:
                return i
        self.consts.append(value)
        return len(self.consts) - 1

    def name(self, value: str) -> int:
        if value not in self.names:
            self.names.append(value)
        return self.names.index(value)

    def emit(self, opname: str, *args: int, line: int = 0) -> int:
        op = BY_NAME[opname]
        assert len(args) == len(op.operands), opname
        at = len(self.ops)
        if line and (not self.lines or self.lines[-1].line != line):
            self.lines.append(LineEntry(at, line))
        self.ops.append(op.code)
        for a in args:
            self.ops += a.to_bytes(2, "big")
        return at

    def patch_jump(self, at: int) -> None:
        """Point the jump at ``at`` to the current end."""
        offset = len(self.ops) - (at + 3)
        self.ops[at + 1 : at + 3] = offset.to_bytes(2, "big")


class _Compiler:
    def __init__(self, ctx: TriggerContext, origin: Callable[[int, int], Span], diags: Diagnostics) -> None:
        self.ctx = ctx
        self.origin = origin
        self.diags = diags
        self.e = _Emitter()
        self.failed = False

    # ---- reporting
    def span(self, pos: ast.Pos) -> Span:
        return self.origin(pos[0], pos[1])

    def line(self, pos: ast.Pos) -> int:
        """Line for the line table: relative to the document, so moving it between files keeps the image."""
        return max(1, self.span(pos).line - self.ctx.line_base)

    def error(self, code: str, message: str, pos: ast.Pos, hint: str | None = None) -> None:
        self.failed = True
        self.diags.error(code, message, self.span(pos), hint)

    # ---- scopes
    def _scope_problem(self, name: str) -> str | None:
        scope = name.split(".", 1)[0]
        owner, event = self.ctx.owner, self.ctx.event
        if scope == "self" and owner not in ("object", "npc", "dialogue"):
            return f"'{name}': there is no 'self' in {a_or_an(owner)} trigger (only objects and NPCs have one)"
        if scope == "room" and owner == "world" and event != "login":
            return f"'{name}': a world '{event}' trigger has no room"
        if scope == "player" and event == "tick":
            return f"'{name}': a tick trigger has no acting player"
        return None

    def var_type(self, name: str, pos: ast.Pos, writing: bool) -> str:
        problem = self._scope_problem(name)
        if problem:
            self.error(
                "MM3008", problem, pos, "use world.x variables here, or move the code to another trigger"
            )
            raise _Failed
        if name in READ_ONLY:
            if writing:
                self.error(
                    "MM3003",
                    f"'{name}' is read-only",
                    pos,
                    "declare your own variable in the world's state: and set that",
                )
                raise _Failed
            return READ_ONLY[name]
        var = self.ctx.state.get(name)
        if var is None:
            known = list(self.ctx.state) + list(READ_ONLY)
            if name in self.ctx.ids:
                self.error(
                    "MM3002",
                    f"'{name}' is {a_or_an(self.ctx.ids[name])}, not a variable",
                    pos,
                    "variables are declared under state: in the world document",
                )
                raise _Failed
            scope = name.split(".", 1)[0]
            hint = did_you_mean(name, known)
            if scope not in ("world", "player", "room", "self"):
                hint = hint or "variables start with world., player., room. or self."
            self.error(
                "MM3002",
                f"unknown variable '{name}'",
                pos,
                hint
                or f"declare it under state: in the world document, e.g. {name}: {{type: int, default: 0}}",
            )
            raise _Failed
        return var.type

    def check_id(self, target: str, pos: ast.Pos, kind: str, what: str) -> None:
        actual = self.ctx.ids.get(target)
        if actual is None and target.lower() in self.ctx.unsure:
            self.failed = True  # its definition is broken, and reported there
            raise _Failed
        if actual is None:
            candidates = [i for i, k in self.ctx.ids.items() if k == kind and i.lower() not in self.ctx.unsure]
            self.error(
                "MM3005",
                f"{what} '{target}' does not exist",
                pos,
                did_you_mean(target, candidates) or f"name {a_or_an(kind)} id defined in the world",
            )
            raise _Failed
        if actual != kind:
            self.error(
                "MM3006",
                f"'{target}' is {a_or_an(actual)}, but {what} needs {a_or_an(kind)}",
                pos,
                did_you_mean(target, [i for i, k in self.ctx.ids.items() if k == kind]),
            )
            raise _Failed

    # ---- expressions
    def expr(self, node: ast.Expr) -> str:
        """Emit code for ``node``; return its type."""
        e = self.e
        if isinstance(node, ast.Lit):
            e.emit("CONST", e.const(node.value), line=self.line(node.pos))
            return node.type
        if isinstance(node, ast.Var):
            t = self.var_type(node.name, node.pos, writing=False)
            e.emit("LOAD", e.name(node.name), line=self.line(node.pos))
            return t
        if isinstance(node, ast.Interp):
            return self.interp(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Unary):
            t = self.expr(node.operand)
            if node.op == "not":
                if t != "bool":
                    self.error(
                        "MM3004",
                        f"'not' needs true/false, but this is {t}",
                        node.pos,
                        "compare it first, e.g. not (x == 0)",
                    )
                    raise _Failed
                e.emit("NOT", line=self.line(node.pos))
                return "bool"
            if t not in ("int", "money"):
                self.error(
                    "MM3004",
                    f"'-' needs a number or money, but this is {t}",
                    node.operand.pos,
                    "negate a whole number or an amount, e.g. -1 or -2.50",
                )
                raise _Failed
            e.emit("NEG", line=self.line(node.pos))
            return t
        return self.binary(node)

    def binary(self, node: ast.Binary) -> str:
        e = self.e
        line = self.line(node.pos)
        if node.op in ("and", "or"):
            lt = self.expr(node.left)
            if lt != "bool":
                self.error(
                    "MM3004",
                    f"'{node.op}' needs true/false on the left, but this is {lt}",
                    node.left.pos,
                    f"compare it first, e.g. x > 0 {node.op} …",
                )
                raise _Failed
            at = e.emit("AND_JUMP" if node.op == "and" else "OR_JUMP", 0, line=line)
            rt = self.expr(node.right)
            if rt != "bool":
                self.error(
                    "MM3004",
                    f"'{node.op}' needs true/false on the right, but this is {rt}",
                    node.right.pos,
                    f"compare it first, e.g. … {node.op} x > 0",
                )
                raise _Failed
            e.patch_jump(at)
            return "bool"
        lt = self.expr(node.left)
        rt = self.expr(node.right)
        if node.op in COMPARE:
            if lt != rt:
                hint = (
                    "write money amounts in the currency notation, e.g. 10.00"
                    if "money" in (lt, rt)
                    else None
                )
                self.error("MM3004", f"cannot compare {lt} with {rt} using '{node.op}'", node.pos, hint)
                raise _Failed
            if node.op not in ("==", "!=") and lt in ("bool", "text"):
                self.error(
                    "MM3004", f"'{node.op}' compares numbers or money, not {lt}", node.pos, "use == or !="
                )
                raise _Failed
            e.emit(COMPARE[node.op], line=line)
            return "bool"
        # arithmetic
        if node.op == "+" and lt == "text" and rt == "text":
            e.emit("CONCAT", line=line)
            return "text"
        result = _arith_type(node.op, lt, rt)
        if result is None:
            self.error(
                "MM3004", f"cannot use '{node.op}' on {lt} and {rt}", node.pos, _arith_hint(node.op, lt, rt)
            )
            raise _Failed
        e.emit(ARITH[node.op], line=line)
        return result

    def call(self, node: ast.Call) -> str:
        e = self.e
        line = self.line(node.pos)
        if node.name not in FUNCTIONS:
            self.error(
                "MM3012",
                f"unknown function '{node.name}'",
                node.pos,
                did_you_mean(node.name, FUNCTIONS) or "functions: has, here, random, chance",
            )
            raise _Failed
        want = FUNCTIONS[node.name]
        if len(node.args) != want:
            self.error(
                "MM3012",
                f"{node.name}() takes {count(want, 'argument')}, not {len(node.args)}",
                node.pos,
                {
                    "has": "has(town.lantern)",
                    "here": "here(town.lantern)",
                    "random": "random(1, 6)",
                    "chance": "chance(50)",
                }[node.name],
            )
            raise _Failed
        if node.name in ("has", "here"):
            arg = node.args[0]
            if not isinstance(arg, ast.Var):
                self.error(
                    "MM3012", f"{node.name}() takes an object id", arg.pos, f"{node.name}(town.lantern)"
                )
                raise _Failed
            self.check_id(arg.name, arg.pos, "object", f"{node.name}()")
            e.emit("HAS" if node.name == "has" else "HERE", e.name(arg.name), line=line)
            return "bool"
        for arg in node.args:
            t = self.expr(arg)
            if t != "int":
                self.error("MM3012", f"{node.name}() takes whole numbers, but this is {t}", arg.pos)
                raise _Failed
        if node.name == "random":
            lo, hi = node.args
            if isinstance(lo, ast.Lit) and isinstance(hi, ast.Lit) and int(lo.value) > int(hi.value):
                self.error(
                    "MM3014",
                    f"random({lo.raw}, {hi.raw}): the low end is above the high end",
                    node.pos,
                    f"random({hi.raw}, {lo.raw})",
                )
                raise _Failed
            e.emit("RANDOM", line=line)
            return "int"
        e.emit("CHANCE", line=line)
        return "bool"

    def interp(self, node: ast.Interp) -> str:
        e = self.e
        line = self.line(node.pos)
        count = 0
        for part in node.parts:
            if isinstance(part, str):
                e.emit("CONST", e.const(part), line=line)
            else:
                t = self.expr(part)
                if t != "text":
                    e.emit("TO_TEXT", TEXT_KINDS[t], line=line)
            count += 1
        if count != 1:
            e.emit("BUILD", count, line=line)
        return "text"

    # ---- statements
    def block(self, stmts: tuple[ast.Stmt, ...]) -> None:
        for s in stmts:
            try:
                self.stmt(s)
            except _Failed:
                continue

    def _needs_player(self, what: str, pos: ast.Pos) -> None:
        if self.ctx.event == "tick":
            self.error(
                "MM3008",
                f"'{what}' needs an acting player, and a tick trigger has none",
                pos,
                "use announce, or set a variable a player-driven trigger reads",
            )
            raise _Failed

    def stmt(self, s: ast.Stmt) -> None:
        e = self.e
        line = self.line(s.pos)
        if isinstance(s, (ast.Say, ast.Announce)):
            self.interp(s.text)
            e.emit("SAY" if isinstance(s, ast.Say) else "ANNOUNCE", line=line)
        elif isinstance(s, ast.Set):
            t = self.var_type(s.name, s.name_pos, writing=True)
            vt = self.expr(s.value)
            if vt != t:
                self.error(
                    "MM3004",
                    f"'{s.name}' is {t}, but the value is {vt}",
                    s.value.pos,
                    f"'{s.name}' is declared as {t} in the world's state:, so give it {VALUE_EXAMPLES[t]}",
                )
                raise _Failed
            e.emit("STORE", e.name(s.name), line=line)
        elif isinstance(s, ast.IdStmt):
            self._needs_player(s.op, s.pos)
            kind = "room" if s.op == "teleport" else "object"
            self.check_id(s.target, s.target_pos, kind, s.op)
            e.emit(s.op.upper(), e.name(s.target), line=line)
        elif isinstance(s, ast.MoneyStmt):
            self._needs_player(s.op, s.pos)
            t = self.expr(s.amount)
            if t != "money":
                self.error(
                    "MM3004",
                    f"'{s.op}' needs money, but this is {t}",
                    s.amount.pos,
                    "write an amount in the currency notation, e.g. 10.00",
                )
                raise _Failed
            e.emit(s.op.upper(), line=line)
        elif isinstance(s, ast.Stop):
            if self.ctx.event not in CANCELLABLE:
                self.error(
                    "MM3007",
                    "'stop' cannot cancel " + a_or_an(f"'{self.ctx.event}' event"),
                    s.pos,
                    "stop works in " + ", ".join(sorted(CANCELLABLE)) + " triggers",
                )
                raise _Failed
            e.emit("STOP", line=line)
        else:
            self.if_stmt(s)

    def if_stmt(self, s: ast.If) -> None:
        e = self.e
        line = self.line(s.pos)
        t = self.expr(s.cond)
        if t != "bool":
            self.error(
                "MM3004",
                f"'if' needs true/false, but this is {t}",
                s.cond.pos,
                "compare it, e.g. if x > 0 { … }",
            )
            raise _Failed
        jf = e.emit("JUMP_IF_FALSE", 0, line=line)
        self.block(s.then)
        if s.orelse:
            j = e.emit("JUMP", 0, line=line)
            e.patch_jump(jf)
            self.block(s.orelse)
            e.patch_jump(j)
        else:
            e.patch_jump(jf)


def _arith_type(op: str, lt: str, rt: str) -> str | None:
    if lt == rt == "int":
        return "int"
    if op in ("+", "-") and lt == rt == "money":
        return "money"
    if op == "*" and {lt, rt} == {"money", "int"}:
        return "money"
    if op == "/" and lt == "money" and rt == "int":
        return "money"
    return None


def _arith_hint(op: str, lt: str, rt: str) -> str | None:
    if "money" in (lt, rt) and "int" in (lt, rt):
        return "money can be multiplied or divided by a whole number; add money to money (e.g. 1.00)"
    if "text" in (lt, rt):
        return 'put values into text with {…}: "You have {player.balance}"'
    return None


def compile_source(
    source: str,
    ctx: TriggerContext,
    origin: Callable[[int, int], Span],
    diags: Diagnostics,
    expect: str | None,
) -> Code | None:
    problems: list[Problem] = []
    c = _Compiler(ctx, origin, diags)
    try:
        if expect is None:
            tree: tuple[ast.Stmt, ...] | ast.Expr = parse_block(source, ctx.currency, problems)
        else:
            tree = parse_expression(source.strip(), ctx.currency, problems)
    except ParseFailed as exc:
        problems.append(exc.problem)
        tree = ()
    for p in problems:
        c.error(p.code, p.message, p.pos, p.hint)
    if problems:
        return None
    if isinstance(tree, tuple):
        c.block(tree)
        c.e.emit("END", line=c.e.lines[-1].line if c.e.lines else c.line((1, 1)))
    else:
        try:
            t = c.expr(tree)
            if expect is not None and t != expect:
                shown = " ".join(source.split())
                shown = shown if len(shown) <= 60 else shown[:59] + "…"
                c.error(
                    "MM3004",
                    f"the condition '{shown}' is {t}, but it must be true/false",
                    tree.pos,
                    f"compare it, e.g. {shown} > 0" if t in ("int", "money") else "compare it, e.g. world.count > 0",
                )
            c.e.emit("RETURN", line=c.line(tree.pos))
        except _Failed:
            pass
    if c.failed:
        return None
    ops = bytes(c.e.ops)
    steps, msgs = bounds(decode(ops))
    if steps > MAX_STEPS:
        c.error(
            "MM3009",
            f"this trigger may run {steps} instructions; the limit is {MAX_STEPS}",
            (1, 1),
            "split it into several triggers or simplify the conditions",
        )
    if msgs > MAX_MESSAGES:
        c.error(
            "MM3010",
            f"this trigger may send {msgs} messages at once; the limit is {MAX_MESSAGES}",
            (1, 1),
            "join messages into one say, or send fewer (each costs airtime)",
        )
    if c.failed:
        return None
    return Code(
        ops=ops,
        consts=tuple(c.e.consts),
        names=tuple(c.e.names),
        lines=tuple(c.e.lines),
        file=ctx.file,
        max_steps=steps,
        max_messages=msgs,
    )
