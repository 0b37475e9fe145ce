"""The DuckDB file: opening (lock, migrations), loading state, writing grouped commands.

One process, one connection, one writer (not thread-safe: the engine thread owns it).
``write`` persists a batch of commands in ONE transaction: the batch's change sets are merged
in order (later wins per key: a delete after a put is a delete, a put after a delete a put),
then each table gets at most three statements (delete, update, insert), the journal one and
the audit log one.  A statement of one row is a bound one-row statement; of more rows, one
flush of a DuckDB Appender with the matching action (``delete``/``update``/``insert``), so
there are no parameter limits and no chunking.  Any failure rolls the whole batch back
explicitly and raises ``StoreError`` (FACTS.md: COMMIT after a failed statement silently rolls
back, so nothing is committed after an error); the engine then reloads its state.  ``write``
returns only once COMMIT has: nothing is buffered afterwards (durable through DuckDB's WAL).

Why not ``INSERT OR REPLACE … VALUES (?,…),…``: DuckDB's upsert costs about twice an update,
and binding thousands of parameters costs more than appending the same rows (figures in
docs/performance.md from ``tools/bench/bench_store.py``).  To use plain updates and inserts
the database remembers which keys each loaded table holds in the file (``_present``, filled
by ``load`` and brought up to date after every COMMIT); a table it has not loaded gets the
``upsert`` action.  ``_present`` must be exact: an insert of a key that exists fails on the
primary key (the batch aborts, the engine reloads), but an update of a missing key changes
nothing.  Only ``write`` and ``set_meta`` change the file (``query`` runs nothing but SELECT)
and both keep it up to date; a one-row update checks that it changed one row; a test
compares file and memory after random batches with restarts.

All SQL text is built from our own ``TableSpec`` names; values are always bound or appended.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import duckdb

from runtime.store.events import EventBuffer
from runtime.store.files import UnsafeFileError, copy_private, private_umask, refuse_link, tighten
from runtime.store.lock import FileLock, InUseError, LockError
from runtime.store.migrations import (
    ALL_SPECS,
    AUDIT,
    CORE_SPECS,
    CREATE_MIGRATIONS_TABLE,
    JOURNAL,
    LATEST,
    MIGRATIONS,
    MIGRATIONS_TABLE,
    Migration,
)
from runtime.store.tables import ChangeError, ChangeSet, Key, Merged, Row, Tables, TableSpec, merge_changes

log = logging.getLogger("meshmush.store")

TEMP_NAME = "state.duckdb"


RECOVER = "stop meshmush and restore a backup: meshmush admin restore ID (meshmush admin backups lists them)"
"""How to recover from a damaged database, said with every such error."""


class StoreError(Exception):
    """A storage problem, in words a person can act on.  ``fatal``: the database is damaged
    or DuckDB has given up on it; nothing more may be written or acknowledged."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


@dataclass(frozen=True)
class AuditRow:
    actor: str
    action: str
    target: str
    detail: str
    result: str = "ok"  # 'ok' | 'refused' (the command said no) | 'denied' (not allowed to use it)


@dataclass(frozen=True)
class CommandRecord:
    """One command as persisted: its journal row, the state it changed, its audit rows."""

    seq: int
    at: int  # milliseconds, from the engine's clock
    player: str
    command: str
    ok: bool
    changes: ChangeSet
    audit: tuple[AuditRow, ...] = ()


Action = Literal["insert", "upsert", "update", "delete"]
"""The Appender's actions."""


@dataclass(frozen=True)
class _Op:
    table: TableSpec
    action: Action
    rows: tuple[Row, ...]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else type(exc).__name__


