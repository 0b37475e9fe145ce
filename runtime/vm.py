"""The trigger VM: runs verified bytecode and returns effects.  No I/O, no store access:
everything it reads comes through ``VmEnv``; everything it does is an ``Effect`` the engine
applies (or discards) inside the command's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from runtime.image.bytecode import BytecodeError, Instr, decode
from runtime.image.model import Code, Scalar
from runtime.image.money import MAX_AMOUNT, within_ceiling
from runtime.image.opcodes import MAX_MESSAGES, MAX_STEPS, MAX_TEXT


class VmEnv(Protocol):
    def get(self, name: str) -> Scalar: ...

    def has(self, object_id: str) -> bool: ...

    def here(self, object_id: str) -> bool: ...

    def random(self, low: int, high: int) -> int: ...

    def format_money(self, amount: int) -> str: ...


@dataclass(frozen=True)
class Limits:
    max_steps: int = MAX_STEPS
    max_messages: int = MAX_MESSAGES
    max_text: int = MAX_TEXT  # characters of any text built


@dataclass(frozen=True)
class Say:
    text: str


@dataclass(frozen=True)
class Announce:
    text: str


@dataclass(frozen=True)
class SetVar:
    name: str
    value: Scalar


@dataclass(frozen=True)
class Give:
    object_id: str


@dataclass(frozen=True)
class Take:
    object_id: str


@dataclass(frozen=True)
class Pay:
    amount: int


@dataclass(frozen=True)
class Charge:
    amount: int


@dataclass(frozen=True)
class Teleport:
    room_id: str


Effect = Say | Announce | SetVar | Give | Take | Pay | Charge | Teleport


@dataclass(frozen=True)
class VmResult:
    effects: tuple[Effect, ...]
    stopped: bool
    value: Scalar | None
    error: str | None
    steps: int
    line: int


_cache: dict[int, tuple[Code, list[Instr]]] = {}


def _instrs(code: Code) -> list[Instr]:
    hit = _cache.get(id(code))
    if hit is not None and hit[0] is code:
        return hit[1]
    instrs = decode(code.ops)
    if len(_cache) > 50_000:
        _cache.clear()
    _cache[id(code)] = (code, instrs)
    return instrs


def _line(code: Code, pc: int) -> int:
    line = 0
    for entry in code.lines:
        if entry.pc > pc:
            break
        line = entry.line
    return line


class _Abort(Exception):
    pass


def _number(value: int) -> int:
    """Every number arithmetic produces stays inside the money ceiling (so no sum, balance or
    stored value can ever overflow the database's 64-bit integers)."""
    if not within_ceiling(value):
        raise _Abort(f"number too large: the limit is {MAX_AMOUNT:,}")
    return value


def _text(parts: list[str], limit: int) -> str:
    """Join ``parts``, refusing (before building it) a text longer than ``limit``."""
    if sum(map(len, parts)) > limit:
        raise _Abort(f"text longer than {limit} characters")
    return "".join(parts)


def _div(a: int, b: int) -> int:
    if b == 0:
        raise _Abort("division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def run(code: Code, env: VmEnv, limits: Limits = Limits()) -> VmResult:
    """Run ``code``.  Never raises for verified bytecode: problems come back in ``error``."""
    try:
        instrs = _instrs(code)
    except BytecodeError as exc:
        return VmResult((), False, None, f"bad bytecode: {exc}", 0, 0)
    index = {ins.pc: i for i, ins in enumerate(instrs)} if instrs else {}
    stack: list[Scalar] = []
    effects: list[Effect] = []
    written: dict[str, Scalar] = {}
    steps = 0
    messages = 0
    i = 0
    pc = 0
    n = len(instrs)
    try:
        while i < n:
            ins = instrs[i]
            pc = ins.pc
            steps += 1
            if steps > limits.max_steps:
                raise _Abort(f"step limit {limits.max_steps} exceeded")
            name = ins.op.name
            nxt = i + 1
            if name == "CONST":
                stack.append(code.consts[ins.args[0]])
            elif name == "LOAD":
                var = code.names[ins.args[0]]
                stack.append(written[var] if var in written else env.get(var))
            elif name == "STORE":
                var = code.names[ins.args[0]]
                value = stack.pop()
                written[var] = value
                effects.append(SetVar(var, value))
            elif name == "POP":
                stack.pop()
            elif name == "NOT":
                stack.append(not stack.pop())
            elif name == "NEG":
                stack.append(_number(-int(stack.pop())))
            elif name in ("ADD", "SUB", "MUL", "DIV", "CONCAT"):
                b = stack.pop()
                a = stack.pop()
                if name == "CONCAT":
                    stack.append(_text([str(a), str(b)], limits.max_text))
                elif name == "ADD":
                    stack.append(_number(int(a) + int(b)))
                elif name == "SUB":
                    stack.append(_number(int(a) - int(b)))
                elif name == "MUL":
                    stack.append(_number(int(a) * int(b)))
                else:
                    stack.append(_number(_div(int(a), int(b))))
            elif name in ("EQ", "NE", "LT", "LE", "GT", "GE"):
                b = stack.pop()
                a = stack.pop()
                if name == "EQ":
                    stack.append(a == b)
                elif name == "NE":
                    stack.append(a != b)
                elif name == "LT":
                    stack.append(int(a) < int(b))
                elif name == "LE":
                    stack.append(int(a) <= int(b))
                elif name == "GT":
                    stack.append(int(a) > int(b))
                else:
                    stack.append(int(a) >= int(b))
            elif name == "JUMP":
                nxt = index[ins.next_pc + ins.args[0]]
            elif name == "JUMP_IF_FALSE":
                if not stack.pop():
                    nxt = index[ins.next_pc + ins.args[0]]
            elif name in ("AND_JUMP", "OR_JUMP"):
                top = bool(stack[-1])
                if top == (name == "OR_JUMP"):
                    nxt = index[ins.next_pc + ins.args[0]]
                else:
                    stack.pop()
            elif name == "HAS":
                stack.append(env.has(code.names[ins.args[0]]))
            elif name == "HERE":
                stack.append(env.here(code.names[ins.args[0]]))
            elif name == "RANDOM":
                hi = int(stack.pop())
                lo = int(stack.pop())
                if lo > hi:
                    raise _Abort(f"random({lo}, {hi}): low is above high")
                stack.append(env.random(lo, hi))
            elif name == "CHANCE":
                pct = int(stack.pop())
                stack.append(env.random(1, 100) <= pct)
            elif name == "TO_TEXT":
                v = stack.pop()
                kind = ins.args[0]
                if kind == 1:
                    stack.append("true" if v else "false")
                elif kind == 2:
                    stack.append(env.format_money(int(v)))
                else:
                    stack.append(str(v))
            elif name == "BUILD":
                count = ins.args[0]
                parts = stack[len(stack) - count :]
                del stack[len(stack) - count :]
                stack.append(_text([str(p) for p in parts], limits.max_text))
            elif name in ("SAY", "ANNOUNCE"):
                messages += 1
                if messages > limits.max_messages:
                    raise _Abort(f"message limit {limits.max_messages} exceeded")
                text = str(stack.pop())
                effects.append(Say(text) if name == "SAY" else Announce(text))
            elif name == "GIVE":
                effects.append(Give(code.names[ins.args[0]]))
            elif name == "TAKE":
                effects.append(Take(code.names[ins.args[0]]))
            elif name == "TELEPORT":
                effects.append(Teleport(code.names[ins.args[0]]))
            elif name in ("PAY", "CHARGE"):
                amount = int(stack.pop())
                if amount < 0:
                    raise _Abort(f"{name.lower()} of a negative amount")
                if amount > MAX_AMOUNT:
                    raise _Abort(f"{name.lower()} of more than the money ceiling ({MAX_AMOUNT:,})")
                effects.append(Pay(amount) if name == "PAY" else Charge(amount))
            elif name == "STOP":
                return VmResult(tuple(effects), True, None, None, steps, _line(code, pc))
            elif name == "RETURN":
                return VmResult(tuple(effects), False, stack.pop(), None, steps, _line(code, pc))
            elif name == "END":
                return VmResult(tuple(effects), False, None, None, steps, _line(code, pc))
            else:  # pragma: no cover - every opcode is handled above
                raise _Abort(f"unknown instruction {name}")
            i = nxt
    except _Abort as exc:
        return VmResult((), False, None, str(exc), steps, _line(code, pc))
    except (IndexError, KeyError, TypeError, ValueError) as exc:
        return VmResult((), False, None, f"bad bytecode: {type(exc).__name__}", steps, _line(code, pc))
    return VmResult((), False, None, "bytecode ran off its end", steps, _line(code, pc))
