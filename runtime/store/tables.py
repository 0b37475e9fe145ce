"""In-memory tables with a transactional overlay.

The engine keeps the whole mutable state in memory (loaded from DuckDB at start-up) and runs
each command inside a ``Txn``: reads see the command's own writes, nothing touches the base
until ``commit``, and ``rollback`` forgets everything.  ``commit`` returns the ``ChangeSet``
(the net effect against the base) that the store persists, grouped with other commands, in
one DuckDB transaction (``runtime.store.db``).

Ordering is deterministic: ``find`` and ``scan`` return rows sorted by key (numbers before
text, numbers numerically), so replaying the same commands gives the same results.
One ``Txn`` at a time; misuse is a programmer error and raises ``RuntimeError``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, KeysView, Mapping, Sequence, ValuesView
from dataclasses import dataclass
from functools import cached_property
from typing import Any

Row = tuple[Any, ...]
"""A full row, one value per column in the spec's column order."""
Key = tuple[Any, ...]
"""The values of a row's primary-key columns, in the spec's key order."""

_IDENT = re.compile(r"[a-z_][a-z0-9_]*\Z")


@dataclass(frozen=True)
class TableSpec:
    """One table: its name, primary key, every column with its DuckDB type, and the columns
    that get an in-memory secondary index.  Names are identifiers: they go into SQL text."""

    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (column, DuckDB type), key columns included, in order
    indexes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        names = [c for c, _ in self.columns]
        for ident in (self.name, *names):
            if not _IDENT.match(ident):
                raise ValueError(f"table spec {self.name!r}: {ident!r} is not a plain lowercase identifier")
        if len(set(names)) != len(names):
            raise ValueError(f"table spec {self.name!r}: a column is listed twice")
        for col in (*self.key, *self.indexes):
            if col not in names:
                raise ValueError(f"table spec {self.name!r}: no column {col!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def position(self, column: str) -> int:
        return self.column_names.index(column)

    @cached_property
    def _key_positions(self) -> tuple[int, ...]:
        names = self.column_names
        return tuple(names.index(k) for k in self.key)

    def key_of(self, row: Row) -> Key:
        return tuple([row[i] for i in self._key_positions])


@dataclass(frozen=True)
class ChangeSet:
    """What one or more committed transactions changed: rows to write (full rows) and keys to
    delete, per table.  A key appears at most once per table, in one of the two."""

    upserts: Mapping[str, tuple[Row, ...]]
    deletes: Mapping[str, tuple[Key, ...]]

    @property
    def empty(self) -> bool:
        return not any(self.upserts.values()) and not any(self.deletes.values())


EMPTY = ChangeSet({}, {})


class ChangeError(ValueError):
    """A change set does not fit the tables (unknown table, no key, wrong width)."""


Merged = dict[str, dict[Key, Row | None]]
"""Change sets folded into one: per table, per key, the final row (None: deleted)."""


def merge_changes(parts: Iterable[ChangeSet], specs: Mapping[str, TableSpec]) -> Merged:
    """Consecutive change sets as one, in order: the last write of a key wins (a delete after a
    put is a delete, a put after a delete is a put).  Raises ChangeError for a change that does
    not fit ``specs``.  The one place change sets are merged: the engine's commands and the
    store's batches both come here."""
    merged: Merged = {}
    for part in parts:
        for table, keys in part.deletes.items():
            spec = _spec_for(specs, table)
            m = merged.setdefault(table, {})
            width = len(spec.key)
            for key in keys:
                if len(key) != width:
                    raise ChangeError(f"a key of table {table} has {len(key)} value(s): {key!r}")
                m[tuple(key)] = None
        for table, rows in part.upserts.items():
            spec = _spec_for(specs, table)
            m = merged.setdefault(table, {})
            width = len(spec.columns)
            key_of = spec.key_of
            for row in rows:
                if len(row) != width:
                    raise ChangeError(f"a row of table {table} has {len(row)} value(s): {row!r}")
                m[key_of(row)] = tuple(row)
    return merged


def changeset(merged: Merged) -> ChangeSet:
    """A merged change as a ChangeSet again (tables with nothing left out)."""
    upserts = {t: tuple(r for r in m.values() if r is not None) for t, m in merged.items()}
    deletes = {t: tuple(k for k, r in m.items() if r is None) for t, m in merged.items()}
    return ChangeSet({t: v for t, v in upserts.items() if v}, {t: v for t, v in deletes.items() if v})


def _spec_for(specs: Mapping[str, TableSpec], table: str) -> TableSpec:
    spec = specs.get(table)
    if spec is None:
        raise ChangeError(f"table {table!r} is not a stateful table")
    if not spec.key:
        raise ChangeError(f"table {table!r} has no primary key")
    return spec


def sort_key(key: Key) -> tuple[tuple[int, Any], ...]:
    """Order of keys in ``find`` and ``scan``: numbers (numerically) before text."""
    return tuple((0, x) if isinstance(x, (int, float)) else (1, str(x)) for x in key)


class _Table:
    """The committed rows of one table and its secondary indexes (value -> set of keys)."""

    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.width = len(spec.columns)
        self.rows: dict[Key, Row] = {}
        self.keypos = tuple(spec.position(k) for k in spec.key)
        self.indexpos = {c: spec.position(c) for c in spec.indexes}
        self.index: dict[str, dict[Any, set[Key]]] = {c: {} for c in spec.indexes}
        self._sorted: list[Key] | None = []
        # (column, value) -> the bucket's keys in ``sort_key`` order, kept up to date by put/delete
        self._sorted_buckets: dict[tuple[str, Any], list[Key]] = {}

    def key(self, row: Row) -> Key:
        return tuple(row[p] for p in self.keypos)

    def sorted_keys(self) -> list[Key]:
        if self._sorted is None:
            self._sorted = sorted(self.rows, key=sort_key)
        return self._sorted

    def sorted_bucket(self, column: str, value: Any) -> list[Key]:
        """The committed keys whose ``column`` is ``value``, sorted (cached, maintained on change)."""
        cached = self._sorted_buckets.get((column, value))
        if cached is None:
            cached = sorted(self.index[column].get(value, ()), key=sort_key)
            self._sorted_buckets[(column, value)] = cached
        return cached

    def put(self, key: Key, row: Row) -> None:
        old = self.rows.get(key)
        if old is None:
            self._sorted = None
        else:
            if old == row:
                return
            self._unindex(key, old)
        self.rows[key] = row
        buckets = self._sorted_buckets
        for col, pos in self.indexpos.items():
            self.index[col].setdefault(row[pos], set()).add(key)
            cached = buckets.get((col, row[pos])) if buckets else None
            if cached is not None:
                bisect.insort(cached, key, key=sort_key)

    def delete(self, key: Key) -> None:
        old = self.rows.pop(key, None)
        if old is not None:
            self._sorted = None
            self._unindex(key, old)

    def _unindex(self, key: Key, row: Row) -> None:
        buckets = self._sorted_buckets
        for col, pos in self.indexpos.items():
            cached = buckets.get((col, row[pos])) if buckets else None
            if cached is not None:
                i = bisect.bisect_left(cached, sort_key(key), key=sort_key)
                if i < len(cached) and cached[i] == key:
                    del cached[i]
                else:  # cannot happen: the cache mirrors the index; be safe
                    del buckets[(col, row[pos])]
            bucket = self.index[col].get(row[pos])
            if bucket is not None:
                bucket.discard(key)
                if not bucket:
                    del self.index[col][row[pos]]


class Tables:
    """The committed state: one dict per table, plus secondary indexes."""

    def __init__(self, specs: Sequence[TableSpec]) -> None:
        self.specs: dict[str, TableSpec] = {}
        for spec in specs:
            if spec.name in self.specs:
                raise ValueError(f"table {spec.name!r} is specified twice")
            self.specs[spec.name] = spec
        self._tables = {name: _Table(spec) for name, spec in self.specs.items()}
        self._open: Txn | None = None

    def _table(self, name: str) -> _Table:
        try:
            return self._tables[name]
        except KeyError:
            raise KeyError(f"unknown table {name!r}") from None

    def load(self, table: str, rows: Sequence[Row]) -> None:
        """Add rows to the base directly (start-up only: no transaction may be open)."""
        if self._open is not None:
            raise RuntimeError("cannot load rows while a transaction is open")
        t = self._table(table)
        for raw in rows:
            row = _checked_row(t, raw)
            t.put(t.key(row), row)

    def count(self, table: str) -> int:
        return len(self._table(table).rows)

    def keys(self, table: str) -> KeysView[Key]:
        """The committed keys of ``table`` (a live view)."""
        return self._table(table).rows.keys()

    def rows(self, table: str) -> ValuesView[Row]:
        """The committed rows of ``table``, unordered (a live view: do not hold it across writes)."""
        return self._table(table).rows.values()

    def begin(self) -> Txn:
        if self._open is not None:
            raise RuntimeError("a transaction is already open")
        self._open = Txn(self)
        return self._open

    def _end(self, txn: Txn) -> None:
        if self._open is txn:
            self._open = None


def _checked_row(t: _Table, raw: Sequence[Any]) -> Row:
    row = tuple(raw)
    if len(row) != t.width:
        raise ValueError(f"table {t.spec.name!r} has {t.width} columns, got a row of {len(row)}: {row!r}")
    hash(row)  # values must be immutable scalars (a list here would corrupt the indexes)
    return row


class Txn:
    """An overlay over ``Tables``: ``_writes[table][key]`` is the new row, or None if deleted."""

    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self._writes: dict[str, dict[Key, Row | None]] = {}
        self._done = False

    def _table(self, name: str) -> _Table:
        if self._done:
            raise RuntimeError("this transaction is already committed or rolled back")
        return self._tables._table(name)

    def get(self, table: str, key: Key) -> Row | None:
        t = self._table(table)
        w = self._writes.get(table)
        if w is not None and key in w:
            return w[key]
        return t.rows.get(key)

    def put(self, table: str, row: Row) -> None:
        """Insert or replace; the key is taken from the row."""
        t = self._table(table)
        checked = _checked_row(t, row)
        self._writes.setdefault(table, {})[t.key(checked)] = checked

    def delete(self, table: str, key: Key) -> None:
        t = self._table(table)
        k = tuple(key)
        if len(k) != len(t.keypos):
            raise ValueError(f"table {table!r} has a key of {len(t.keypos)} column(s), got {k!r}")
        hash(k)
        self._writes.setdefault(table, {})[k] = None

    def find(self, table: str, column: str, value: Any) -> list[Row]:
        """Rows whose indexed ``column`` equals ``value``, overlay applied, sorted by key."""
        t = self._table(table)
        if column not in t.index:
            raise ValueError(f"table {table!r} has no index on {column!r}")
        w = self._writes.get(table)
        if not w:  # nothing written to this table yet in this transaction: the cached order
            rows = t.rows
            return [rows[k] for k in t.sorted_bucket(column, value)]
        pos = t.indexpos[column]
        # the cached order without this transaction's keys, then its matching rows slotted in
        keys = [k for k in t.sorted_bucket(column, value) if k not in w]
        for k, row in w.items():
            if row is not None and row[pos] == value:
                bisect.insort(keys, k, key=sort_key)
        out: list[Row] = []
        for k in keys:
            row = w[k] if k in w else t.rows.get(k)
            if row is not None:
                out.append(row)
        return out

    def scan(self, table: str) -> Iterator[Row]:
        """Every row, overlay applied, sorted by key.  A snapshot: later writes do not show."""
        t = self._table(table)
        w = self._writes.get(table)
        if not w:
            rows = t.rows
            return iter([rows[k] for k in t.sorted_keys()])
        keys = sorted(set(t.rows) | set(w), key=sort_key)
        merged = [w[k] if k in w else t.rows[k] for k in keys]
        return iter([r for r in merged if r is not None])

    def commit(self) -> ChangeSet:
        """Apply the overlay to the base and return the net change against it: a put of an
        identical row and a delete of an absent key are dropped, repeated puts coalesce."""
        if self._done:
            raise RuntimeError("this transaction is already committed or rolled back")
        upserts: dict[str, tuple[Row, ...]] = {}
        deletes: dict[str, tuple[Key, ...]] = {}
        for name, writes in self._writes.items():
            t = self._tables._table(name)
            ups = tuple(row for k, row in writes.items() if row is not None and t.rows.get(k) != row)
            dels = tuple(k for k, row in writes.items() if row is None and k in t.rows)
            if ups:
                upserts[name] = ups
            if dels:
                deletes[name] = dels
        # Everything that can fail was checked in put/delete: applying cannot stop halfway.
        for name, ups in upserts.items():
            t = self._tables._table(name)
            for row in ups:
                t.put(t.key(row), row)
        for name, dels in deletes.items():
            t = self._tables._table(name)
            for k in dels:
                t.delete(k)
        self._finish()
        return ChangeSet(upserts, deletes)

    def rollback(self) -> None:
        """Forget every write.  Harmless on a finished transaction (for ``finally`` blocks)."""
        self._finish()

    def _finish(self) -> None:
        self._writes = {}
        self._done = True
        self._tables._end(self)