def _translate(exc: BaseException, path: Path | None, doing: str = "") -> StoreError:
    """A DuckDB or OS error as a StoreError that tells a person what happened and what to do."""
    where = f"database {path}" if path is not None else "the database"
    prefix = f"{doing}: " if doing else ""
    if isinstance(
        exc, (duckdb.ConstraintException, duckdb.ConversionException, duckdb.InvalidInputException)
    ):
        # about the values written (whose text must not be mistaken for the cases below)
        return StoreError(f"{prefix}{_first_line(exc)}")
    low = str(exc).lower()
    if "not a valid duckdb database" in low:
        return StoreError(f"{path} is not a meshmush database (it is not a DuckDB file)")
    if "corrupt" in low or "checksum" in low:
        return StoreError(f"{where} is damaged ({_first_line(exc)}); {RECOVER}", fatal=True)
    if "newer version" in low or "version number" in low or "storage version" in low:
        return StoreError(
            f"{where} was written by a newer DuckDB than this meshmush uses "
            f"(duckdb {duckdb.__version__}); upgrade meshmush"
        )
    if "could not set lock" in low or "conflicting lock" in low:
        return StoreError(f"{where} is in use by another process")
    if "no space left" in low or "disk full" in low or "out of disk" in low or "file too large" in low:
        return StoreError(f"the disk is full: could not write {where}; free some space and restart")
    if "permission denied" in low or "read-only file system" in low:
        return StoreError(f"permission denied: cannot open or write {where}")
    if "invalidated" in low or isinstance(exc, duckdb.FatalException):
        return StoreError(
            f"{where} stopped after a fatal error ({_first_line(exc)}); restart meshmush,"
            f" and if it will not start, {RECOVER}",
            fatal=True,
        )
    if "is a directory" in low:
        return StoreError(f"{path} is a directory, not a database file")
    return StoreError(f"{prefix}error in {where}: {_first_line(exc)}")


