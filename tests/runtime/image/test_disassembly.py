"""Triggers compiled, disassembled (golden snapshots) and run: source → bytecode → effects."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import pytest
from syrupy.assertion import SnapshotAssertion

from compiler.diagnostics import Diagnostics, Span
from compiler.triggers import TriggerContext, compile_block, compile_expr
from runtime import vm
from runtime.image.bytecode import verify_code
from runtime.image.disasm import disassemble
from runtime.image.model import Code, Currency, Scalar, StateVar

CURRENCY = Currency("decimal", "¤", 2, (), 1000)
STATE = {
    "player.score": StateVar("player.score", "player", "int", 0),
    "player.rich": StateVar("player.rich", "player", "money", 0),
    "world.open": StateVar("world.open", "world", "bool", False),
    "self.lit": StateVar("self.lit", "self", "bool", False),
    "player.title": StateVar("player.title", "player", "text", ""),
}
IDS = {"fx.hall": "room", "fx.yard": "room", "fx.lamp": "object", "fx.map": "object"}


def compile_(source: str, event: str = "use", owner: str = "object") -> Code:
    ctx = TriggerContext(event, owner, "object fx.lamp", STATE, IDS, CURRENCY)
    diags = Diagnostics()
    code = compile_block(source, ctx, lambda line, col: Span("w.yaml", line + 10, col + 4), diags)
    assert code is not None, [d.as_json() for d in diags.items]
    assert verify_code(code) == []
    return code


@dataclass
class FakeEnv:
    values: dict[str, Scalar] = field(default_factory=dict)
    carried: set[str] = field(default_factory=set)
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    def get(self, name: str) -> Scalar:
        if name == "player.name":
            return "Ana"
        if name in self.values:
            return self.values[name]
        return STATE[name].default if name in STATE else 0

    def has(self, object_id: str) -> bool:
        return object_id in self.carried

    def here(self, object_id: str) -> bool:
        return False

    def random(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def format_money(self, amount: int) -> str:
        return f"¤{amount // 100}.{amount % 100:02d}"


PROGRAMS = {
    "welcome": 'if not world.open {\n  say "Welcome, {player.name}!"\n  set world.open = true\n}',
    "arithmetic": "set player.score = (player.score + 3) * 2 - 10 / 3",
    "money": 'pay 2.50\nset player.rich = player.rich + 1.25 * 2\nsay "Rich: {player.rich}"',
    "branches": 'if has(fx.lamp) and not world.open { say "a" } else if player.score >= 2 { say "b" } else { say "c" }',
    "stop": 'announce "{player.name} pokes the lamp"\nstop\nsay "never"',
    "items": "give fx.map; take fx.lamp; teleport fx.yard",
    "random": 'if chance(50) or random(1, 6) == 6 { say "lucky" }',
    "text": 'set player.title = "Sir " + player.name\nsay "{player.title} has {player.score} points, open={world.open}"',
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_disassembly_golden(name: str, snapshot: SnapshotAssertion) -> None:
    assert "\n".join(disassemble(compile_(PROGRAMS[name]))) == snapshot


def run(source: str, env: FakeEnv | None = None) -> vm.VmResult:
    return vm.run(compile_(source), env or FakeEnv())


def test_effects_of_a_welcome() -> None:
    r = run(PROGRAMS["welcome"])
    assert r.effects == (vm.Say("Welcome, Ana!"), vm.SetVar("world.open", True))
    assert r.error is None and not r.stopped
    again = run(PROGRAMS["welcome"], FakeEnv({"world.open": True}))
    assert again.effects == ()


def test_arithmetic_divides_toward_zero() -> None:
    assert run(PROGRAMS["arithmetic"]).effects == (vm.SetVar("player.score", 3),)
    r = run("set player.score = -7 / 2")
    assert r.effects == (vm.SetVar("player.score", -3),)


def test_money_is_integer_minor_units_and_prints_in_notation() -> None:
    r = run(PROGRAMS["money"])
    assert r.effects == (vm.Pay(250), vm.SetVar("player.rich", 250), vm.Say("Rich: ¤2.50"))


def test_branches_follow_the_conditions() -> None:
    assert run(PROGRAMS["branches"], FakeEnv(carried={"fx.lamp"})).effects == (vm.Say("a"),)
    assert run(PROGRAMS["branches"], FakeEnv({"player.score": 5})).effects == (vm.Say("b"),)
    assert run(PROGRAMS["branches"]).effects == (vm.Say("c"),)


def test_stop_keeps_earlier_effects_and_ends() -> None:
    r = run(PROGRAMS["stop"])
    assert r.stopped and r.effects == (vm.Announce("Ana pokes the lamp"),)


def test_the_vm_sees_its_own_writes() -> None:
    r = run('set player.score = 5\nif player.score == 5 { say "saw it" }')
    assert r.effects[-1] == vm.Say("saw it")


def test_division_by_zero_is_an_error_not_an_exception() -> None:
    r = run("set player.score = 1 / player.score")
    assert r.error == "division by zero" and r.effects == ()
    assert r.line == 11  # the source line (mapped through origin) is reported


def test_runtime_limits_fence() -> None:
    code = compile_('say "1"; say "2"; say "3"')
    r = vm.run(code, FakeEnv(), vm.Limits(max_steps=1000, max_messages=2))
    assert r.error is not None and "message limit" in r.error and r.effects == ()
    r = vm.run(code, FakeEnv(), vm.Limits(max_steps=3, max_messages=8))
    assert r.error is not None and "step limit" in r.error


def test_expressions_return_their_value() -> None:
    ctx = TriggerContext("expr", "exit", "room fx.hall", STATE, IDS, CURRENCY)
    diags = Diagnostics()
    code = compile_expr(
        "world.open or player.score > 2", ctx, lambda line, col: Span("w.yaml", line, col), diags
    )
    assert code is not None
    assert vm.run(code, FakeEnv()).value is False
    assert vm.run(code, FakeEnv({"player.score": 3})).value is True


def test_steps_never_exceed_the_compiled_bound() -> None:
    for name, source in PROGRAMS.items():
        code = compile_(source)
        for seed in range(5):
            env = FakeEnv({"player.score": seed}, {"fx.lamp"} if seed % 2 else set(), random.Random(seed))
            assert vm.run(code, env).steps <= code.max_steps, name
