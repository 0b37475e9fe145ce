"""Admission control: who may start a session when node numbers cost nothing to invent.

Anyone can transmit with any ``from``: a thousand invented node numbers, one ``say`` each, would
otherwise make a thousand permanent players and fill the air with their welcomes.  So a node the
world has never seen needs a token from one global bucket (``new_burst`` at once, refilled at
``new_per_minute``), and no more than ``max_newcomers`` not-yet-established players may be online
at once.  Established players (older than the engine's ``established_after_ms``) and players who
already have a live session are never held back.  A refused command gets no reply at all: it
costs no airtime, and the refusals are counted (``refused``) and logged once a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class AdmissionConfig:
    new_per_minute: float = 10.0  # unknown nodes admitted a minute (sustained)
    new_burst: int = 8  # … and at once
    max_newcomers: int = 24  # not-yet-established players online at once


class Admission:
    def __init__(self, config: AdmissionConfig, now_ms: int) -> None:
        self.config = config
        self._tokens = float(config.new_burst)
        self._at = now_ms
        self._newcomers: set[str] = set()  # newcomers admitted whose session may still be live
        self.refused = 0
        self.refused_since_log = 0

    def _refill(self, now_ms: int) -> None:
        if now_ms > self._at:
            self._tokens = min(
                float(self.config.new_burst), self._tokens + (now_ms - self._at) * self.config.new_per_minute / 60_000
            )
        self._at = max(self._at, now_ms)

    def admit(self, key: str, *, known: bool, newcomer: bool, online: bool, now_ms: int,
              active: Callable[[str], bool]) -> bool:
        """May ``key`` run a command now?  ``known``: the world has a player for it;
        ``newcomer``: that player is not established; ``online``: it has a live session;
        ``active(k)``: newcomer ``k`` is still online and still not established (the engine
        owns sessions and players)."""
        if (known and (not newcomer or online)) or key in self._newcomers:
            return True
        self._newcomers = {k for k in self._newcomers if active(k)}
        if len(self._newcomers) >= self.config.max_newcomers:
            return self._refuse()
        if not known:
            self._refill(now_ms)
            if self._tokens < 1.0:
                return self._refuse()
            self._tokens -= 1.0
        self._newcomers.add(key)
        return True

    def _refuse(self) -> bool:
        self.refused += 1
        self.refused_since_log += 1
        return False
