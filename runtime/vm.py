"""The trigger VM: runs verified bytecode and returns effects.  No I/O, no store access:
everything it reads comes through ``VmEnv``; everything it does is an ``Effect`` the engine
applies (or discards) inside the command's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from runtime.image.bytecode import BytecodeError, line_at, program
from runtime.image.model import Code, Scalar
from runtime.image.money import MAX_AMOUNT, within_ceiling
from runtime.image.opcodes import MAX_MESSAGES, MAX_STEPS, MAX_TEXT, Opcode, TextKind


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


def _int(value: Scalar) -> int:
    """A number operand (true/false count as 1/0, as in the compiler's types).  Text here means
    the bytecode was not made by our compiler: the trigger fails, the engine carries on."""
    if isinstance(value, int):
        return int(value)
    raise _Abort("a number was expected, not text")


_CONST, _LOAD, _STORE, _POP = Opcode.CONST.code, Opcode.LOAD.code, Opcode.STORE.code, Opcode.POP.code
_NOT, _NEG, _ADD, _SUB = Opcode.NOT.code, Opcode.NEG.code, Opcode.ADD.code, Opcode.SUB.code
_MUL, _DIV, _CONCAT = Opcode.MUL.code, Opcode.DIV.code, Opcode.CONCAT.code
_EQ, _NE, _LT, _LE = Opcode.EQ.code, Opcode.NE.code, Opcode.LT.code, Opcode.LE.code
_GT, _GE = Opcode.GT.code, Opcode.GE.code
_JUMP, _JUMP_IF_FALSE = Opcode.JUMP.code, Opcode.JUMP_IF_FALSE.code
_AND_JUMP, _OR_JUMP = Opcode.AND_JUMP.code, Opcode.OR_JUMP.code
_HAS, _HERE, _RANDOM, _CHANCE = Opcode.HAS.code, Opcode.HERE.code, Opcode.RANDOM.code, Opcode.CHANCE.code
_TO_TEXT, _BUILD, _SAY, _ANNOUNCE = Opcode.TO_TEXT.code, Opcode.BUILD.code, Opcode.SAY.code, Opcode.ANNOUNCE.code
_GIVE, _TAKE, _PAY, _CHARGE = Opcode.GIVE.code, Opcode.TAKE.code, Opcode.PAY.code, Opcode.CHARGE.code
_TELEPORT, _STOP, _RETURN, _END = Opcode.TELEPORT.code, Opcode.STOP.code, Opcode.RETURN.code, Opcode.END.code
_BINARY = frozenset({_ADD, _SUB, _MUL, _DIV, _CONCAT, _EQ, _NE, _LT, _LE, _GT, _GE})
_BOOL_TEXT, _MONEY_TEXT = TextKind.BOOL.value, TextKind.MONEY.value


def run(code: Code, env: VmEnv, limits: Limits = Limits()) -> VmResult:
    """Run ``code`` (verified bytecode: ``runtime.image.bytecode.verify_code``, as every image
    is at load).  Problems come back in ``error``.

    Dispatch is on the opcode's byte (``runtime.image.opcodes.Opcode``); the program was decoded
    once when the image was verified (``bytecode.program``).  Only the VM's own refusals
    (limits, division by zero, a value of the wrong type) become ``error``: an exception from
    ``env`` is the engine's, and propagates so it is reported as the engine's fault."""
    try:
        prog = program(code)
    except BytecodeError as exc:
        return VmResult((), False, None, f"bad bytecode: {exc}", 0, 0)
    consts, names = code.consts, code.names
    stack: list[Scalar] = []
    push, pop = stack.append, stack.pop
    effects: list[Effect] = []
    written: dict[str, Scalar] = {}
    max_steps, max_text = limits.max_steps, limits.max_text
    steps = 0
    messages = 0
    i = 0
    pc = 0
    n = len(prog)
    try:
        while i < n:
            op, arg, target, pc = prog[i]
            steps += 1
            if steps > max_steps:
                raise _Abort(f"step limit {max_steps} exceeded")
            i += 1
            if op == _CONST:
                push(consts[arg])
            elif op == _LOAD:
                var = names[arg]
                push(written[var] if var in written else env.get(var))
            elif op in _BINARY:
                b = pop()
                a = pop()
                if op == _EQ:
                    push(a == b)
                elif op == _NE:
                    push(a != b)
                elif op == _CONCAT:
                    push(_text([str(a), str(b)], max_text))
                elif op == _ADD:
                    push(_number(_int(a) + _int(b)))
                elif op == _SUB:
                    push(_number(_int(a) - _int(b)))
                elif op == _MUL:
                    push(_number(_int(a) * _int(b)))
                elif op == _DIV:
                    push(_number(_div(_int(a), _int(b))))
                elif op == _LT:
                    push(_int(a) < _int(b))
                elif op == _LE:
                    push(_int(a) <= _int(b))
                elif op == _GT:
                    push(_int(a) > _int(b))
                else:
                    push(_int(a) >= _int(b))
            elif op == _JUMP_IF_FALSE:
                if not pop():
                    i = target
            elif op in (_AND_JUMP, _OR_JUMP):
                if bool(stack[-1]) == (op == _OR_JUMP):
                    i = target
                else:
                    pop()
            elif op == _JUMP:
                i = target
            elif op == _STORE:
                var = names[arg]
                value = pop()
                written[var] = value
                effects.append(SetVar(var, value))
            elif op == _POP:
                pop()
            elif op == _NOT:
                push(not pop())
            elif op == _NEG:
                push(_number(-_int(pop())))
            elif op == _HAS:
                push(env.has(names[arg]))
            elif op == _HERE:
                push(env.here(names[arg]))
            elif op == _RANDOM:
                hi = _int(pop())
                lo = _int(pop())
                if lo > hi:
                    raise _Abort(f"random({lo}, {hi}): low is above high")
                push(env.random(lo, hi))
            elif op == _CHANCE:
                pct = _int(pop())
                push(env.random(1, 100) <= pct)
            elif op == _TO_TEXT:
                v = pop()
                if arg == _BOOL_TEXT:
                    push("true" if v else "false")
                elif arg == _MONEY_TEXT:
                    push(env.format_money(_int(v)))
                else:
                    push(str(v))
            elif op == _BUILD:
                parts = stack[len(stack) - arg :]
                del stack[len(stack) - arg :]
                push(_text([str(p) for p in parts], max_text))
            elif op in (_SAY, _ANNOUNCE):
                messages += 1
                if messages > limits.max_messages:
                    raise _Abort(f"message limit {limits.max_messages} exceeded")
                text = str(pop())
                effects.append(Say(text) if op == _SAY else Announce(text))
            elif op == _GIVE:
                effects.append(Give(names[arg]))
            elif op == _TAKE:
                effects.append(Take(names[arg]))
            elif op == _TELEPORT:
                effects.append(Teleport(names[arg]))
            elif op in (_PAY, _CHARGE):
                what = "pay" if op == _PAY else "charge"
                amount = _int(pop())
                if amount < 0:
                    raise _Abort(f"{what} of a negative amount")
                if amount > MAX_AMOUNT:
                    raise _Abort(f"{what} of more than the money ceiling ({MAX_AMOUNT:,})")
                effects.append(Pay(amount) if op == _PAY else Charge(amount))
            elif op == _STOP:
                return VmResult(tuple(effects), True, None, None, steps, line_at(code, pc))
            elif op == _RETURN:
                return VmResult(tuple(effects), False, pop(), None, steps, line_at(code, pc))
            elif op == _END:
                return VmResult(tuple(effects), False, None, None, steps, line_at(code, pc))
            else:  # pragma: no cover - decode refuses unknown opcodes
                raise _Abort(f"unknown instruction 0x{op:02x}")
    except _Abort as exc:
        return VmResult((), False, None, str(exc), steps, line_at(code, pc))
    return VmResult((), False, None, "bytecode ran off its end", steps, line_at(code, pc))
