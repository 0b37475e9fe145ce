"""The in-memory tables and their transactional overlay."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.store.tables import ChangeSet, Tables, TableSpec

ITEMS = TableSpec("items", ("id",), (("id", "BIGINT"), ("owner", "TEXT"), ("n", "BIGINT")), ("owner",))
PAIRS = TableSpec("pairs", ("a", "b"), (("a", "TEXT"), ("b", "TEXT"), ("v", "TEXT")), ("v", "b"))


def fresh() -> Tables:
    tables = Tables([ITEMS, PAIRS])
    tables.load("items", [(1, "ann", 5), (2, "bob", 7), (3, "ann", 9)])
    tables.load("pairs", [("x", "y", "1")])
    return tables


def test_reads_see_own_writes_and_base_is_untouched_until_commit() -> None:
    tables = fresh()
    txn = tables.begin()
    txn.put("items", (4, "bob", 1))
    txn.put("items", (1, "cat", 6))
    txn.delete("items", (2,))
    assert txn.get("items", (4,)) == (4, "bob", 1)
    assert txn.get("items", (1,)) == (1, "cat", 6)
    assert txn.get("items", (2,)) is None
    assert [r[0] for r in txn.scan("items")] == [1, 3, 4]
    txn.rollback()
    assert tables.count("items") == 3
    txn = tables.begin()
    assert list(txn.scan("items")) == [(1, "ann", 5), (2, "bob", 7), (3, "ann", 9)]
    assert txn.get("items", (4,)) is None


def test_commit_returns_the_exact_net_change() -> None:
    tables = fresh()
    txn = tables.begin()
    txn.put("items", (1, "ann", 6))
    txn.put("items", (1, "ann", 8))  # repeated puts coalesce, last wins
    txn.put("items", (3, "ann", 9))  # identical to the base: no change
    txn.put("items", (5, "eve", 0))
    txn.delete("items", (5,))  # written then deleted, absent from the base: nothing
    txn.put("items", (2, "bob", 1))
    txn.delete("items", (2,))  # written then deleted, present in the base: only deleted
    txn.delete("items", (99,))  # absent: nothing
    txn.delete("pairs", ("x", "y"))
    txn.put("pairs", ("x", "y", "2"))  # deleted then written: a put
    changes = txn.commit()
    assert changes == ChangeSet(
        {"items": ((1, "ann", 8),), "pairs": (("x", "y", "2"),)},
        {"items": ((2,),)},
    )
    txn = tables.begin()
    assert list(txn.scan("items")) == [(1, "ann", 8), (3, "ann", 9)]
    assert txn.commit().empty


def test_secondary_index_follows_put_delete_and_rollback() -> None:
    tables = fresh()
    txn = tables.begin()
    assert txn.find("items", "owner", "ann") == [(1, "ann", 5), (3, "ann", 9)]
    txn.put("items", (1, "bob", 5))  # moves from ann to bob
    txn.put("items", (0, "ann", 1))
    txn.delete("items", (3,))
    assert txn.find("items", "owner", "ann") == [(0, "ann", 1)]
    assert txn.find("items", "owner", "bob") == [(1, "bob", 5), (2, "bob", 7)]
    txn.rollback()
    txn = tables.begin()
    assert txn.find("items", "owner", "ann") == [(1, "ann", 5), (3, "ann", 9)]
    assert txn.find("items", "owner", "bob") == [(2, "bob", 7)]
    txn.put("items", (1, "bob", 5))
    txn.delete("items", (3,))
    txn.commit()
    txn = tables.begin()
    assert txn.find("items", "owner", "ann") == []
    assert txn.find("items", "owner", "bob") == [(1, "bob", 5), (2, "bob", 7)]
    assert txn.find("pairs", "b", "y") == [("x", "y", "1")]


def test_keys_sort_numbers_numerically_and_before_text() -> None:
    spec = TableSpec("m", ("k",), (("k", "TEXT"), ("g", "TEXT")), ("g",))
    tables = Tables([spec])
    txn = tables.begin()
    for k in ("b", 10, "a", 2):
        txn.put("m", (k, "g"))
    assert [r[0] for r in txn.scan("m")] == [2, 10, "a", "b"]
    assert [r[0] for r in txn.find("m", "g", "g")] == [2, 10, "a", "b"]
    txn.commit()
    assert [r[0] for r in tables.begin().scan("m")] == [2, 10, "a", "b"]


def test_misuse_is_refused() -> None:
    tables = fresh()
    txn = tables.begin()
    with pytest.raises(RuntimeError, match="already open"):
        tables.begin()
    with pytest.raises(ValueError, match="3 columns"):
        txn.put("items", (1, "ann"))
    with pytest.raises(ValueError, match="key of 1"):
        txn.delete("items", (1, 2))
    with pytest.raises(TypeError):
        txn.put("items", (1, ["not", "hashable"], 3))
    with pytest.raises(ValueError, match="no index"):
        txn.find("items", "n", 5)
    with pytest.raises(KeyError, match="unknown table"):
        txn.get("nope", (1,))
    with pytest.raises(RuntimeError, match="transaction is open"):
        tables.load("items", [(9, "x", 1)])
    txn.commit()
    with pytest.raises(RuntimeError, match="already committed"):
        txn.put("items", (1, "ann", 1))
    with pytest.raises(RuntimeError, match="already committed"):
        txn.get("items", (1,))
    with pytest.raises(RuntimeError, match="already committed"):
        txn.commit()
    txn.rollback()  # harmless after the end, for finally blocks
    tables.begin().rollback()


def test_specs_refuse_names_that_are_not_identifiers() -> None:
    with pytest.raises(ValueError, match="identifier"):
        TableSpec("t; DROP", ("k",), (("k", "TEXT"),))
    with pytest.raises(ValueError, match="no column"):
        TableSpec("t", ("k",), (("x", "TEXT"),))
    with pytest.raises(ValueError, match="twice"):
        Tables([ITEMS, ITEMS])


# ---------------------------------------------------------------- model test
KEYS = st.tuples(st.sampled_from("abc"), st.sampled_from("xy"))
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), KEYS, st.sampled_from(["1", "2", "3"])),
        st.tuples(st.just("delete"), KEYS, st.none()),
        st.tuples(st.just("commit"), st.none(), st.none()),
        st.tuples(st.just("rollback"), st.none(), st.none()),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(OPS)
def test_overlay_matches_a_plain_dict_model(program: list[tuple[str, Any, Any]]) -> None:
    tables = Tables([PAIRS])
    base: dict[tuple[str, str], tuple[str, str, str]] = {}
    pending = dict(base)
    txn = tables.begin()
    for op, key, value in program:
        if op == "put":
            txn.put("pairs", (*key, value))
            pending[key] = (*key, value)
        elif op == "delete":
            txn.delete("pairs", key)
            pending.pop(key, None)
        elif op == "commit":
            changes = txn.commit()
            ups = {r[:2]: r for r in changes.upserts.get("pairs", ())}
            dels = set(changes.deletes.get("pairs", ()))
            assert ups == {k: r for k, r in pending.items() if base.get(k) != r}
            assert dels == set(base) - set(pending)
            base = dict(pending)
            txn = tables.begin()
        else:
            txn.rollback()
            pending = dict(base)
            txn = tables.begin()
        expected = [pending[k] for k in sorted(pending)]
        assert list(txn.scan("pairs")) == expected
        for k in [("a", "x"), ("c", "y")]:
            assert txn.get("pairs", k) == pending.get(k)
        for v in "123":
            assert txn.find("pairs", "v", v) == [r for r in expected if r[2] == v]
        for b in "xy":
            assert txn.find("pairs", "b", b) == [r for r in expected if r[1] == b]
    txn.rollback()
    assert tables.count("pairs") == len(base)


def test_change_sets_merge_in_one_place() -> None:
    """The engine's commands and the store's batches merge through ``merge_changes``: the last
    write of a key wins, and a change that does not fit the tables is refused."""
    from runtime.store.tables import ChangeError, ChangeSet, TableSpec, changeset, merge_changes

    spec = TableSpec("t", ("k",), (("k", "TEXT"), ("v", "BIGINT")))
    specs = {"t": spec}
    a = ChangeSet({"t": (("x", 1), ("y", 1))}, {})
    b = ChangeSet({"t": (("x", 2),)}, {"t": (("y",),)})
    c = ChangeSet({"t": (("y", 3),)}, {"t": (("x",),)})
    assert merge_changes([a, b], specs) == {"t": {("x",): ("x", 2), ("y",): None}}
    assert changeset(merge_changes([a, b, c], specs)) == ChangeSet({"t": (("y", 3),)}, {"t": (("x",),)})
    with pytest.raises(ChangeError, match="not a stateful table"):
        merge_changes([ChangeSet({"u": (("x", 1),)}, {})], specs)
    with pytest.raises(ChangeError, match="has 1 value"):
        merge_changes([ChangeSet({"t": (("x",),)}, {})], specs)
