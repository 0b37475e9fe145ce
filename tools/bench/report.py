"""Shared by every benchmark script: markdown tables and the marked sections of
docs/performance.md (``<!-- bench:NAME -->`` … ``<!-- /bench:NAME -->``), so each script
rewrites only its own section and keeps the others."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parents[2] / "docs" / "performance.md"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def machine() -> str:
    import os

    return f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores, {platform.machine()}"


def percentile(values: Sequence[float], pct: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def write_section(name: str, body: str, path: Path = PERFORMANCE_MD) -> None:
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    text = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else "# Performance\n\nFigures written by the scripts in `tools/bench/` (`--write-docs`).\n"
    )
    if start in text and end in text:
        before, rest = text.split(start, 1)
        _, after = rest.split(end, 1)
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
