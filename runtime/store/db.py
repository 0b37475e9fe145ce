"""The DuckDB file: opening (lock, migrations), loading state, writing grouped commands.

One writer.  ``write`` persists a batch of commands in ONE transaction with set-based
statements (one multi-row DELETE and one multi-row INSERT OR REPLACE per table, one multi-row
insert for journal and audit rows), bound parameters only; any failure rolls the whole batch
back and raises ``StoreError``.  FACTS.md: COMMIT after a failed statement silently rolls
back, so every statement is checked and ROLLBACK is explicit.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from runtime.store.lock import FileLock, LockError
from runtime.store.migrations import CORE_SPECS, LATEST, MIGRATIONS
from runtime.store.tables import ChangeSet, Key, Row, Tables, TableSpec

CHUNK = 400  # rows per multi-row statement
MAX_BUFFERED_EVENTS = 50_000


class StoreError(Exception):
    """A storage problem, in words a person can act on."""


@dataclass(frozen=True)
class AuditRow:
    actor: str
    action: str
    target: str
    detail: str


@dataclass(frozen=True)
class CommandRecord:
    seq: int
    at: int
    player: str
    command: str
    ok: bool
    changes: ChangeSet
    audit: tuple[AuditRow, ...] = ()


@dataclass
class EventBuffer:
    rows: list[tuple[int, str, str | None, str | None, str]] = field(default_factory=list)
    dropped: int = 0

    def add(self, at: int, kind: str, player: str | None, room: str | None, data: Mapping[str, Any]) -> None:
        if len(self.rows) >= MAX_BUFFERED_EVENTS:
            self.dropped += 1
            return
        self.rows.append((at, kind, player, room, json.dumps(dict(data), ensure_ascii=False, sort_keys=True)))

    @property
    def full(self) -> bool:
        return len(self.rows) >= MAX_BUFFERED_EVENTS // 2


def _translate(exc: Exception, path: Path | None) -> StoreError:
    text = str(exc)
    where = str(path) if path else "the database"
    low = text.lower()
    if "not a valid duckdb database" in low or "not a duckdb" in low or "invalid magic" in low:
        return StoreError(f"{where} is not a DuckDB database file")
    if "newer version" in low or ("version" in low and "storage" in low):
        return StoreError(f"{where} was written by a newer DuckDB; upgrade meshmush")
    if "no space" in low or "disk full" in low:
        return StoreError(f"disk full while writing {where}; free some space and restart")
    if "permission" in low:
        return StoreError(f"permission denied for {where}")
    if "lock" in low:
        return StoreError(f"{where} is in use by another process")
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return StoreError(f"database error on {where}: {first[:200]}")


class Database:
    def __init__(self, conn: duckdb.DuckDBPyConnection, path: Path | None, lock: FileLock | None,
                 tmpdir: str | None) -> None:
        self.conn = conn
        self.path = path
        self._lock = lock
        self._tmpdir = tmpdir
        self.events = EventBuffer()
        self._closed = False
        self._seq: dict[tuple[str, str], int] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, path: Path | None) -> Database:
        tmpdir = None
        if path is None:
            tmpdir = tempfile.mkdtemp(prefix="meshmush-")
            db_path = Path(tmpdir) / "state.duckdb"
        else:
            db_path = Path(path)
            if db_path.is_dir():
                raise StoreError(f"{db_path} is a directory, not a database file")
            if not db_path.parent.exists():
                raise StoreError(f"folder {db_path.parent} does not exist")
        lock = FileLock(Path(str(db_path) + ".lock"))
        try:
            lock.acquire()
        except LockError as exc:
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise StoreError(str(exc)) from None
        try:
            conn = duckdb.connect(str(db_path))
        except duckdb.Error as exc:
            lock.release()
            if tmpdir:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise _translate(exc, db_path) from None
        db = cls(conn, db_path, lock, tmpdir)
        try:
            db._migrate()
        except StoreError:
            db.close()
            raise
        except duckdb.Error as exc:
            db.close()
            raise _translate(exc, db_path) from None
        return db

    def _migrate(self) -> None:
        c = self.conn
        c.execute("CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT)")
        applied = dict(c.execute("SELECT number, name FROM schema_migrations").fetchall())
        unknown = [n for n in applied if n > LATEST]
        if unknown:
            raise StoreError(
                f"{self.path} has schema migration {max(unknown)}, newer than this meshmush knows ({LATEST});"
                " upgrade meshmush"
            )
        for m in MIGRATIONS:
            if m.number in applied:
                continue
            c.execute("BEGIN TRANSACTION")
            try:
                for stmt in m.statements:
                    c.execute(stmt)
                c.execute("INSERT INTO schema_migrations VALUES (?, ?)", [m.number, m.name])
                c.execute("COMMIT")
            except duckdb.Error:
                c.execute("ROLLBACK")
                raise

    def applied_migrations(self) -> list[tuple[int, str]]:
        return [(int(n), str(s)) for n, s in self.conn.execute(
            "SELECT number, name FROM schema_migrations ORDER BY number").fetchall()]

    # ---------------------------------------------------------------- reading
    def load(self, specs: Sequence[TableSpec]) -> Tables:
        tables = Tables(specs)
        try:
            for spec in specs:
                cols = ", ".join(spec.column_names)
                rows = self.conn.execute(f"SELECT {cols} FROM {spec.name}").fetchall()
                tables.load(spec.name, rows)
        except duckdb.Error as exc:
            raise _translate(exc, self.path) from None
        return tables

    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.conn.execute("SELECT key, value FROM meta").fetchall()}

    def next_id(self, table: str, column: str) -> int:
        """One more than the largest id ever written (cached; callers allocate through here)."""
        key = (table, column)
        if key not in self._seq:
            row = self.conn.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()
            self._seq[key] = int(row[0]) if row else 0
        self._seq[key] += 1
        return self._seq[key]

    def next_journal_seq(self) -> int:
        return self.next_id("journal", "seq")

    def peek_id(self, table: str, column: str) -> int:
        """The id next_id would return, without taking it."""
        value = self.next_id(table, column)
        self._seq[(table, column)] -= 1
        return value

    # ---------------------------------------------------------------- writing
    def write(self, batch: Sequence[CommandRecord], specs: Mapping[str, TableSpec] | None = None) -> None:
        """Persist ``batch`` in one transaction; StoreError (after ROLLBACK) on any failure."""
        if not batch:
            return
        if specs is None:
            specs = {s.name: s for s in CORE_SPECS}
        merged: dict[str, dict[Key, Row | None]] = {}
        for rec in batch:
            for table, keys in rec.changes.deletes.items():
                m = merged.setdefault(table, {})
                for k in keys:
                    m[tuple(k)] = None
            for table, rows in rec.changes.upserts.items():
                m = merged.setdefault(table, {})
                spec = specs[table]
                for row in rows:
                    m[spec.key_of(row)] = row
        c = self.conn
        try:
            c.execute("BEGIN TRANSACTION")
            for table, entries in merged.items():
                spec = specs[table]
                dels = [k for k, v in entries.items() if v is None]
                ups = [v for v in entries.values() if v is not None]
                self._delete(spec, dels)
                self._insert(spec.name, len(spec.columns), ups, replace=True)
            self._insert("journal", 5, [(r.seq, r.at, r.player, r.command, r.ok) for r in batch])
            audit = [
                (self.next_id("audit", "seq"), r.at, a.actor, a.action, a.target, a.detail)
                for r in batch
                for a in r.audit
            ]
            self._insert("audit", 6, audit)
            c.execute("COMMIT")
        except (duckdb.Error, OSError) as exc:
            with contextlib.suppress(duckdb.Error):
                c.execute("ROLLBACK")
            raise _translate(exc, self.path) from None

    def _delete(self, spec: TableSpec, keys: Sequence[Key]) -> None:
        for i in range(0, len(keys), CHUNK):
            chunk = keys[i : i + CHUNK]
            if len(spec.key) == 1:
                marks = ",".join("?" * len(chunk))
                self.conn.execute(f"DELETE FROM {spec.name} WHERE {spec.key[0]} IN ({marks})", [k[0] for k in chunk])
            else:
                one = "(" + ",".join("?" * len(spec.key)) + ")"
                cols = "(" + ", ".join(spec.key) + ")"
                params = [v for k in chunk for v in k]
                self.conn.execute(
                    f"DELETE FROM {spec.name} WHERE {cols} IN (VALUES {','.join([one] * len(chunk))})", params
                )

    def _insert(self, table: str, width: int, rows: Sequence[Row], replace: bool = False) -> None:
        verb = "INSERT OR REPLACE INTO" if replace else "INSERT INTO"
        one = "(" + ",".join("?" * width) + ")"
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            params = [v for row in chunk for v in row]
            self.conn.execute(f"{verb} {table} VALUES {','.join([one] * len(chunk))}", params)

    def set_meta(self, items: Mapping[str, str]) -> None:
        try:
            self.conn.execute("BEGIN TRANSACTION")
            for k, v in items.items():
                self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", [k, v])
            self.conn.execute("COMMIT")
        except duckdb.Error as exc:
            self.conn.execute("ROLLBACK")
            raise _translate(exc, self.path) from None

    def flush_events(self) -> int:
        """Write buffered analytics events with the Appender; returns how many."""
        rows = self.events.rows
        if not rows:
            return 0
        try:
            app = self.conn.appender("events")
            app.append_rows(rows)
            app.flush()
        except duckdb.Error as exc:
            raise _translate(exc, self.path) from None
        n = len(rows)
        self.events.rows = []
        return n

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """Read-only queries for tests, tools and analytics."""
        return [tuple(r) for r in self.conn.execute(sql, list(params)).fetchall()]

    def checkpoint(self) -> None:
        try:
            self.conn.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise _translate(exc, self.path) from None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            try:
                self.flush_events()
                self.checkpoint()
            except StoreError:
                pass
            self.conn.close()
        finally:
            if self._lock is not None:
                self._lock.release()
            if self._tmpdir:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
