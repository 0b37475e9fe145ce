"""Migrations: numbered, named, idempotent; the specs match the schema they create."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from runtime.store.db import Database, StoreError
from runtime.store.migrations import CORE_SPECS, LATEST, LOG_SPECS, MIGRATIONS, MIGRATIONS_TABLE

TYPE_NAMES = {"TEXT": "VARCHAR", "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN"}


def test_migrations_are_numbered_from_one_in_order_and_named() -> None:
    numbers = [m.number for m in MIGRATIONS]
    assert numbers == list(range(1, len(MIGRATIONS) + 1))
    assert numbers[-1] == LATEST
    names = [m.name for m in MIGRATIONS]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z][a-z_]*", n) for n in names)
    assert all(m.statements for m in MIGRATIONS)


def test_opening_twice_applies_each_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        first = db.applied_migrations()
    with Database.open(path) as db:
        assert db.applied_migrations() == first == [(m.number, m.name) for m in MIGRATIONS]


def test_missing_migrations_are_applied_to_an_older_file(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute(f"CREATE TABLE {MIGRATIONS_TABLE} (number INTEGER PRIMARY KEY, name TEXT)")
    for stmt in MIGRATIONS[0].statements:
        conn.execute(stmt)
    conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} VALUES (1, 'core')")
    conn.close()
    with Database.open(path) as db:
        assert [n for n, _ in db.applied_migrations()] == [m.number for m in MIGRATIONS]
        db.load()


def test_every_spec_matches_the_created_schema(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = {
            t
            for (t,) in db.query(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
            )
        }
        assert tables == {s.name for s in (*CORE_SPECS, *LOG_SPECS)} | {MIGRATIONS_TABLE}
        for spec in (*CORE_SPECS, *LOG_SPECS):
            columns = db.query(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                [spec.name],
            )
            assert columns == [(c, TYPE_NAMES[t]) for c, t in spec.columns], spec.name
            pk = db.query(
                "SELECT constraint_column_names FROM duckdb_constraints()"
                " WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
                [spec.name],
            )
            assert pk == ([(list(spec.key),)] if spec.key else []), spec.name


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Database.open(path).close()
    conn = duckdb.connect(str(path))
    conn.execute(f"INSERT INTO {MIGRATIONS_TABLE} VALUES (?, ?)", [LATEST + 1, "from_the_future"])
    conn.close()
    with pytest.raises(StoreError, match=rf"schema migration {LATEST + 1} \(from_the_future\), newer than"):
        Database.open(path)
    Database.open(path.with_name("other.duckdb")).close()  # the refusal released the lock and file


def test_a_renamed_migration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Database.open(path).close()
    conn = duckdb.connect(str(path))
    conn.execute(f"UPDATE {MIGRATIONS_TABLE} SET name = 'renamed' WHERE number = 2")
    conn.close()
    with pytest.raises(StoreError, match="migration 2 named 'renamed'"):
        Database.open(path)


def test_a_duckdb_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    conn = duckdb.connect(str(path))
    conn.execute("CREATE TABLE invoices (id INTEGER)")
    conn.close()
    with pytest.raises(StoreError, match="not one of meshmush's"):
        Database.open(path)
    conn = duckdb.connect(str(path))
    assert conn.execute("SELECT count(*) FROM duckdb_tables()").fetchone() == (1,)  # left alone
    conn.close()


def test_read_only_needs_an_up_to_date_schema(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="open it once without read-only"):
        Database.open(path, read_only=True)
