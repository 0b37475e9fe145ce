"""The trigger language: parse (Lark), type-check against declared state, lower to bytecode.

``compile_block`` compiles a trigger body or dialogue ``do``; ``compile_expr`` an exit or
option ``when`` expression.  Problems are reported to the Diagnostics sink with positions
mapped into the YAML file by the caller's ``origin``; the functions return None on errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from compiler.diagnostics import Diagnostics, Span
from runtime.image.model import Code, Currency, StateVar

CANCELLABLE_EVENTS = frozenset({"exit", "take", "drop", "use", "say", "look", "talk"})
"""Events where `stop` cancels the action that fired them (see docs/triggers.md)."""


@dataclass(frozen=True)
class TriggerContext:
    event: str  # enter exit look say tick use take drop talk login, or 'expr'
    owner: str  # world | room | object | npc | exit | dialogue
    file: str  # the owning document, "room town.gazebo": goes into Code.file
    state: Mapping[str, StateVar]
    ids: Mapping[str, str]
    currency: Currency
    line_base: int = 0  # file line just before the document's first line: line tables are document-relative
    unsure: frozenset[str] = frozenset()  # lowercased ids whose definition is broken (compiler.resolve)


def compile_block(
    source: str, ctx: TriggerContext, origin: Callable[[int, int], Span], diags: Diagnostics
) -> Code | None:
    from compiler.triggers.compile import compile_source

    return compile_source(source, ctx, origin, diags, None)


def compile_expr(
    source: str,
    ctx: TriggerContext,
    origin: Callable[[int, int], Span],
    diags: Diagnostics,
    expect: str = "bool",
) -> Code | None:
    from compiler.triggers.compile import compile_source

    return compile_source(source, ctx, origin, diags, expect)
