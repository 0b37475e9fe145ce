"""The bytecode verifier refuses malformed code, and never raises on any bytes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime import vm
from runtime.image.bytecode import verify_code
from runtime.image.model import Code
from runtime.image.opcodes import BY_NAME


def code(
    *parts: tuple[str, ...] | bytes,
    consts: tuple[object, ...] = (1,),
    names: tuple[str, ...] = ("x.y",),
    steps: int = 100,
    msgs: int = 8,
) -> Code:
    ops = bytearray()
    for p in parts:
        if isinstance(p, bytes):
            ops += p
            continue
        name, *args = p
        ops.append(BY_NAME[name].code)
        for a in args:
            ops += int(a).to_bytes(2, "big")
    return Code(bytes(ops), consts, names, (), "room fx", steps, msgs)  # type: ignore[arg-type]


def test_a_good_program_passes() -> None:
    assert verify_code(code(("CONST", "0"), ("SAY",), ("END",))) == []


def test_malformed_programs_are_refused() -> None:
    cases = {
        "unknown opcode": code(b"\xff", ("END",)),
        "truncated operand": code(b"\x01\x00"),
        "no terminator": code(("CONST", "0"), ("POP",)),
        "constant out of range": code(("CONST", "5"), ("SAY",), ("END",)),
        "name out of range": code(("LOAD", "3"), ("RETURN",)),
        "stack underflow": code(("SAY",), ("END",)),
        "jump into an operand": code(("JUMP", "1"), ("CONST", "0"), ("POP",), ("END",)),
        "jump past the end": code(("JUMP", "9"), ("END",)),
        "wrong step bound": code(("CONST", "0"), ("SAY",), ("END",), steps=1),
        "too many messages": code(
            *[p for _ in range(9) for p in (("CONST", "0"), ("SAY",))], ("END",), msgs=8
        ),
    }
    for label, c in cases.items():
        assert verify_code(c), label


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40), st.lists(st.integers(0, 5), max_size=3))
def test_random_bytes_never_crash_the_verifier_or_a_verified_run(ops: bytes, consts: list[int]) -> None:
    c = Code(ops, tuple(consts), ("x.y", "fx.hall"), (), "room fx", 1000, 8)
    if verify_code(c) == []:

        class Env:
            def get(self, name: str) -> int:
                return 1

            def has(self, object_id: str) -> bool:
                return True

            def here(self, object_id: str) -> bool:
                return False

            def random(self, low: int, high: int) -> int:
                return low

            def format_money(self, amount: int) -> str:
                return str(amount)

        vm.run(c, Env())
