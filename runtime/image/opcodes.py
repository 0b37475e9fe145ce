"""THE opcode table: every instruction of trigger bytecode is defined here and only here.

An instruction is one opcode byte followed by its operands, each an unsigned 16-bit
big-endian integer.  Operand kinds: ``const`` (index into Code.consts), ``name`` (index into
Code.names), ``jump`` (forward offset from the next instruction), ``count`` (a small count),
``kind`` (a type tag: see TO_TEXT).  The VM, the verifier, the lowering pass and the
disassembler all derive what they know from ``OPS``.  Changing meaning here means a new image
format version (runtime/image/versions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_STEPS = 1000
"""Compile-time bound on instructions executed by one trigger (jumps are forward-only)."""
MAX_MESSAGES = 8
"""Compile-time bound on say/announce executed by one trigger."""
MAX_TEXT = 1000
"""Longest text (characters) a trigger may build or store.  The compiler proves a bound where
it can (MM3015); the VM refuses to build a longer text (the command fails, state unchanged)."""
MAX_CASCADE = 4
"""Nested trigger runs (a teleport firing ``enter`` that teleports again …).  The compiler
reports teleport cycles (MM4020); at run time the triggers of a deeper event are skipped."""


@dataclass(frozen=True)
class Op:
    code: int
    name: str
    operands: tuple[str, ...]  # operand kinds
    pops: int  # values taken from the stack (for BUILD: plus the count operand)
    pushes: int
    doc: str
    terminal: bool = False  # ends execution
    message: bool = False  # emits a message (counts against MAX_MESSAGES)


OPS: tuple[Op, ...] = (
    Op(0x01, "CONST", ("const",), 0, 1, "push consts[k]"),
    Op(0x02, "LOAD", ("name",), 0, 1, "push the value of variable names[n]"),
    Op(0x03, "STORE", ("name",), 1, 0, "pop a value into variable names[n] (a SetVar effect)"),
    Op(0x04, "POP", (), 1, 0, "discard the top value"),
    Op(0x10, "NOT", (), 1, 1, "boolean not"),
    Op(0x11, "NEG", (), 1, 1, "arithmetic negation"),
    Op(0x12, "ADD", (), 2, 1, "a + b (int or money)"),
    Op(0x13, "SUB", (), 2, 1, "a - b"),
    Op(0x14, "MUL", (), 2, 1, "a * b"),
    Op(0x15, "DIV", (), 2, 1, "a / b, integer division toward zero; b == 0 is a runtime error"),
    Op(0x16, "CONCAT", (), 2, 1, "text a + text b"),
    Op(0x20, "EQ", (), 2, 1, "a == b"),
    Op(0x21, "NE", (), 2, 1, "a != b"),
    Op(0x22, "LT", (), 2, 1, "a < b"),
    Op(0x23, "LE", (), 2, 1, "a <= b"),
    Op(0x24, "GT", (), 2, 1, "a > b"),
    Op(0x25, "GE", (), 2, 1, "a >= b"),
    Op(0x30, "JUMP", ("jump",), 0, 0, "skip forward"),
    Op(0x31, "JUMP_IF_FALSE", ("jump",), 1, 0, "pop; skip forward when false"),
    Op(
        0x32,
        "AND_JUMP",
        ("jump",),
        1,
        1,
        "if top is false skip forward keeping it, else pop it (short-circuit and)",
    ),
    Op(
        0x33,
        "OR_JUMP",
        ("jump",),
        1,
        1,
        "if top is true skip forward keeping it, else pop it (short-circuit or)",
    ),
    Op(0x40, "HAS", ("name",), 0, 1, "push whether the acting player carries object names[n]"),
    Op(0x41, "HERE", ("name",), 0, 1, "push whether object names[n] is in the current room"),
    Op(0x42, "RANDOM", (), 2, 1, "pop high, low; push a random int in [low, high]"),
    Op(0x43, "CHANCE", (), 1, 1, "pop percent; push true with that probability"),
    Op(0x44, "TO_TEXT", ("kind",), 1, 1, "convert the top to text; kind 0 int, 1 bool, 2 money, 3 text"),
    Op(0x45, "BUILD", ("count",), 0, 1, "pop count texts (plus the count), push them joined"),
    Op(0x50, "SAY", (), 1, 0, "pop text; message to the acting player", message=True),
    Op(0x51, "ANNOUNCE", (), 1, 0, "pop text; message to everyone else in the room", message=True),
    Op(0x52, "GIVE", ("name",), 0, 0, "give the acting player one object names[n]"),
    Op(0x53, "TAKE", ("name",), 0, 0, "take one object names[n] from the acting player"),
    Op(0x54, "PAY", (), 1, 0, "pop money; pay it to the acting player"),
    Op(0x55, "CHARGE", (), 1, 0, "pop money; charge it from the acting player"),
    Op(0x56, "TELEPORT", ("name",), 0, 0, "move the acting player to room names[n]"),
    Op(0x60, "STOP", (), 0, 0, "cancel the action that fired the event and end", terminal=True),
    Op(0x61, "RETURN", (), 1, 0, "pop the value of an expression and end", terminal=True),
    Op(0x62, "END", (), 0, 0, "end of a trigger body", terminal=True),
)

BY_CODE: dict[int, Op] = {op.code: op for op in OPS}
BY_NAME: dict[str, Op] = {op.name: op for op in OPS}

TEXT_KINDS = {"int": 0, "bool": 1, "money": 2, "text": 3}


def width(op: Op) -> int:
    """Bytes taken by one instruction of this op."""
    return 1 + 2 * len(op.operands)
