"""Random bytes and random YAML documents never crash the compiler: only diagnostics."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics

KINDS = ["world", "room", "object", "npc", "shop", "housing", "game", "board", "rom", 7, None]
KEYS = [
    "kind",
    "id",
    "name",
    "description",
    "exits",
    "start",
    "currency",
    "state",
    "triggers",
    "on",
    "do",
    "objects",
    "room",
    "stock",
    "buys",
    "item",
    "price",
    "templates",
    "dialogue",
    "options",
    "goto",
    "when",
    "takeable",
    "value",
    "format",
    "title",
    "config",
    "type",
    "north",
    "n",
    "to",
    "every",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "town.gazebo",
            "fx.hall",
            "10.00",
            "1g5s",
            'say "hi"',
            "if x {",
            "{player.name}",
            "set player.score = 1",
            "on",
            "yes",
            "",
            "ü",
            "\x00",
            "🦀" * 3,
        ]
    ),
    st.text(max_size=20),
)
values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    ),
    max_leaves=20,
)
documents = st.fixed_dictionaries({"kind": st.sampled_from(KINDS)}, optional={k: values for k in KEYS[1:12]})


def _compile(files: dict[str, bytes]) -> Diagnostics:
    diags = Diagnostics()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        compile_world(root, diags)
    return diags


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_give_diagnostics_not_exceptions(data: bytes) -> None:
    diags = _compile({"world.yaml": data})
    assert diags.has_errors or not data.strip()


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=5))
def test_random_documents_give_diagnostics_not_exceptions(docs: list[dict[str, Any]]) -> None:
    text = yaml.safe_dump_all(docs, allow_unicode=True)
    diags = _compile({"a.yaml": text.encode("utf-8")})
    for d in diags.items:
        assert d.span.line >= 1 and d.span.column >= 1
        assert d.message


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=120))
def test_random_trigger_code_gives_diagnostics_not_exceptions(code: str) -> None:
    world = (
        "kind: world\nid: fx\ntitle: F\nformat: 1\nstart: fx.hall\n"
        'currency: {mode: decimal, symbol: "¤", decimals: 2, starting_balance: 1.00}\n'
        "state:\n  player.score: {type: int, default: 0}\n---\n"
        "kind: room\nid: fx.hall\nname: Hall\ndescription: A hall.\ntriggers:\n  - on: enter\n    do: "
    )
    body = yaml.safe_dump(code, allow_unicode=True, width=10**6).strip()
    if body.endswith("..."):
        body = body[:-3].strip()
    _compile({"w.yaml": (world + body + "\n").encode("utf-8")})


TOKENS = [
    "say",
    "announce",
    "set",
    "give",
    "take",
    "pay",
    "charge",
    "teleport",
    "stop",
    "if",
    "else",
    "{",
    "}",
    "(",
    ")",
    "and",
    "or",
    "not",
    "==",
    "!=",
    "<",
    ">=",
    "+",
    "-",
    "*",
    "/",
    "=",
    ";",
    "\n",
    "1",
    "0",
    "10.00",
    "1g",
    "true",
    "false",
    '"hi {player.name}"',
    '"{"',
    "player.score",
    "player.name",
    "player.balance",
    "world.x",
    "self.x",
    "room.name",
    "fx.hall",
    "has(fx.hall)",
    "random(1, 6)",
    "chance(50)",
    "random(",
    ",",
]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_token_soup_never_crashes_the_trigger_compiler(tokens: list[str]) -> None:
    from compiler.diagnostics import Span
    from compiler.triggers import TriggerContext, compile_block
    from runtime.image.model import Currency, StateVar

    ctx = TriggerContext(
        event="use",
        owner="object",
        file="object fx.thing",
        state={"player.score": StateVar("player.score", "player", "int", 0)},
        ids={"fx.hall": "room", "fx.thing": "object"},
        currency=Currency("decimal", "¤", 2, (), 0),
    )
    diags = Diagnostics()
    code = compile_block(" ".join(tokens), ctx, lambda line, col: Span("w.yaml", line, col), diags)
    assert (code is None) == diags.has_errors
    if code is not None:
        from runtime.image.bytecode import verify_code

        assert verify_code(code) == []
