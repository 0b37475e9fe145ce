"""THE opcode table: every instruction of trigger bytecode is defined here and only here.

An instruction is one opcode byte followed by its operands, each an unsigned 16-bit
big-endian integer.  Operand kinds: ``const`` (index into Code.consts), ``name`` (index into
Code.names), ``jump`` (forward offset from the next instruction), ``count`` (a small count),
``kind`` (a type tag: see TO_TEXT).  The VM, the verifier, the lowering pass and the
disassembler all derive what they know from ``Opcode``.  Changing meaning here means a new image
format version (runtime/image/versions.py).
"""

from __future__ import annotations

from enum import IntEnum

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


TERMINAL = "terminal"
MESSAGE = "message"


class Opcode(IntEnum):
    """One member per instruction: its byte is the member's value, and the member carries the
    operand kinds, stack effect and documentation.  This class IS the table."""

    operands: tuple[str, ...]  # operand kinds
    pops: int  # values taken from the stack (for BUILD: plus the count operand)
    pushes: int
    doc: str
    terminal: bool  # ends execution
    message: bool  # emits a message (counts against MAX_MESSAGES)

    def __new__(
        cls, code: int, operands: tuple[str, ...], pops: int, pushes: int, doc: str, flag: str = ""
    ) -> Opcode:
        op = int.__new__(cls, code)
        op._value_ = code
        op.operands = operands
        op.pops = pops
        op.pushes = pushes
        op.doc = doc
        op.terminal = flag == TERMINAL
        op.message = flag == MESSAGE
        return op

    @property
    def code(self) -> int:
        return int(self)

    CONST = (0x01, ("const",), 0, 1, "push consts[k]")
    LOAD = (0x02, ("name",), 0, 1, "push the value of variable names[n]")
    STORE = (0x03, ("name",), 1, 0, "pop a value into variable names[n] (a SetVar effect)")
    POP = (0x04, (), 1, 0, "discard the top value")
    NOT = (0x10, (), 1, 1, "boolean not")
    NEG = (0x11, (), 1, 1, "arithmetic negation")
    ADD = (0x12, (), 2, 1, "a + b (int or money)")
    SUB = (0x13, (), 2, 1, "a - b")
    MUL = (0x14, (), 2, 1, "a * b")
    DIV = (0x15, (), 2, 1, "a / b, integer division toward zero; b == 0 is a runtime error")
    CONCAT = (0x16, (), 2, 1, "text a + text b")
    EQ = (0x20, (), 2, 1, "a == b")
    NE = (0x21, (), 2, 1, "a != b")
    LT = (0x22, (), 2, 1, "a < b")
    LE = (0x23, (), 2, 1, "a <= b")
    GT = (0x24, (), 2, 1, "a > b")
    GE = (0x25, (), 2, 1, "a >= b")
    JUMP = (0x30, ("jump",), 0, 0, "skip forward")
    JUMP_IF_FALSE = (0x31, ("jump",), 1, 0, "pop; skip forward when false")
    AND_JUMP = (0x32, ("jump",), 1, 1, "if top is false skip forward keeping it, else pop it (and)")
    OR_JUMP = (0x33, ("jump",), 1, 1, "if top is true skip forward keeping it, else pop it (or)")
    HAS = (0x40, ("name",), 0, 1, "push whether the acting player carries object names[n]")
    HERE = (0x41, ("name",), 0, 1, "push whether object names[n] is in the current room")
    RANDOM = (0x42, (), 2, 1, "pop high, low; push a random int in [low, high]")
    CHANCE = (0x43, (), 1, 1, "pop percent; push true with that probability")
    TO_TEXT = (0x44, ("kind",), 1, 1, "convert the top to text as a TextKind: int, bool, money, text")
    BUILD = (0x45, ("count",), 0, 1, "pop count texts (plus the count), push them joined")
    SAY = (0x50, (), 1, 0, "pop text; message to the acting player", MESSAGE)
    ANNOUNCE = (0x51, (), 1, 0, "pop text; message to everyone else in the room", MESSAGE)
    GIVE = (0x52, ("name",), 0, 0, "give the acting player one object names[n]")
    TAKE = (0x53, ("name",), 0, 0, "take one object names[n] from the acting player")
    PAY = (0x54, (), 1, 0, "pop money; pay it to the acting player")
    CHARGE = (0x55, (), 1, 0, "pop money; charge it from the acting player")
    TELEPORT = (0x56, ("name",), 0, 0, "move the acting player to room names[n]")
    STOP = (0x60, (), 0, 0, "cancel the action that fired the event and end", TERMINAL)
    RETURN = (0x61, (), 1, 0, "pop the value of an expression and end", TERMINAL)
    END = (0x62, (), 0, 0, "end of a trigger body", TERMINAL)


OPS: tuple[Opcode, ...] = tuple(Opcode)

BY_CODE: dict[int, Opcode] = {int(op): op for op in Opcode}
BY_NAME: dict[str, Opcode] = dict(Opcode.__members__)


class TextKind(IntEnum):
    """The operand of TO_TEXT: how a value of each type is shown."""

    INT = 0
    BOOL = 1
    MONEY = 2
    TEXT = 3


TEXT_KINDS: dict[str, TextKind] = {k.name.lower(): k for k in TextKind}


def width(op: Opcode) -> int:
    """Bytes taken by one instruction of this op."""
    return 1 + 2 * len(op.operands)
