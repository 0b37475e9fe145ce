"""The trigger language: parse (Lark), type-check against declared state, lower to bytecode.

``compile_block`` compiles a trigger body or dialogue ``do``; ``compile_expr`` an exit or
option ``when`` expression.  Problems are reported to the Diagnostics sink with positions
mapped into the YAML file by the caller's ``origin``; the functions return None on errors.
"""

from __future__ import annotations

from collections.abc import Callable

from compiler.diagnostics import Diagnostics, Span
from compiler.triggers.compile import compile_source
from compiler.triggers.context import TriggerContext
from runtime.image.model import Code

__all__ = ["TriggerContext", "compile_block", "compile_expr"]

def compile_block(
    source: str, ctx: TriggerContext, origin: Callable[[int, int], Span], diags: Diagnostics
) -> Code | None:
    return compile_source(source, ctx, origin, diags, None)


def compile_expr(
    source: str,
    ctx: TriggerContext,
    origin: Callable[[int, int], Span],
    diags: Diagnostics,
    expect: str = "bool",
) -> Code | None:
    return compile_source(source, ctx, origin, diags, expect)
