"""The store: overlay semantics, group commit round trips, the lock, clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.store.db import CommandRecord, Database, StoreError
from runtime.store.migrations import CORE_SPECS, MIGRATIONS
from runtime.store.tables import Tables, TableSpec

SPEC = TableSpec("t", ("k",), (("k", "TEXT"), ("v", "BIGINT"), ("g", "TEXT")), ("g",))


def test_overlay_reads_its_own_writes_and_rollback_forgets() -> None:
    tables = Tables([SPEC])
    tables.load("t", [("a", 1, "x")])
    txn = tables.begin()
    txn.put("t", ("b", 2, "x"))
    txn.delete("t", ("a",))
    assert txn.get("t", ("b",)) == ("b", 2, "x") and txn.get("t", ("a",)) is None
    assert txn.find("t", "g", "x") == [("b", 2, "x")]
    txn.rollback()
    txn = tables.begin()
    assert txn.get("t", ("a",)) == ("a", 1, "x") and txn.get("t", ("b",)) is None
    txn.put("t", ("a", 5, "y"))
    changes = txn.commit()
    assert changes.upserts == {"t": (("a", 5, "y"),)} and not changes.deletes
    assert tables.begin().find("t", "g", "y") == [("a", 5, "y")]


def test_only_one_transaction_at_a_time() -> None:
    tables = Tables([SPEC])
    tables.begin()
    with pytest.raises(RuntimeError):
        tables.begin()


ops = st.lists(
    st.tuples(
        st.sampled_from(["put", "delete", "commit", "rollback"]),
        st.sampled_from("abcd"),
        st.integers(0, 3),
        st.sampled_from("xy"),
    ),
    max_size=40,
)


@settings(max_examples=200, deadline=None)
@given(ops)
def test_overlay_matches_a_plain_dict_model(program: list[tuple[str, str, int, str]]) -> None:
    tables = Tables([SPEC])
    committed: dict[str, tuple[str, int, str]] = {}
    pending = dict(committed)
    txn = tables.begin()
    for op, k, v, g in program:
        if op == "put":
            txn.put("t", (k, v, g))
            pending[k] = (k, v, g)
        elif op == "delete":
            txn.delete("t", (k,))
            pending.pop(k, None)
        elif op == "commit":
            txn.commit()
            committed = dict(pending)
            txn = tables.begin()
        else:
            txn.rollback()
            pending = dict(committed)
            txn = tables.begin()
        assert list(txn.scan("t")) == [pending[x] for x in sorted(pending)]
        for group in "xy":
            assert txn.find("t", "g", group) == [
                pending[x] for x in sorted(pending) if pending[x][2] == group
            ]


def _record(db: Database, tables: Tables, n: int) -> CommandRecord:
    txn = tables.begin()
    txn.put("players", (f"p{n}", f"P{n}", f"p{n}", "r.a", n, "player", 0, n))
    txn.put("vars", ("player", f"p{n}", "player.x", str(n)))
    return CommandRecord(db.next_journal_seq(), n, f"p{n}", "look", True, txn.commit())


def test_group_commit_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    db = Database.open(path)
    assert [n for n, _ in db.applied_migrations()] == [m.number for m in MIGRATIONS]
    tables = db.load(CORE_SPECS)
    db.write([_record(db, tables, n) for n in range(10)])
    db.events.add(1, "command", "p1", "r.a", {"verb": "look"})
    db.close()
    db = Database.open(path)  # migrations are idempotent
    tables = db.load(CORE_SPECS)
    assert tables.count("players") == 10
    assert db.query("SELECT count(*) FROM journal") == [(10,)]
    assert db.query("SELECT count(*) FROM events") == [(1,)]
    assert db.next_journal_seq() == 11
    db.close()


def test_a_failing_batch_rolls_back_whole_and_the_db_stays_usable(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "s.duckdb")
    tables = db.load(CORE_SPECS)
    good = _record(db, tables, 1)
    bad = CommandRecord(good.seq, 2, "p2", "x", True, good.changes)  # duplicate journal seq
    with pytest.raises(StoreError):
        db.write([good, bad])
    assert db.query("SELECT count(*) FROM players") == [(0,)]
    db.write([good])
    assert db.query("SELECT count(*) FROM players") == [(1,)]
    db.close()


def test_garbage_file_gives_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError) as err:
        Database.open(path)
    assert "junk.duckdb" in str(err.value)
    with pytest.raises(StoreError, match="does not exist"):
        Database.open(tmp_path / "no" / "such" / "x.duckdb")


def test_lock_refuses_a_second_process_and_is_freed_by_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import time, sys
            from pathlib import Path
            from runtime.store.db import Database
            db = Database.open(Path({str(path)!r}))
            print("ready", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[3],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match=rf"in use by another meshmush process \(pid {holder.pid}\)"):
            Database.open(path)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 5
    while True:
        try:
            Database.open(path).close()
            break
        except StoreError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