class Database:
    """Open with ``Database.open``; not thread-safe (the engine thread owns it)."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        path: Path,
        *,
        lock: FileLock | None,
        tmpdir: Path | None,
        read_only: bool,
    ) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only
        self._lock = lock
        self._tmpdir = tmpdir
        self._closed = False
        self.events = EventBuffer(None if read_only else conn)
        self._ids: dict[tuple[str, str], int] = {}  # (table, column) -> last id handed out
        self._present: dict[str, set[Key]] = {}  # loaded table -> keys it holds in the file
        self._loaded: dict[str, TableSpec] = {}
        self._checked: set[TableSpec] = set()
        self._appenders: dict[tuple[str, str], duckdb.Appender] = {}
        self._statements: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {}
        self.failure: StoreError | None = None  # the first fatal error: nothing may be written after it

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, path: Path | None, *, read_only: bool = False, lock: FileLock | None = None) -> Database:
        """Open (creating if needed) the database at ``path``; ``None`` makes a temporary one,
        deleted on close.  Takes the lock (or adopts ``lock``, already held by the caller for
        this file, e.g. ``meshmush admin restore``; released on close or failure), applies missing migrations (read-only:
        requires them all), and refuses a file from a newer meshmush."""
        tmpdir: Path | None = None
        if path is None:
            if read_only:
                raise ValueError("a temporary database cannot be opened read-only")
            tmpdir = Path(tempfile.mkdtemp(prefix="meshmush-"))
            db_path = tmpdir / TEMP_NAME
        else:
            db_path = Path(path)
            _refuse_links(db_path)
            if db_path.is_dir():
                raise StoreError(f"{db_path} is a directory, not a database file")
            if not db_path.parent.is_dir():
                raise StoreError(f"cannot create database {db_path}: folder {db_path.parent} does not exist")
            if read_only and not db_path.exists():
                raise StoreError(f"database {db_path} does not exist")
        if not read_only:
            _make_private(db_path)
        held = lock
        lock = None
        try:
            lock = held if held is not None else _take_lock(db_path, read_only)
            try:
                conn = duckdb.connect(str(db_path), read_only=read_only)
            except duckdb.Error as exc:
                raise _translate(exc, db_path, "cannot open") from None
        except BaseException:
            if lock is not None:
                lock.release()
            if tmpdir is not None:
                shutil.rmtree(tmpdir, ignore_errors=True)
            raise
        db = cls(conn, db_path, lock=lock, tmpdir=tmpdir, read_only=read_only)
        try:
            db._prepare_schema()
        except BaseException as exc:
            db._discard()
            if isinstance(exc, duckdb.Error):
                raise _translate(exc, db_path, "cannot prepare") from None
            raise
        return db

    def _prepare_schema(self) -> None:
        applied = self._applied()
        if applied is None:
            others = self._conn.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
            ).fetchone()
            if others is not None and others[0]:
                raise StoreError(f"{self.path} is a DuckDB database, but not one of meshmush's")
            if self.read_only:
                raise StoreError(
                    f"database {self.path} is empty; open it once without read-only to set it up"
                )
            self._conn.execute(CREATE_MIGRATIONS_TABLE)
            applied = {}
        known = {m.number: m.name for m in MIGRATIONS}
        for number, name in sorted(applied.items()):
            if number not in known:
                raise StoreError(
                    f"database {self.path} has schema migration {number} ({name}), newer than this "
                    f"meshmush knows (it knows 1-{LATEST}); upgrade meshmush"
                )
            if known[number] != name:
                raise StoreError(
                    f"database {self.path} has schema migration {number} named {name!r}, but this "
                    f"meshmush's migration {number} is {known[number]!r}; it was made by a different build"
                )
        missing = [m for m in MIGRATIONS if m.number not in applied]
        if missing and self.read_only:
            raise StoreError(
                f"database {self.path} needs schema migration(s) {', '.join(str(m.number) for m in missing)};"
                " open it once without read-only to upgrade it"
            )
        for m in missing:
            self._in_transaction(
                partial(self._apply_migration, m), f"cannot apply schema migration {m.number} ({m.name})"
            )
            log.info("applied schema migration %d (%s) to %s", m.number, m.name, self.path)

    def _apply_migration(self, m: Migration) -> None:
        for stmt in m.statements:
            self._conn.execute(stmt)
        self._conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} VALUES (?, ?)", [m.number, m.name])

    def _applied(self) -> dict[int, str] | None:
        exists = self._conn.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?",
            [MIGRATIONS_TABLE],
        ).fetchone()
        if exists is None or not exists[0]:
            return None
        rows = self._conn.execute(f"SELECT number, name FROM {MIGRATIONS_TABLE}").fetchall()
        return {int(n): str(s) for n, s in rows}

    def applied_migrations(self) -> list[tuple[int, str]]:
        return sorted((self._applied() or {}).items())

    # ------------------------------------------------------------------ reading
    def load(self, specs: Sequence[TableSpec] = CORE_SPECS) -> Tables:
        """Read every row of the given tables into a fresh ``Tables``."""
        self._live()
        tables = Tables(specs)
        present: dict[str, set[Key]] = {}
        try:
            for spec in specs:
                self._check_spec(spec)
                cols = ", ".join(spec.column_names)
                tables.load(spec.name, self._conn.execute(f"SELECT {cols} FROM {spec.name}").fetchall())
                present[spec.name] = set(tables.keys(spec.name))
        except duckdb.Error as exc:
            raise self._error(exc, "cannot load the state") from None
        self._present.update(present)
        self._loaded.update({s.name: s for s in specs})
        return tables

    def _check_spec(self, spec: TableSpec) -> None:
        """The table in the file has exactly the spec's columns, in order (the Appender
        writes by position)."""
        if spec in self._checked:
            return
        found = self._conn.execute(
            "SELECT column_name, data_type FROM duckdb_columns()"
            " WHERE database_name = current_database() AND table_name = ? ORDER BY column_index",
            [spec.name],
        ).fetchall()
        expected = [(c, _duck_type(t)) for c, t in spec.columns]
        if [(str(c), _duck_type(str(t))) for c, t in found] != expected:
            shown = ", ".join(f"{c} {t}" for c, t in found) or "nothing"
            raise StoreError(
                f"table {spec.name} in {self.path} has columns ({shown}), not the expected "
                f"({', '.join(f'{c} {t}' for c, t in expected)})"
            )
        self._checked.add(spec)

    def meta(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in self.query("SELECT key, value FROM meta ORDER BY key")}

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        """A read-only query (one SELECT) for tests, tools and analytics."""
        return self.query_columns(sql, params)[1]

    def query_columns(self, sql: str, params: Iterable[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """``query`` with the result's column names."""
        self._live()
        try:
            statements = self._conn.extract_statements(sql)
            if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
                raise StoreError("only one SELECT statement can be run here (the query is read-only)")
            cursor = self._conn.execute(sql, list(params))
            names = [str(d[0]) for d in cursor.description or ()]
            return names, [tuple(r) for r in cursor.fetchall()]
        except duckdb.Error as exc:
            raise self._error(exc, "query failed") from None

    def next_id(self, table: str, column: str) -> int:
        """A fresh id: one more than the largest in the file or handed out since opening."""
        spec = ALL_SPECS.get(table)
        if spec is None or column not in spec.column_names or dict(spec.columns)[column] != "BIGINT":
            raise ValueError(f"{table}.{column} is not an integer id column")
        key = (table, column)
        last = self._ids.get(key)
        if last is None:
            self._live()
            try:
                row = self._conn.execute(f"SELECT coalesce(max({column}), 0) FROM {table}").fetchone()
            except duckdb.Error as exc:
                raise self._error(exc, "cannot read ids") from None
            last = int(row[0]) if row else 0
        self._ids[key] = last + 1
        return last + 1

    def peek_id(self, table: str, column: str) -> int:
        """The id ``next_id`` would hand out next, without taking it."""
        value = self.next_id(table, column)
        self._ids[(table, column)] = value - 1
        return value

    def next_journal_seq(self) -> int:
        return self.next_id(JOURNAL.name, "seq")

    # ------------------------------------------------------------------ writing
    def write(self, batch: Sequence[CommandRecord], specs: Mapping[str, TableSpec] | None = None) -> None:
        """Persist ``batch`` in ONE transaction; returns once COMMIT has returned.  On any
        failure: ROLLBACK, then ``StoreError``.  An empty batch is a no-op."""
        if not batch:
            return
        self._writable()
        known = specs if specs is not None else (self._loaded or {s.name: s for s in CORE_SPECS})
        merged = _merge(batch, known)
        ops = self._plan(merged, known)
        audit = [
            (self.next_id(AUDIT.name, "seq"), r.at, a.actor, a.action, a.target, a.detail, a.result)
            for r in batch
            for a in r.audit
        ]
        ops.append(_Op(JOURNAL, "insert", tuple((r.seq, r.at, r.player, r.command, r.ok) for r in batch)))
        if audit:
            ops.append(_Op(AUDIT, "insert", tuple(audit)))

        def apply() -> None:
            for op in ops:
                self._run(op)

        self._in_transaction(apply, f"could not save {len(batch)} command(s)")
        for table, entries in merged.items():
            present = self._present.get(table)
            if present is not None:
                for key, row in entries.items():
                    if row is None:
                        present.discard(key)
                    else:
                        present.add(key)

    def _plan(
        self, merged: Mapping[str, Mapping[Key, Row | None]], specs: Mapping[str, TableSpec]
    ) -> list[_Op]:
        ops: list[_Op] = []
        for table, entries in merged.items():
            spec = specs[table]
            present = self._present.get(table)
            if present is None:
                deletes = tuple(k for k, row in entries.items() if row is None)
                upserts = tuple(row for row in entries.values() if row is not None)
                parts: list[tuple[Action, tuple[Any, ...]]] = [("delete", deletes), ("upsert", upserts)]
            else:
                deletes = tuple(k for k, row in entries.items() if row is None and k in present)
                # a row that is all key has nothing to update: present means unchanged
                all_key = len(spec.key) == len(spec.columns)
                updates = tuple(
                    row for k, row in entries.items() if row is not None and k in present and not all_key
                )
                inserts = tuple(row for k, row in entries.items() if row is not None and k not in present)
                parts = [("delete", deletes), ("update", updates), ("insert", inserts)]
            ops += [_Op(spec, action, rows) for action, rows in parts if rows]
        return ops

    def _run(self, op: _Op) -> None:
        """One statement: a single row as a bound statement (measured ~20 % cheaper than an
        Appender flush of one row), more rows as one Appender flush."""
        self._check_spec(op.table)
        if len(op.rows) == 1:
            sql, order = self._statement(op.table, op.action)
            row = op.rows[0]
            result = self._conn.execute(sql, [row[i] for i in order]).fetchone()
            if op.action == "update" and result != (1,):
                raise StoreError(
                    f"{op.table.name} {op.table.key_of(row)!r} was expected in the file, but is not"
                )
        else:
            appender = self._appender(op.table, op.action)
            appender.append_rows(op.rows)
            appender.flush()

    def _statement(self, spec: TableSpec, action: Action) -> tuple[str, tuple[int, ...]]:
        """The one-row statement for ``action`` and the row positions of its parameters (for
        a delete the row is the key)."""
        cached = self._statements.get((spec.name, action))
        if cached is not None:
            return cached
        names = spec.column_names
        marks = ", ".join("?" * len(names))
        where = " AND ".join(f"{k} = ?" for k in spec.key)
        if action == "insert":
            made = (f"INSERT INTO {spec.name} VALUES ({marks})", tuple(range(len(names))))
        elif action == "upsert":
            made = (f"INSERT OR REPLACE INTO {spec.name} VALUES ({marks})", tuple(range(len(names))))
        elif action == "delete":
            made = (f"DELETE FROM {spec.name} WHERE {where}", tuple(range(len(spec.key))))
        else:
            rest = [i for i, c in enumerate(names) if c not in spec.key]
            sets = ", ".join(f"{names[i]} = ?" for i in rest)
            made = (
                f"UPDATE {spec.name} SET {sets} WHERE {where}",
                (*rest, *(names.index(k) for k in spec.key)),
            )
        self._statements[(spec.name, action)] = made
        return made

    def _appender(self, spec: TableSpec, action: Action) -> duckdb.Appender:
        appender = self._appenders.get((spec.name, action))
        if appender is None:
            if action == "insert":
                appender = self._conn.appender(spec.name)
            elif action == "upsert":
                appender = self._conn.appender(spec.name, action="upsert")
            else:
                appender = self._conn.appender(spec.name, action=action, key=list(spec.key))
            self._appenders[(spec.name, action)] = appender
        return appender

    def _in_transaction(self, work: Callable[[], None], doing: str) -> None:
        """Run ``work()`` between BEGIN and COMMIT; on any exception ROLLBACK explicitly and
        raise (DuckDB and OS errors as StoreError)."""
        self._live()
        try:
            self._conn.execute("BEGIN TRANSACTION")
            work()
            self._conn.execute("COMMIT")
        except BaseException as exc:
            self._abort()
            if isinstance(exc, (duckdb.Error, OSError)):
                raise self._error(exc, doing) from None
            raise

    def _abort(self) -> None:
        for appender in self._appenders.values():
            with contextlib.suppress(duckdb.Error):
                appender.clear()
        self._appenders.clear()
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already rolled back
            self._conn.execute("ROLLBACK")

    def set_meta(self, items: Mapping[str, str]) -> None:
        """Write ``meta`` rows directly, in one transaction (tools, or before ``load``: the
        engine's tables do not see these writes)."""
        if not items:
            return
        self._writable()
        rows = tuple((str(k), str(v)) for k, v in items.items())
        meta = ALL_SPECS["meta"]

        def apply() -> None:
            appender = self._conn.appender(meta.name, action="upsert")
            appender.append_rows(rows)
            appender.flush()

        self._in_transaction(apply, "could not save meta")
        present = self._present.get(meta.name)
        if present is not None:
            present.update((k,) for k, _ in rows)

    def flush_events(self) -> int:
        """Write the buffered analytics events (one Appender flush); returns how many."""
        if self.read_only:
            if len(self.events):
                raise StoreError(f"database {self.path} is open read-only: cannot write events")
            return 0
        self._live()
        try:
            return self.events.flush(self._conn)
        except duckdb.Error as exc:
            raise self._error(exc, "could not write analytics events") from None

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file."""
        if self.read_only:
            return
        self._live()
        try:
            self._conn.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise self._error(exc, "checkpoint failed") from None

    # ------------------------------------------------------------------ backups and upkeep
    def copy_to(self, target: Path) -> CopyInfo:
        """A consistent copy of the whole database into the new file ``target`` (which must not
        exist): ``ATTACH`` + ``COPY FROM DATABASE`` + ``DETACH`` on this connection, between
        two writes, so it holds exactly the committed state.  Buffered events are flushed
        first.  Returns what the copy holds (``CopyInfo``).  Used by
        ``runtime.store.backup``, which owns names and permissions."""
        self._live()
        if target.exists() or target.is_symlink():
            raise StoreError(f"cannot copy the database to {target}: it already exists")
        if not self.read_only:
            self.flush_events()
        try:
            return copy_database(self._conn, target)
        except duckdb.Error as exc:
            raise _translate(exc, self.path, f"could not copy to {target}") from None

    def replace_file(self, source: Path) -> None:
        """Put a copy of the database file ``source`` in place of this one (a restore) and
        reopen it, keeping the lock: flush, checkpoint, close, copy to a temporary file beside
        this one, drop the old write-ahead log (it belongs to the old file), rename over, open,
        apply missing migrations.  Everything loaded must be loaded again (``load``)."""
        self._writable()
        if self._tmpdir is None and not self.path.parent.is_dir():
            raise StoreError(f"cannot restore: folder {self.path.parent} is gone")
        for step in (self.flush_events, self.checkpoint):
            try:
                step()
            except StoreError as exc:
                log.error("before restoring %s: %s", self.path, exc)
        self._appenders.clear()
        try:
            self._conn.close()
        except duckdb.Error as exc:
            log.error("closing %s before a restore: %s", self.path, exc)
        try:
            install_copy(source, self.path)
        except OSError as exc:  # the old file is untouched: carry on with it
            self._reconnect()
            raise StoreError(
                f"could not put the backup in place ({exc.strerror or exc}); {self.path} is unchanged"
            ) from None
        self._reconnect()
        self._ids.clear()
        self._present.clear()
        self._loaded.clear()
        self._checked.clear()
        self._statements.clear()
        try:
            self._prepare_schema()
        except duckdb.Error as exc:
            raise _translate(exc, self.path, "cannot prepare the restored database") from None

    def _reconnect(self) -> None:
        try:
            self._conn = duckdb.connect(str(self.path))
        except duckdb.Error as exc:
            self._closed = True
            if self._lock is not None:
                self._lock.release()
            raise _translate(exc, self.path, "cannot reopen") from None
        self.events = EventBuffer(self._conn)

    def delete_older(self, table: str, before_ms: int) -> int:
        """Delete rows of an append-only log (``journal``, ``events``) older than ``before_ms``,
        keeping the newest row of a table with a sequence (its number is where the next one
        starts).  Returns how many rows went."""
        if table not in ("journal", "events"):
            raise ValueError(f"{table} is not an append-only log that may be trimmed")
        self._writable()
        keep = " AND seq < (SELECT max(seq) FROM journal)" if table == "journal" else ""
        counted: list[int] = []

        def work() -> None:
            row = self._conn.execute(
                f"SELECT count(*) FROM {table} WHERE at_ms < ?{keep}", [before_ms]
            ).fetchone()
            counted.append(int(row[0]) if row else 0)
            if counted[0]:
                self._conn.execute(f"DELETE FROM {table} WHERE at_ms < ?{keep}", [before_ms])

        self._in_transaction(work, f"could not trim {table}")
        return counted[0]

    def size_bytes(self) -> int:
        """The database file and its write-ahead log, in bytes."""
        total = 0
        for path in (self.path, self.path.with_name(self.path.name + ".wal")):
            with contextlib.suppress(OSError):
                total += path.stat().st_size
        return total

    # ------------------------------------------------------------------ closing
    def close(self) -> None:
        """Flush events, checkpoint, close, release the lock.  Idempotent; never raises for
        a storage problem (it is logged: committed commands are already durable).  A damaged
        database is not checkpointed; ``failure`` then says what went wrong, and callers exit
        non-zero with it."""
        if self._closed:
            return
        for step in (self.flush_events, self.checkpoint):
            if self.failure is not None:
                break
            try:
                step()
            except StoreError as exc:
                if not exc.fatal:
                    log.error("closing %s: %s", self.path, exc)
        self._discard()

    def _discard(self) -> None:
        self._closed = True
        self._appenders.clear()
        try:
            self._conn.close()
        except duckdb.Error as exc:
            log.error("closing %s: %s", self.path, exc)
        finally:
            if self._lock is not None:
                self._lock.release()
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _error(self, exc: BaseException, doing: str) -> StoreError:
        """``exc`` in words; a fatal one is remembered, and refuses every later write."""
        err = _translate(exc, self.path, doing)
        if err.fatal and self.failure is None:
            self.failure = err
        return err

    def _live(self) -> None:
        if self._closed:
            raise StoreError(f"database {self.path} is closed")
        if self.failure is not None:
            raise StoreError(str(self.failure), fatal=True)

    def _writable(self) -> None:
        self._live()
        if self.read_only:
            raise StoreError(f"database {self.path} is open read-only")


_TYPE_ALIASES = {
    "TEXT": "VARCHAR",
    "STRING": "VARCHAR",
    "INT8": "BIGINT",
    "LONG": "BIGINT",
    "BOOL": "BOOLEAN",
    "INT": "INTEGER",
    "INT4": "INTEGER",
}


def _duck_type(name: str) -> str:
    upper = name.upper()
    return _TYPE_ALIASES.get(upper, upper)


def wal_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".wal")


def _refuse_links(db_path: Path) -> None:
    """DuckDB would write through a symbolic link planted at the database or its log."""
    try:
        refuse_link(db_path, "database")
        refuse_link(wal_path(db_path), "write-ahead log")
    except UnsafeFileError as exc:
        raise StoreError(str(exc)) from None


def _make_private(db_path: Path) -> None:
    """Before a writer opens: every file from now on 0600 (DuckDB creates the log itself), the
    files an older meshmush left 0644 tightened, and the folder checked for writing — an
    existing database in a read-only folder would otherwise start and then fail every write."""
    private_umask()
    try:
        tighten(db_path)
        tighten(wal_path(db_path))
    except OSError as exc:
        raise StoreError(f"cannot make database {db_path} private: {exc.strerror or exc}") from None
    folder = db_path.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise StoreError(
            f"cannot write in folder {folder} ({exc.strerror or exc}): the database needs to write"
            f" {wal_path(db_path).name} there; give meshmush a writable folder"
        ) from None
    if db_path.exists() and not os.access(db_path, os.W_OK):
        raise StoreError(f"permission denied: cannot write database {db_path}")


@dataclass(frozen=True)
class CopyInfo:
    """What a fresh copy holds: rows per table, the schema version, its ``meta``."""

    counts: dict[str, int]
    schema: int
    meta: dict[str, str]


def copy_database(conn: duckdb.DuckDBPyConnection, target: Path) -> CopyInfo:
    """``ATTACH`` the new file ``target``, ``COPY FROM DATABASE`` the connection's database into
    it, read the copy's row counts, schema version and ``meta``, ``DETACH``: a consistent online
    copy, measured at 30-90 ms for a small world.  A failed copy leaves no file."""
    quoted = str(target).replace("'", "''")  # ATTACH takes no parameters; the path is ours
    name = "meshmush_copy"
    try:
        source = conn.execute("SELECT current_database()").fetchone()
        assert source is not None
        conn.execute(f"ATTACH '{quoted}' AS {name} (READ_WRITE)")  # also from a read-only connection
        try:
            catalog = str(source[0]).replace('"', '""')
            conn.execute(f'COPY FROM DATABASE "{catalog}" TO {name}')
            tables = conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name", [name]
            ).fetchall()
            counts: dict[str, int] = {}
            for (table,) in tables:
                quoted_table = str(table).replace('"', '""')
                row = conn.execute(f'SELECT count(*) FROM {name}."{quoted_table}"').fetchone()
                counts[str(table)] = int(row[0]) if row else 0
            schema, meta = 0, {}
            if MIGRATIONS_TABLE in counts:
                found = conn.execute(f"SELECT coalesce(max(number), 0) FROM {name}.{MIGRATIONS_TABLE}").fetchone()
                schema = int(found[0]) if found else 0
            if "meta" in counts:
                meta = {str(k): str(v) for k, v in conn.execute(f"SELECT key, value FROM {name}.meta").fetchall()}
        finally:
            conn.execute(f"DETACH {name}")
        return CopyInfo(counts, schema, meta)
    except BaseException:
        for leftover in (target, target.with_name(target.name + ".wal")):
            with contextlib.suppress(OSError):
                leftover.unlink()
        raise


def install_copy(source: Path, target: Path) -> None:
    """Copy the database file ``source`` over ``target`` safely: a private temporary file in
    the same folder, flushed to disk, the old write-ahead log removed, then one rename (and
    the folder flushed), so a crash leaves either the old file or the new one."""
    tmp = target.with_name(f".{target.name}.restoring")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    copy_private(source, tmp)
    with contextlib.suppress(FileNotFoundError):
        target.with_name(target.name + ".wal").unlink()
    os.replace(tmp, target)
    fsync_dir(target.parent)


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _take_lock(db_path: Path, read_only: bool) -> FileLock | None:
    """The writer's exclusive lock, or a reader's shared one (a reader that cannot even
    create the lock file, e.g. in a read-only folder, goes on without: DuckDB's own lock
    still keeps a writer out)."""
    lock = FileLock(db_path)
    try:
        lock.acquire(shared=read_only)
    except InUseError as exc:
        raise StoreError(str(exc)) from None
    except LockError as exc:
        if not read_only:
            raise StoreError(str(exc)) from None
        log.info("%s; opening read-only without it", exc)
        return None
    return lock


def _merge(batch: Sequence[CommandRecord], specs: Mapping[str, TableSpec]) -> Merged:
    """The batch's change sets merged (``runtime.store.tables.merge_changes``)."""
    try:
        return merge_changes((rec.changes for rec in batch), specs)
    except ChangeError as exc:
        raise StoreError(f"cannot save: {exc}") from None
