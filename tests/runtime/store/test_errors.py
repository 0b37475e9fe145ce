"""Whatever is wrong with the file, a person gets one clear sentence, never a traceback."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from runtime.store.db import RECOVER, Database, StoreError


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_bytes(b"these are my notes, not a database\n" * 200)
    with pytest.raises(StoreError, match=rf"^{path} is not a meshmush database \(it is not a DuckDB file\)$"):
        Database.open(path)
    assert path.read_bytes().startswith(b"these are my notes")  # untouched
    Database.open(tmp_path / "fine.duckdb").close()


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    path.touch()
    with pytest.raises(StoreError, match="not a meshmush database"):
        Database.open(path)


def test_damaged_header(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Database.open(path).close()
    data = bytearray(path.read_bytes())
    data[20] ^= 0xFF  # inside the checksummed main header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=rf"^database {path} is damaged \(.*\); {re.escape(RECOVER)}$"):
        Database.open(path)


def test_paths_that_cannot_be_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory, not a database file"):
        Database.open(tmp_path)
    with pytest.raises(StoreError, match=r"folder .*/no/such does not exist"):
        Database.open(tmp_path / "no" / "such" / "w.duckdb")


def test_a_table_that_does_not_match_its_spec(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Database.open(path).close()
    conn = duckdb.connect(str(path))
    conn.execute("ALTER TABLE dialogue ADD COLUMN mood TEXT")
    conn.close()
    with (
        Database.open(path) as db,
        pytest.raises(StoreError, match=r"table dialogue .* has columns \(.*mood"),
    ):
        db.load()
