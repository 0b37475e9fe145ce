"""Every diagnostic code, defined once.  Codes are stable: never renumber or reuse one.

Ranges: MM1xxx files and YAML (loader), MM2xxx schema, MM3xxx trigger language,
MM4xxx references and world checks, MM5xxx money/economy, MM6xxx image and build.

``docs/diagnostics.md`` is generated from this table (``python -m tools.gen_docs``);
a test fails when the page is stale, when a code has no page entry, or when a code
has no failing fixture under ``tests/diagnostics/``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: str  # the usual severity
    title: str
    explanation: str
    example: str  # YAML (or trigger) text that triggers it
    fix: str


def _table(*infos: CodeInfo) -> dict[str, CodeInfo]:
    table: dict[str, CodeInfo] = {}
    for info in infos:
        if info.code in table:
            raise ValueError(f"duplicate diagnostic code {info.code}")
        table[info.code] = info
    return table


CODES: dict[str, CodeInfo] = _table(
    # ---- MM1xxx: files and YAML (compiler/loader.py)
    # ---- MM2xxx: schema (compiler/schema.py)
    # ---- MM3xxx: trigger language (compiler/triggers/)
    # ---- MM4xxx: references and world checks (compiler/resolve.py, compiler/checks/)
    # ---- MM5xxx: money and economy
    # ---- MM6xxx: image and build
)
