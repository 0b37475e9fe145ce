"""When ``tick`` triggers are due, on a clock the caller drives (``Engine.tick(now_ms)``).

A trigger with ``every: 10m`` fires when a ten-minute mark of the clock (a multiple of the
period since the Unix epoch) has passed since the previous tick call: the same marks before
and after a restart, nothing to persist.  One call fires a trigger at most once, however many
marks passed (no burst after a pause).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from runtime.image.model import Trigger

TickEntry = tuple[str, str, Trigger]  # (owner kind, owner id, trigger)
DAY_MS = 86_400_000


class TickClock:
    def __init__(self, entries: Sequence[TickEntry], start_ms: int) -> None:
        self._entries = [e for e in entries if e[2].every]
        self._periods = [(e[2].every or 1) * 1000 for e in self._entries]
        self._marks = [start_ms // p for p in self._periods]

    def due(self, now_ms: int) -> list[TickEntry]:
        fired: list[TickEntry] = []
        for i, entry in enumerate(self._entries):
            mark = now_ms // self._periods[i]
            if mark > self._marks[i]:
                self._marks[i] = mark
                fired.append(entry)
        return fired


def aligned_start(entries: Sequence[TickEntry], wall_ms: int) -> int:
    """A start time near ``wall_ms`` that is a mark of every tick period (their least common
    multiple, at most a day), so a scripted clock meets the same marks on every run."""
    step = 1000
    for _, _, trig in entries:
        if trig.every:
            step = math.lcm(step, trig.every * 1000)
            if step > DAY_MS:
                step = DAY_MS
                break
    return wall_ms // step * step
