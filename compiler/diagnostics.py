"""Diagnostics: the values every compiler stage reports into, and their three renderings.

A stage never raises for a problem in the author's files: it calls ``diags.error(...)``
(or ``warning``/``info``) with a stable code from ``compiler.codes`` and a ``Span``.
"""

from __future__ import annotations

import difflib
import json
import os
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from compiler.codes import CODES
from runtime.image.words import count, with_article

SEVERITIES = ("error", "warning", "info")
FILE_CODES = "MM1"  # problems reading or parsing a file (compiler/loader.py)
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

    def as_json(self, shown: str = "") -> dict[str, object]:
        """The contract's keys (``file`` relative to WORLD_DIR) plus ``path``: the file as the
        caller reaches it (``shown`` is WORLD_DIR as given, see ``shown_path``)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": self.span.file,
            "path": shown_path(shown, self.span.file),
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
        """Stable order for output: problems with the files themselves (MM1xxx: a file that could
        not be read or parsed) first, as they explain what follows; then by file, line, column,
        code, message."""
        seen: set[Diagnostic] = set()
        unique = []
        for d in self.items:
            if d not in seen:
                seen.add(d)
                unique.append(d)
        return sorted(unique, key=lambda d: (not d.code.startswith(FILE_CODES), d.span, d.code, d.message))


def did_you_mean(word: str, candidates: Iterable[str], n: int = 1) -> str | None:
    """A hint naming the closest candidates, or None."""
    close = difflib.get_close_matches(word, list(candidates), n=n, cutoff=0.6)
    if not close:
        return None
    return "did you mean " + " or ".join(f"'{c}'" for c in close) + "?"


def a_or_an(noun: str) -> str:
    """'a room', 'an object' (``runtime.image.words.with_article``, the one helper for articles)."""
    return with_article(noun)


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


def shown_path(shown: str, file: str) -> str:
    """``file`` (relative to the world directory) as a path relative to where the user is:
    ``shown`` is the world directory as given on the command line (``worlds/mine``), or ""
    to keep ``file`` as it is."""
    if not shown or shown == ".":
        return file
    if file in ("", "."):
        return shown
    return posixpath.normpath(posixpath.join(shown.replace(os.sep, "/"), file))


def relative_to_cwd(root: Path) -> str:
    """The world directory as the user reaches it from the current directory (``worlds/mine``,
    ``.`` for the current directory itself); a directory given as an absolute path outside the
    current one stays absolute rather than climbing with ``../../..``."""
    try:
        rel = os.path.relpath(root, Path.cwd()).replace(os.sep, "/")
    except (OSError, ValueError):  # no current directory, or another drive
        return str(root)
    if (rel == ".." or rel.startswith("../")) and root.is_absolute():
        return root.as_posix()
    return rel


def render_text(
    diags: Iterable[Diagnostic], root: Path | None = None, colour: bool = False, shown: str = ""
) -> str:
    """``path:line:col: severity[CODE]: message``, the quoted source line, a caret, the hint.
    ``shown`` prefixes each file (see ``shown_path``); ``root`` is where the files are read."""
    out: list[str] = []
    cache: dict[str, list[str]] = {}
    counts = {s: 0 for s in SEVERITIES}
    for d in diags:
        counts[d.severity] += 1
        sev = d.severity
        if colour:
            sev = f"{_COLOURS[d.severity]}{d.severity}\x1b[0m"
        out.append(f"{shown_path(shown, d.span.file)}:{d.span.line}:{d.span.column}: {sev}[{d.code}]: {d.message}")
        src = _source_line(root, d.span, cache)
        if src is not None:
            quoted = src.replace("\t", " ")
            out.append(f"  {d.span.line:>4} | {quoted}")
            out.append("       | " + " " * max(0, d.span.column - 1) + "^")
        if d.hint:
            out.append(f"       = hint: {d.hint}")
    summary = ", ".join(count(n, s) for s, n in counts.items() if n)
    out.append(summary if summary else "no problems found")
    return "\n".join(out) + "\n"


def render_json(diags: Iterable[Diagnostic], shown: str = "") -> str:
    return json.dumps([d.as_json(shown) for d in diags], ensure_ascii=False, indent=2) + "\n"


def _gh_escape(text: str, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diags: Iterable[Diagnostic], shown: str = "") -> str:
    """GitHub Actions workflow commands: ``::error file=...,line=...,col=...,title=CODE::msg``;
    ``file`` must be relative to the repository root, where CI runs: pass ``shown``."""
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for d in diags:
        path = shown_path(shown, d.span.file)
        msg = d.message + (f" (hint: {d.hint})" if d.hint else "")
        out.append(
            f"::{kinds[d.severity]} file={_gh_escape(path, True)},line={d.span.line},"
            f"col={d.span.column},title={_gh_escape(d.code, True)}::{_gh_escape(msg)}"
        )
    return "\n".join(out) + ("\n" if out else "")
