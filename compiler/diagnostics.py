"""Diagnostics: the values every compiler stage reports into, and their three renderings.

A stage never raises for a problem in the author's files: it calls ``diags.error(...)``
(or ``warning``/``info``) with a stable code from ``compiler.codes`` and a ``Span``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from compiler.codes import CODES

SEVERITIES = ("error", "warning", "info")
MAX_QUOTED_FILE = 8 * 1024 * 1024  # files larger than this are not quoted
MAX_QUOTED_LINE = 160


@dataclass(frozen=True, order=True)
class Span:
    """A place in the world's files: ``file`` relative to the world dir, 1-based line/col."""

    file: str
    line: int = 1
    column: int = 1


@dataclass(frozen=True)
class Diagnostic:
    code: str
    severity: str
    message: str
    span: Span
    hint: str | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "hint": self.hint,
        }


@dataclass
class Diagnostics:
    """The sink every stage reports into."""

    items: list[Diagnostic] = field(default_factory=list)

    def report(self, code: str, severity: str, message: str, span: Span, hint: str | None = None) -> None:
        if code not in CODES:
            raise KeyError(f"diagnostic code {code} is not registered in compiler/codes.py")
        if severity not in SEVERITIES:
            raise ValueError(severity)
        self.items.append(Diagnostic(code, severity, message, span, hint))

    def error(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.report(code, "error", message, span, hint)

    def warning(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.report(code, "warning", message, span, hint)

    def info(self, code: str, message: str, span: Span, hint: str | None = None) -> None:
        self.report(code, "info", message, span, hint)

    @property
    def has_errors(self) -> bool:
        return any(d.severity == "error" for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        """Stable order for output: by file, line, column, code, message."""
        seen: set[Diagnostic] = set()
        unique = []
        for d in self.items:
            if d not in seen:
                seen.add(d)
                unique.append(d)
        return sorted(unique, key=lambda d: (d.span, d.code, d.message))


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1) -> str | None:
    """A hint naming the closest candidates, or None."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def a_or_an(noun: str) -> str:
    """'a room', 'an object'."""
    return ("an " if noun[:1] in "aeiou" else "a ") + noun


# ---------------------------------------------------------------- rendering


def _source_line(root: Path | None, span: Span, cache: dict[str, list[str]]) -> str | None:
    if root is None:
        return None
    if span.file not in cache:
        try:
            path = root / span.file
            too_big = path.stat().st_size > MAX_QUOTED_FILE
            cache[span.file] = [] if too_big else path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            cache[span.file] = []
    lines = cache[span.file]
    if 1 <= span.line <= len(lines):
        line = lines[span.line - 1]
        return line if len(line) <= MAX_QUOTED_LINE else line[:MAX_QUOTED_LINE] + "…"
    return None


_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "info": "\x1b[1;36m"}


def render_text(diags: Iterable[Diagnostic], root: Path | None = None, colour: bool = False) -> str:
    """``file:line:col: severity[CODE]: message``, the quoted source line, a caret, the hint."""
    out: list[str] = []
    cache: dict[str, list[str]] = {}
    counts = {s: 0 for s in SEVERITIES}
    for d in diags:
        counts[d.severity] += 1
        sev = d.severity
        if colour:
            sev = f"{_COLOURS[d.severity]}{d.severity}\x1b[0m"
        out.append(f"{d.span.file}:{d.span.line}:{d.span.column}: {sev}[{d.code}]: {d.message}")
        src = _source_line(root, d.span, cache)
        if src is not None:
            shown = src.replace("\t", " ")
            out.append(f"  {d.span.line:>4} | {shown}")
            out.append("       | " + " " * max(0, d.span.column - 1) + "^")
        if d.hint:
            out.append(f"       = hint: {d.hint}")
    summary = ", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items() if n)
    out.append(summary if summary else "no problems found")
    return "\n".join(out) + "\n"


def render_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.as_json() for d in diags], ensure_ascii=False, indent=2) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diags: Iterable[Diagnostic], prefix: str = "") -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=CODE::msg``."""
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for d in diags:
        path = f"{prefix}{d.span.file}" if prefix else d.span.file
        msg = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(
            f"::{kinds[d.severity]} file={_gh_escape(path, True)},line={d.span.line},"
            f"col={d.span.column},title={_gh_escape(d.code, True)}::{_gh_escape(msg)}"
        )
    return "\n".join(out) + ("\n" if out else "")
