"""The VM: opcodes are one IntEnum table, bytecode is decoded once (at verification), a value of
the wrong type in hostile bytecode fails the trigger, and an engine bug is not called bad bytecode."""

from __future__ import annotations

import pytest

from runtime import vm
from runtime.image.bytecode import program, verify_code
from runtime.image.model import Code
from runtime.image.opcodes import BY_CODE, BY_NAME, OPS, Opcode, TextKind


def _code(*parts: tuple[str, ...], consts: tuple[object, ...] = (1,)) -> Code:
    ops = bytearray()
    for name, *args in parts:
        ops.append(Opcode[name])
        for a in args:
            ops += int(a).to_bytes(2, "big")
    return Code(bytes(ops), consts, ("x.y",), (), "room fx", 100, 8)  # type: ignore[arg-type]


class Env:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail

    def get(self, name: str) -> int:
        if self.fail:
            raise KeyError(name)  # an engine bug, not the bytecode's fault
        return 1

    def has(self, object_id: str) -> bool:
        return True

    def here(self, object_id: str) -> bool:
        return False

    def random(self, low: int, high: int) -> int:
        return low

    def format_money(self, amount: int) -> str:
        return f"${amount}"


def test_the_enum_is_the_table() -> None:
    assert tuple(Opcode) == OPS
    assert BY_CODE[0x01] is Opcode.CONST and BY_NAME["END"] is Opcode.END
    assert Opcode.CONST.operands == ("const",) and Opcode.END.terminal and Opcode.SAY.message
    assert len({int(op) for op in Opcode}) == len(Opcode)  # no byte used twice


def test_decoded_once_when_verified() -> None:
    c = _code(("CONST", "0"), ("SAY",), ("END",))
    assert "_program" not in c.__dict__
    assert verify_code(c) == []
    prog = c.__dict__["_program"]
    assert program(c) is prog
    assert vm.run(c, Env()).effects == (vm.Say("1"),)
    assert program(c) is prog
    assert c == _code(("CONST", "0"), ("SAY",), ("END",))  # the memo is not part of the value


def test_text_kinds_are_named() -> None:
    c = _code(("CONST", "0"), ("TO_TEXT", str(int(TextKind.MONEY))), ("SAY",), ("END",), consts=(250,))
    assert verify_code(c) == []
    assert vm.run(c, Env()).effects == (vm.Say("$250"),)
    bad = _code(("CONST", "0"), ("TO_TEXT", "7"), ("SAY",), ("END",))
    assert any("unknown text kind" in p for p in verify_code(bad))


def test_text_in_arithmetic_fails_the_trigger_not_the_engine() -> None:
    c = _code(("CONST", "0"), ("CONST", "1"), ("ADD",), ("RETURN",), consts=("true", 1))
    assert verify_code(c) == []  # the verifier does not type values; the VM refuses to add text
    r = vm.run(c, Env())
    assert r.error == "a number was expected, not text" and r.effects == ()


def test_an_engine_bug_is_not_reported_as_bad_bytecode() -> None:
    c = _code(("LOAD", "0"), ("RETURN",))
    assert verify_code(c) == []
    with pytest.raises(KeyError):
        vm.run(c, Env(fail=True))
