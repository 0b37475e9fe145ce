"""Reading what a player typed: cleaning, the verb word and its arguments, and matching names.

Commands are case-insensitive.  ``"text`` and ``'text`` are SAY, ``:text`` is EMOTE.
Names match, in order of preference: a whole name or alias, then a prefix of the name, of an
alias or of one of the name's words ("lant", "brass").  Several different things matching
equally well is a question back ("Which one: brass lantern or brass bell?"); several copies of
the same thing are not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_INPUT_BYTES = 1000
"""Longer lines are refused before parsing (a radio frame is about 200 bytes)."""

_ARTICLES = ("the ", "a ", "an ")
_SHORTCUTS = {'"': "say", "'": "say", ":": "emote"}
_INVISIBLE = {"\u200b", "\u200e", "\u200f", "\u2060", "\ufeff"} | {chr(c) for c in range(0x202A, 0x202F)} | {
    chr(c) for c in range(0x2066, 0x206A)
}


@dataclass(frozen=True)
class Command:
    raw: str  # the cleaned line
    word: str  # the first word as typed, lowercase ("l")
    verb: str  # the canonical verb ("look"); "" when the word is no verb
    args: str  # the rest of the line, original case, single-spaced

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.args.split())


def clean(text: str) -> str:
    """Control characters become spaces, bidi and zero-width marks go, whitespace collapses."""
    out = []
    for ch in text:
        if ch in _INVISIBLE:
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Zl", "Zp") or (cat == "Zs" and ch != " "):
            out.append(" ")
        elif cat in ("Cs", "Co", "Cn"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def split(line: str) -> tuple[str, str]:
    """``(word, args)`` of a cleaned line; shortcuts expanded."""
    if not line:
        return "", ""
    if line[0] in _SHORTCUTS:
        return _SHORTCUTS[line[0]], line[1:].strip()
    word, _, rest = line.partition(" ")
    return word.lower(), rest.strip()


@dataclass(frozen=True)
class Candidate(Generic[T]):
    item: T
    name: str
    aliases: tuple[str, ...]
    group: str = ""  # candidates with one group are interchangeable copies (same object id)


@dataclass(frozen=True)
class Match(Generic[T]):
    item: T | None
    problem: str | None = None  # "Which one: …?" when ambiguous


def normalise_name(text: str) -> str:
    q = " ".join(text.lower().split())
    for art in _ARTICLES:
        if q.startswith(art) and len(q) > len(art):
            q = q[len(art) :]
            break
    return q


def match(query: str, candidates: Sequence[Candidate[T]]) -> Match[T]:
    """The candidate ``query`` names; ``Match(None)`` when nothing does."""
    q = normalise_name(query)
    if not q:
        return Match(None, None)

    def exact(c: Candidate[T]) -> bool:
        return q == c.name.lower() or q in (a.lower() for a in c.aliases)

    def prefix(c: Candidate[T]) -> bool:
        names = [c.name.lower(), *(a.lower() for a in c.aliases)]
        return any(n.startswith(q) for n in names) or any(
            w.startswith(q) for w in c.name.lower().split()
        )

    for test in (exact, prefix):
        hits = [c for c in candidates if test(c)]
        if not hits:
            continue
        groups: dict[str, Candidate[T]] = {}
        for c in hits:
            groups.setdefault(c.group or c.name.lower(), c)
        if len(groups) == 1:
            return Match(hits[0].item)
        names = sorted({c.name for c in groups.values()})
        listed = ", ".join(names[:-1]) + " or " + names[-1]
        return Match(None, f"Which one: {listed}?")
    return Match(None, None)
