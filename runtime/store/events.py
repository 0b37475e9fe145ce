"""Analytics events: buffered in memory, written in bulk with DuckDB's Appender.

Events are not game state: losing the last few seconds of them in a crash is acceptable, so
they are kept out of the command transactions (which stay small) and written by ``flush``,
which the server calls every few seconds and at shutdown.  The buffer is bounded: at
``limit`` rows ``add`` flushes early, and if that fails the buffered rows are dropped (and
counted in ``dropped``) rather than let memory grow.

Measured with ``tools/bench/bench_store.py`` (2 cores, duckdb 2.0.1; docs/performance.md):
10,000 event rows take ~17 ms with the Appender, ~0.5 s as multi-row ``INSERT … VALUES`` of
bound parameters (1,000 rows a statement) and ~4 s with ``executemany``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

import duckdb

from runtime.store.migrations import EVENTS

log = logging.getLogger("meshmush.store")

EventRow = tuple[int, str, str | None, str | None, str]
"""(at_ms, kind, player, room, data as JSON text): the columns of ``events``."""

DEFAULT_LIMIT = 50_000


class EventBuffer:
    def __init__(self, conn: duckdb.DuckDBPyConnection | None = None, *, limit: int = DEFAULT_LIMIT) -> None:
        if limit < 1:
            raise ValueError("an event buffer needs a limit of at least one row")
        self._conn = conn
        self.limit = limit
        self._rows: list[EventRow] = []
        self.written = 0  # rows written by flush since the buffer was made
        self.dropped = 0  # rows lost because a flush failed while the buffer was full

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> tuple[EventRow, ...]:
        return tuple(self._rows)

    def add(self, at: int, kind: str, player: str | None, room: str | None, data: Mapping[str, Any]) -> None:
        """Buffer one event.  ``data`` becomes JSON (keys sorted; values JSON cannot hold
        are written as their ``str``), so a bad value never reaches the Appender."""
        if isinstance(at, bool) or not isinstance(at, int):
            raise TypeError(f"event time must be integer milliseconds, not {at!r}")
        if not isinstance(kind, str) or not all(v is None or isinstance(v, str) for v in (player, room)):
            raise TypeError("event kind must be text, player and room text or None")
        text = json.dumps(dict(data), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
        self.add_json(at, kind, player, room, text)

    def add_json(self, at: int, kind: str, player: str | None, room: str | None, text: str) -> None:
        """Buffer one event whose data is already JSON text (the engine's per-command event:
        the same few texts over and over, made once each)."""
        self._rows.append((at, kind, player, room, text))
        if len(self._rows) >= self.limit:
            self._flush_early()
    def _flush_early(self) -> None:
        if self._conn is not None:
            try:
                self.flush(self._conn)
                return
            except duckdb.Error as exc:
                log.error("could not write %d analytics events early: %s", len(self._rows), exc)
        self.dropped += len(self._rows)
        log.warning("dropped %d analytics events: the buffer is full", len(self._rows))
        self._rows = []

    def flush(self, conn: duckdb.DuckDBPyConnection | None = None) -> int:
        """Write the buffered rows with one Appender flush (auto-committed unless the caller
        has a transaction open); returns how many.  On a DuckDB error nothing is written,
        the rows stay buffered for the next try, and the error propagates."""
        target = conn if conn is not None else self._conn
        if target is None:
            raise RuntimeError("this event buffer has no connection to flush to")
        rows = self._rows
        if not rows:
            return 0
        appender = target.appender(EVENTS.name)
        try:
            appender.append_rows(rows)
            appender.flush()
        except BaseException:
            appender.clear()
            raise
        self._rows = []
        self.written += len(rows)
        return len(rows)
