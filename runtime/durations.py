"""Durations typed by people (``90s``, ``10m``, ``12h``, ``7d``, ``2w``, ``1d12h``) and printed
back short (``1d``, ``2h30m``).  Shared by staff commands (mutes, bans, the backup policy)."""

from __future__ import annotations

import re

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS

_PART = re.compile(r"(\d{1,9})(w|d|h|m|s)")
_UNIT_MS = {"w": WEEK_MS, "d": DAY_MS, "h": HOUR_MS, "m": MINUTE_MS, "s": SECOND_MS}


def parse_duration(text: str) -> int | None:
    """Milliseconds, or None when ``text`` is not a duration (or is zero)."""
    t = text.strip().lower()
    total, pos = 0, 0
    for m in _PART.finditer(t):
        if m.start() != pos:
            return None
        total += int(m.group(1)) * _UNIT_MS[m.group(2)]
        pos = m.end()
    return total if t and pos == len(t) and total > 0 else None


def format_duration(ms: int, units: int = 2) -> str:
    """At most the ``units`` largest whole units: ``1d``, ``2h30m``, ``45s``; ``0s`` for nothing."""
    if ms < SECOND_MS:
        return "0s"
    parts: list[str] = []
    rest = ms
    for unit in ("d", "h", "m", "s"):
        size = _UNIT_MS[unit]
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
        elif parts:
            break
        if len(parts) == units:
            break
    return "".join(parts)
