"""In-memory tables with a transactional overlay.

The engine keeps the whole mutable state in memory (loaded from DuckDB at start-up) and runs
each command inside a ``Txn``: reads see the command's own writes, nothing touches the base
until ``commit``, and ``rollback`` forgets everything.  ``commit`` returns the ``ChangeSet``
the store persists (grouped with other commands) in one DuckDB transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]
Key = tuple[Any, ...]
_DELETED = None


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    columns: tuple[tuple[str, str], ...]  # (column, DuckDB type), key columns included, in order
    indexes: tuple[str, ...] = ()  # columns with an in-memory secondary index

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c for c, _ in self.columns)

    def key_of(self, row: Row) -> Key:
        names = self.column_names
        return tuple(row[names.index(k)] for k in self.key)

    def position(self, column: str) -> int:
        return self.column_names.index(column)


@dataclass(frozen=True)
class ChangeSet:
    upserts: Mapping[str, tuple[Row, ...]]
    deletes: Mapping[str, tuple[Key, ...]]

    @property
    def empty(self) -> bool:
        return not any(self.upserts.values()) and not any(self.deletes.values())


EMPTY = ChangeSet({}, {})


class _Table:
    def __init__(self, spec: TableSpec) -> None:
        self.spec = spec
        self.rows: dict[Key, Row] = {}
        self._keypos = tuple(spec.position(k) for k in spec.key)
        self.index: dict[str, dict[Any, set[Key]]] = {c: {} for c in spec.indexes}
        self._ipos = {c: spec.position(c) for c in spec.indexes}

    def key(self, row: Row) -> Key:
        return tuple(row[p] for p in self._keypos)

    def put(self, row: Row) -> None:
        k = self.key(row)
        old = self.rows.get(k)
        if old is not None:
            self._unindex(k, old)
        self.rows[k] = row
        for col, pos in self._ipos.items():
            self.index[col].setdefault(row[pos], set()).add(k)

    def delete(self, k: Key) -> None:
        old = self.rows.pop(k, None)
        if old is not None:
            self._unindex(k, old)

    def _unindex(self, k: Key, row: Row) -> None:
        for col, pos in self._ipos.items():
            bucket = self.index[col].get(row[pos])
            if bucket is not None:
                bucket.discard(k)
                if not bucket:
                    del self.index[col][row[pos]]


class Tables:
    """The committed state: one dict per table, plus secondary indexes."""

    def __init__(self, specs: Sequence[TableSpec]) -> None:
        self.specs = {s.name: s for s in specs}
        self._tables = {s.name: _Table(s) for s in specs}
        self._open: Txn | None = None

    def load(self, table: str, rows: Sequence[Row]) -> None:
        t = self._tables[table]
        for row in rows:
            t.put(tuple(row))

    def begin(self) -> Txn:
        if self._open is not None:
            raise RuntimeError("a transaction is already open")
        self._open = Txn(self)
        return self._open

    def count(self, table: str) -> int:
        return len(self._tables[table].rows)

    # used by Txn
    def _end(self, txn: Txn) -> None:
        if self._open is txn:
            self._open = None


class Txn:
    def __init__(self, tables: Tables) -> None:
        self._tables = tables
        self._writes: dict[str, dict[Key, Row | None]] = {}
        self._done = False

    def _check(self) -> None:
        if self._done:
            raise RuntimeError("transaction already finished")

    def get(self, table: str, key: Key) -> Row | None:
        w = self._writes.get(table)
        if w is not None and key in w:
            return w[key]
        return self._tables._tables[table].rows.get(key)

    def put(self, table: str, row: Row) -> None:
        self._check()
        t = self._tables._tables[table]
        self._writes.setdefault(table, {})[t.key(tuple(row))] = tuple(row)

    def delete(self, table: str, key: Key) -> None:
        self._check()
        self._writes.setdefault(table, {})[tuple(key)] = _DELETED

    def find(self, table: str, column: str, value: Any) -> list[Row]:
        """Rows whose indexed ``column`` equals ``value``, overlay applied, sorted by key."""
        t = self._tables._tables[table]
        keys = set(t.index[column].get(value, ()))
        w = self._writes.get(table)
        pos = t.spec.position(column)
        if w:
            for k, row in w.items():
                if row is not None and row[pos] == value:
                    keys.add(k)
                else:
                    keys.discard(k)
        out = []
        for k in sorted(keys, key=_sort_key):
            row = self.get(table, k)
            if row is not None and row[pos] == value:
                out.append(row)
        return out

    def scan(self, table: str) -> Iterator[Row]:
        t = self._tables._tables[table]
        w = self._writes.get(table, {})
        keys = set(t.rows) | set(w)
        for k in sorted(keys, key=_sort_key):
            row = self.get(table, k)
            if row is not None:
                yield row

    def commit(self) -> ChangeSet:
        self._check()
        upserts: dict[str, tuple[Row, ...]] = {}
        deletes: dict[str, tuple[Key, ...]] = {}
        for name, writes in self._writes.items():
            t = self._tables._tables[name]
            ups = []
            dels = []
            for k, row in writes.items():
                if row is None:
                    if k in t.rows:
                        dels.append(k)
                    t.delete(k)
                else:
                    if t.rows.get(k) != row:
                        ups.append(row)
                    t.put(row)
            if ups:
                upserts[name] = tuple(ups)
            if dels:
                deletes[name] = tuple(dels)
        self._done = True
        self._tables._end(self)
        return ChangeSet(upserts, deletes)

    def rollback(self) -> None:
        self._writes.clear()
        self._done = True
        self._tables._end(self)


def _sort_key(k: Key) -> tuple[Any, ...]:
    return tuple((0, x) if isinstance(x, (int, float)) else (1, str(x)) for x in k)
