"""Who is online: one in-memory session per player with a live conversation.

A session starts with a player's first command (or ``welcome``), ends with QUIT, and lapses
after ``timeout_ms`` without a command (radios do not say goodbye).  It also holds the rest of
a long reply waiting for MORE.  Sessions are not persisted: after a restart everyone logs in
again with their next command.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

DEFAULT_TIMEOUT_MS = 30 * 60 * 1000


@dataclass
class Session:
    key: str
    started_ms: int
    last_ms: int
    pending: str | None = None  # the rest of a paged reply, for MORE
    ending: bool = False  # QUIT: end the session once the command has committed
    told: set[str] = field(default_factory=set)  # one-time hints already given (``Context.once``)


class Sessions:
    def __init__(self, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.timeout_ms = timeout_ms
        self._live: dict[str, Session] = {}

    def live(self, key: str, now_ms: int) -> Session | None:
        """The player's session if it has not lapsed by ``now_ms``."""
        s = self._live.get(key)
        if s is not None and now_ms - s.last_ms > self.timeout_ms:
            del self._live[key]
            return None
        return s

    def get(self, key: str) -> Session | None:
        return self._live.get(key)

    def start(self, key: str, now_ms: int) -> Session:
        s = Session(key, now_ms, now_ms)
        self._live[key] = s
        return s

    def end(self, key: str) -> None:
        self._live.pop(key, None)

    def expire(self, now_ms: int) -> list[str]:
        gone = [k for k, s in self._live.items() if now_ms - s.last_ms > self.timeout_ms]
        for k in gone:
            del self._live[k]
        return sorted(gone)

    def snapshot(self, keys: Iterable[str]) -> dict[str, Session | None]:
        """Copies of these players' sessions (None: no session), to ``restore`` if a batch
        has to be run again."""
        out: dict[str, Session | None] = {}
        for k in keys:
            s = self._live.get(k)
            out[k] = replace(s) if s is not None else None
        return out

    def restore(self, saved: Mapping[str, Session | None]) -> None:
        for k, s in saved.items():
            if s is None:
                self._live.pop(k, None)
            else:
                self._live[k] = replace(s)

    # Presence
    def is_online(self, key: str) -> bool:
        return key in self._live

    def online_keys(self) -> list[str]:
        return sorted(self._live)
