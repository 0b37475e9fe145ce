"""Analytics events: buffered, bounded, written with the Appender."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from runtime.store.db import Database
from runtime.store.events import EventBuffer


def test_events_are_flushed_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        db.events.add(5, "move", "p1", "town.square", {"to": "town.lane", "n": 2})
        db.events.add(6, "login", None, None, {})
        assert db.query("SELECT count(*) FROM events") == [(0,)]  # only buffered
        assert db.flush_events() == 2
        assert db.flush_events() == 0
        db.events.add(7, "say", "p1", "town.lane", {"text": "héllo"})
        assert db.events.written == 2 and len(db.events) == 1
    with Database.open(path) as db:  # close flushed the rest
        rows = db.query("SELECT at_ms, kind, player, room, data FROM events ORDER BY at_ms")
    assert rows == [
        (5, "move", "p1", "town.square", '{"n":2,"to":"town.lane"}'),
        (6, "login", None, None, "{}"),
        (7, "say", "p1", "town.lane", '{"text":"héllo"}'),
    ]
    assert json.loads(rows[2][4]) == {"text": "héllo"}


def test_a_full_buffer_flushes_early(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        events = EventBuffer(db._conn, limit=100)
        for i in range(250):
            events.add(i, "tick", None, None, {"i": i})
        assert events.written == 200 and len(events) == 50 and events.dropped == 0
        assert db.query("SELECT count(*), min(at_ms), max(at_ms) FROM events") == [(200, 0, 199)]


def test_a_full_buffer_that_cannot_flush_drops_instead_of_growing() -> None:
    conn = duckdb.connect()  # no events table: every flush fails
    events = EventBuffer(conn, limit=10)
    for i in range(25):
        events.add(i, "tick", None, None, {})
    assert len(events) == 5 and events.dropped == 20 and events.written == 0
    with pytest.raises(duckdb.Error):
        events.flush()
    assert len(events) == 5  # kept for the next try
    conn.execute("CREATE TABLE events (at_ms BIGINT, kind TEXT, player TEXT, room TEXT, data TEXT)")
    assert events.flush() == 5
    conn.close()


def test_odd_values_are_refused_or_stringified() -> None:
    events = EventBuffer(limit=10)
    with pytest.raises(TypeError, match="milliseconds"):
        events.add(1.5, "x", None, None, {})  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        events.add(1, "x", 3, None, {})  # type: ignore[arg-type]
    events.add(1, "x", None, None, {"path": Path("/a"), "ok": True})
    assert events.rows[0][4] == '{"ok":true,"path":"/a"}'
    with pytest.raises(RuntimeError, match="no connection"):
        events.flush()
