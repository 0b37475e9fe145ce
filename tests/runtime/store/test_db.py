"""The database: round trips, group commit semantics, rollback on failure, ids, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.store.db import AuditRow, CommandRecord, Database, StoreError
from runtime.store.migrations import CORE_SPECS
from runtime.store.tables import ChangeSet, Tables


def player(n: int, room: str = "town.square", balance: int = 0) -> tuple[Any, ...]:
    return (f"p{n}", f"P{n}", f"p{n}", room, balance, "player", 1000, 2000 + n)


def record(db: Database, tables: Tables, at: int, **edits: Any) -> CommandRecord:
    """One command: puts and deletes through a Txn, as the engine does."""
    txn = tables.begin()
    for row in edits.get("players", ()):
        txn.put("players", row)
    for row in edits.get("vars", ()):
        txn.put("vars", row)
    for table, key in edits.get("delete", ()):
        txn.delete(table, key)
    return CommandRecord(
        db.next_journal_seq(),
        at,
        "p0",
        edits.get("command", "look"),
        True,
        txn.commit(),
        edits.get("audit", ()),
    )


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for spec in CORE_SPECS:
        out[spec.name] = sorted(db.query(f"SELECT {', '.join(spec.column_names)} FROM {spec.name}"), key=repr)
    return out


def memory(tables: Tables) -> dict[str, list[tuple[Any, ...]]]:
    txn = tables.begin()
    try:
        return {spec.name: sorted(txn.scan(spec.name), key=repr) for spec in CORE_SPECS}
    finally:
        txn.rollback()


def test_round_trip_over_close_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        tables = db.load()
        db.write([record(db, tables, 10, players=[player(1)], vars=[("player", "p1", "player.gold", "3")])])
        db.write(
            [
                record(
                    db,
                    tables,
                    11 + n,
                    players=[player(n, balance=n)],
                    audit=(AuditRow("p0", "ban", f"p{n}", "x"),),
                )
                for n in range(2, 6)
            ]
        )
        db.write(
            [
                record(
                    db,
                    tables,
                    20,
                    delete=[("players", ("p3",))],
                    vars=[("room", "town.square", "room.lit", "true")],
                )
            ]
        )
        db.write([])  # an empty batch is a no-op
        expected = memory(tables)
    with Database.open(path) as db:
        again = db.load()
        assert memory(again) == expected == snapshot(db)
        assert [r[0] for r in again.begin().scan("players")] == ["p1", "p2", "p4", "p5"]
        assert db.query("SELECT seq, at_ms, command, ok FROM journal ORDER BY seq") == [
            (1, 10, "look", True), (2, 13, "look", True), (3, 14, "look", True), (4, 15, "look", True),
            (5, 16, "look", True), (6, 20, "look", True),
        ]  # fmt: skip
        assert db.query("SELECT seq, at_ms, actor, action, target FROM audit ORDER BY seq") == [
            (n - 1, 11 + n, "p0", "ban", f"p{n}") for n in range(2, 6)
        ]
        assert db.next_journal_seq() == 7  # continues across restarts
        assert db.next_id("audit", "seq") == 5


def test_a_batch_merges_in_order(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = db.load()
        db.write([record(db, tables, 1, players=[player(1), player(2)])])
        batch = [
            record(db, tables, 2, players=[player(1, balance=5)]),
            record(db, tables, 3, delete=[("players", ("p1",))]),  # put then delete: delete
            record(db, tables, 4, delete=[("players", ("p2",))]),
            record(db, tables, 5, players=[player(2, balance=7)]),  # delete then put: put
            record(db, tables, 6, players=[player(3)]),
            record(db, tables, 7, players=[player(3, balance=9)]),  # insert then update: one insert
            record(db, tables, 8, players=[player(4)]),
            record(db, tables, 9, delete=[("players", ("p4",))]),  # never reaches the file
        ]
        db.write(batch)
        assert db.query("SELECT key, balance FROM players ORDER BY key") == [("p2", 7), ("p3", 9)]
        assert db.query("SELECT count(*) FROM journal") == [(9,)]
        assert snapshot(db) == memory(tables)


def test_a_table_that_is_all_key(tmp_path: Path) -> None:
    """Deleted then put back in one batch: present in the file and nothing to update."""
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = db.load()

        def guests(*edits: tuple[str, str, str]) -> CommandRecord:
            txn = tables.begin()
            for op, house, guest in edits:
                if op == "put":
                    txn.put("house_guests", (house, guest))
                else:
                    txn.delete("house_guests", (house, guest))
            return CommandRecord(db.next_journal_seq(), 1, "", "x", True, txn.commit())

        db.write([guests(("put", "h1", "p1"), ("put", "h1", "p2"), ("put", "h2", "p1"))])
        db.write([guests(("del", "h1", "p1")), guests(("put", "h1", "p1"))])  # one row
        db.write(
            [
                guests(("del", "h1", "p1"), ("del", "h1", "p2")),
                guests(("put", "h1", "p1"), ("put", "h1", "p2")),
            ]
        )
        assert snapshot(db) == memory(tables)
        assert db.query("SELECT count(*) FROM house_guests") == [(3,)]


def test_a_huge_batch_is_one_transaction(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = db.load()
        batch = [
            record(db, tables, n, players=[player(n)], vars=[("player", f"p{n}", "player.x", "1")])
            for n in range(3000)
        ]
        db.write(batch)
        assert db.query("SELECT count(*) FROM players") == [(3000,)]
        batch = [
            record(
                db,
                tables,
                n,
                players=[player(n, balance=n)],
                delete=[("vars", ("player", f"p{n}", "player.x"))],
            )
            for n in range(3000)
        ]
        db.write(batch)
        assert db.query("SELECT count(*), sum(balance) FROM players") == [(3000, sum(range(3000)))]
        assert db.query("SELECT count(*) FROM vars") == [(0,)]
        assert db.query("SELECT count(*) FROM journal") == [(6000,)]


def test_ids_continue_from_the_file_and_are_never_handed_out_twice(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        tables = db.load()
        txn = tables.begin()
        for _ in range(3):
            iid = db.next_id("instances", "iid")
            txn.put("instances", (iid, "town.lamp", "room", "town.square"))
        db.write([CommandRecord(db.next_journal_seq(), 1, "", "@start", True, txn.commit())])
        assert db.peek_id("instances", "iid") == 4
        assert db.next_id("instances", "iid") == 4
        assert db.next_id("mail", "id") == 1
        with pytest.raises(ValueError, match="not an integer id column"):
            db.next_id("players", "name")
        with pytest.raises(ValueError, match="not an integer id column"):
            db.next_id("players; DROP TABLE meta", "seq")
    with Database.open(path) as db:
        assert db.next_id("instances", "iid") == 4
        assert db.next_journal_seq() == 2


def test_a_failing_statement_rolls_back_the_whole_batch(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = db.load()
        db.write(
            [record(db, tables, 1, players=[player(1), player(2)], vars=[("world", "", "world.x", "1")])]
        )
        before = snapshot(db)
        good = record(
            db,
            tables,
            2,
            players=[player(1, balance=50), player(3)],
            delete=[("vars", ("world", "", "world.x"))],
        )
        bad = CommandRecord(db.next_journal_seq(), 3, "p2", "x", True,
                            ChangeSet({"players": (("p2", "P2", "p2", "r", "corrupt", "player", 0, 0),)}, {}))  # fmt: skip
        with pytest.raises(StoreError, match="could not save 2 command") as err:
            db.write([good, bad])
        assert "'corrupt'" in str(err.value) and "damaged" not in str(err.value)  # the value, not the file
        assert snapshot(db) == before
        assert db.query("SELECT count(*) FROM journal") == [(1,)]
        # still usable, and what it knows about the file is still right: the same inserts,
        # updates and deletes succeed now
        db.write([good])
        assert db.query("SELECT key, balance FROM players ORDER BY key") == [("p1", 50), ("p2", 0), ("p3", 0)]
        assert db.query("SELECT count(*) FROM vars") == [(0,)]
        dup = CommandRecord(good.seq, 4, "p1", "x", True, ChangeSet({}, {}))  # a journal seq taken
        with pytest.raises(StoreError):
            db.write([dup])
        assert db.query("SELECT count(*) FROM journal") == [(2,)]


def test_a_row_missing_behind_the_stores_back_aborts_the_batch(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        tables = db.load()
        db.write([record(db, tables, 1, players=[player(1), player(2)])])
        db._conn.execute("DELETE FROM players WHERE key = 'p1'")  # what no one else may do
        with pytest.raises(StoreError, match=r"players \('p1',\) was expected in the file"):
            db.write(
                [record(db, tables, 2, players=[player(1, balance=3)], vars=[("world", "", "world.x", "1")])]
            )
        assert db.query("SELECT count(*) FROM vars") == [(0,)]
        tables = db.load()  # what the engine does after a failed write: it sees the truth again
        assert tables.count("players") == 1
        db.write([record(db, tables, 3, players=[player(1, balance=3)])])
        assert db.query("SELECT key, balance FROM players ORDER BY key") == [("p1", 3), ("p2", 0)]


def test_bad_change_sets_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        db.load()
        with pytest.raises(StoreError, match="not a stateful table"):
            db.write(
                [CommandRecord(1, 1, "", "x", True, ChangeSet({"journal": ((1, 1, "", "", True),)}, {}))]
            )
        with pytest.raises(StoreError, match="has 2 value"):
            db.write([CommandRecord(1, 1, "", "x", True, ChangeSet({"players": (("p", "P"),)}, {}))])
        assert db.query("SELECT count(*) FROM journal") == [(0,)]


def test_write_without_load_upserts(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        tables = db.load()
        db.write([record(db, tables, 1, players=[player(1), player(2)])])
    with Database.open(path) as db:  # not loaded: the store cannot know which keys exist
        changes = ChangeSet({"players": (player(2, balance=4), player(3))}, {"players": (("p1",),)})
        db.write([CommandRecord(db.next_journal_seq(), 2, "", "x", True, changes)])
        assert db.query("SELECT key, balance FROM players ORDER BY key") == [("p2", 4), ("p3", 0)]
        one = ChangeSet({"players": (player(3, balance=8),)}, {})
        db.write([CommandRecord(db.next_journal_seq(), 3, "", "x", True, one)])
        assert db.query("SELECT key, balance FROM players ORDER BY key") == [("p2", 4), ("p3", 8)]


def test_meta_and_query(tmp_path: Path) -> None:
    with Database.open(tmp_path / "w.duckdb") as db:
        db.set_meta({"world_id": "demo", "image_hash": "abc"})
        db.set_meta({"image_hash": "def"})
        assert db.meta() == {"image_hash": "def", "world_id": "demo"}
        tables = db.load()
        assert tables.count("meta") == 2
        with pytest.raises(StoreError, match="one SELECT"):
            db.query("DELETE FROM meta")
        with pytest.raises(StoreError, match="one SELECT"):
            db.query("SELECT 1; SELECT 2")
        assert db.query("SELECT value FROM meta WHERE key = ?", ["world_id"]) == [("demo",)]


def test_read_only_open(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with pytest.raises(StoreError, match="does not exist"):
        Database.open(path, read_only=True)
    with Database.open(path) as db:
        tables = db.load()
        db.write([record(db, tables, 1, players=[player(1)])])
    with Database.open(path, read_only=True) as ro, Database.open(path, read_only=True) as ro2:
        assert ro.load().count("players") == 1 == ro2.load().count("players")
        with pytest.raises(StoreError, match="read-only"):
            ro.write([CommandRecord(9, 1, "", "x", True, ChangeSet({}, {}))])
        with pytest.raises(StoreError, match="read-only"):
            ro.set_meta({"a": "b"})
        ro.events.add(1, "x", None, None, {})
        with pytest.raises(StoreError, match="read-only"):
            ro.flush_events()
        with pytest.raises(StoreError, match="in use by another meshmush process"):
            Database.open(path)


def test_temporary_database_is_deleted_on_close() -> None:
    db = Database.open(None)
    folder = db.path.parent
    assert db.path.exists()
    db.write([CommandRecord(db.next_journal_seq(), 1, "", "x", True, ChangeSet({}, {}))])
    db.close()
    db.close()  # idempotent
    assert not folder.exists()
    with pytest.raises(StoreError, match="closed"):
        db.load()
    with pytest.raises(StoreError, match="closed"):
        db.write([CommandRecord(2, 1, "", "x", True, ChangeSet({}, {}))])


def test_checkpoint_folds_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path) as db:
        tables = db.load()
        db.write([record(db, tables, 1, players=[player(n) for n in range(50)])])
        wal = path.with_name(path.name + ".wal")
        assert wal.exists() and wal.stat().st_size > 0
        db.checkpoint()
        assert not wal.exists() or wal.stat().st_size == 0


# ---------------------------------------------------------------- model test
COMMANDS = st.lists(
    st.lists(
        st.one_of(
            st.tuples(st.just("put"), st.integers(0, 5), st.integers(0, 3)),
            st.tuples(st.just("delete"), st.integers(0, 5), st.just(0)),
            st.tuples(st.just("var"), st.integers(0, 3), st.integers(0, 3)),
            st.tuples(st.just("unvar"), st.integers(0, 3), st.just(0)),
            st.tuples(st.just("guest"), st.integers(0, 2), st.integers(0, 1)),
            st.tuples(st.just("unguest"), st.integers(0, 2), st.integers(0, 1)),
        ),
        max_size=4,
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(COMMANDS, st.lists(st.integers(1, 4), min_size=1, max_size=6), st.integers(0, 12))
def test_the_file_always_equals_memory(
    tmp_path_factory: pytest.TempPathFactory, commands: list[list[tuple[str, int, int]]], sizes: list[int],
    reopen_at: int,
) -> None:  # fmt: skip
    """Random commands committed in random batch sizes, with a restart somewhere: after every
    write the file holds exactly the in-memory state (this checks the update/insert split)."""
    path = tmp_path_factory.mktemp("model") / "w.duckdb"
    db = Database.open(path)
    try:
        tables = db.load()
        pending: list[CommandRecord] = []
        size_iter = iter(sizes * 12)
        for i, edits in enumerate(commands):
            if i == reopen_at:  # a restart, between writes as in the engine
                db.write(pending)
                pending = []
                db.close()
                db = Database.open(path)
                tables = db.load()
            txn = tables.begin()
            for op, a, b in edits:
                if op == "put":
                    txn.put("players", player(a, balance=b))
                elif op == "delete":
                    txn.delete("players", (f"p{a}",))
                elif op == "var":
                    txn.put("vars", ("player", f"p{a}", "player.x", str(b)))
                elif op == "guest":  # a table whose every column is key
                    txn.put("house_guests", (f"h{b}", f"p{a}"))
                elif op == "unguest":
                    txn.delete("house_guests", (f"h{b}", f"p{a}"))
                else:
                    txn.delete("vars", ("player", f"p{a}", "player.x"))
            pending.append(CommandRecord(db.next_journal_seq(), i, "p", "c", True, txn.commit()))
            if len(pending) >= next(size_iter) or i == len(commands) - 1:
                db.write(pending)
                pending = []
                assert snapshot(db) == memory(tables)
    finally:
        db.close()
