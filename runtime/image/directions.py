"""The directions of exits — the one table.  The compiler reads exits with it, the schemas
list its words, the verifier checks images against it and the engine moves players by it.

``DIRECTIONS`` is also the order in which a room's exits are stored and shown."""

from __future__ import annotations

from collections.abc import Mapping

# canonical name, short form, opposite — in the order exits are listed
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("north", "n", "south"),
    ("south", "s", "north"),
    ("east", "e", "west"),
    ("west", "w", "east"),
    ("up", "u", "down"),
    ("down", "d", "up"),
    ("northeast", "ne", "southwest"),
    ("northwest", "nw", "southeast"),
    ("southeast", "se", "northwest"),
    ("southwest", "sw", "northeast"),
    ("in", "in", "out"),
    ("out", "out", "in"),
)

DIRECTIONS: tuple[str, ...] = tuple(name for name, _, _ in _TABLE)
SHORT: Mapping[str, str] = {name: short for name, short, _ in _TABLE}
"""Canonical name → the short form players type and room descriptions show ("north" → "n")."""
OPPOSITE: Mapping[str, str] = {name: back for name, _, back in _TABLE}
WORDS: tuple[str, ...] = DIRECTIONS + tuple(short for name, short, _ in _TABLE if short != name)
"""Every word an author may write as an exit key (long names first, then the short forms)."""
_CANONICAL: Mapping[str, str] = {**{short: name for name, short, _ in _TABLE}, **{d: d for d in DIRECTIONS}}
_ORDER: Mapping[str, int] = {d: i for i, d in enumerate(DIRECTIONS)}


def canonical(word: str) -> str | None:
    """The canonical direction for ``n``, ``North``, ``NE``, ``in`` …; None if it is none."""
    return _CANONICAL.get(word.strip().lower())


def order(direction: str) -> int:
    """Where ``direction`` (canonical) sorts among a room's exits."""
    return _ORDER[direction]


def short(direction: str) -> str:
    """The short form of a canonical direction (an unknown one is shown as it is)."""
    return SHORT.get(direction, direction)
