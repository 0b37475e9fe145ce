"""The DuckDB schema as numbered, named migrations, and the specs of the stateful tables.

A migration is never edited once released: add a new one.  ``schema_migrations`` records
what was applied; a database with a migration this code does not know is refused.
Timestamps are integer milliseconds supplied by the engine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.store.tables import TableSpec


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "core",
        (
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
            "CREATE TABLE players (key TEXT PRIMARY KEY, name TEXT, name_lc TEXT, room TEXT, balance BIGINT,"
            " level TEXT, created_at BIGINT, last_seen BIGINT)",
            "CREATE TABLE instances (iid BIGINT PRIMARY KEY, object_id TEXT, holder_kind TEXT, holder TEXT)",
            "CREATE TABLE vars (scope TEXT, owner TEXT, name TEXT, value TEXT, PRIMARY KEY (scope, owner, name))",
            "CREATE TABLE journal (seq BIGINT PRIMARY KEY, at_ms BIGINT, player TEXT, command TEXT, ok BOOLEAN)",
            "CREATE TABLE events (at_ms BIGINT, kind TEXT, player TEXT, room TEXT, data TEXT)",
        ),
    ),
    Migration(
        2,
        "economy",
        (
            "CREATE TABLE ledger (seq BIGINT PRIMARY KEY, at_ms BIGINT, payer TEXT, payee TEXT, amount BIGINT,"
            " reason TEXT)",
            "CREATE TABLE shop_stock (shop TEXT, item TEXT, quantity BIGINT, last_restock BIGINT,"
            " PRIMARY KEY (shop, item))",
        ),
    ),
    Migration(
        3,
        "housing_dialogue",
        (
            "CREATE TABLE houses (house TEXT PRIMARY KEY, owner TEXT, housing TEXT, template TEXT,"
            " locked BOOLEAN, bought_at BIGINT, price BIGINT)",
            "CREATE TABLE house_guests (house TEXT, guest TEXT, PRIMARY KEY (house, guest))",
            "CREATE TABLE dialogue (player TEXT, npc TEXT, node TEXT, PRIMARY KEY (player, npc))",
        ),
    ),
    Migration(
        4,
        "messages_staff",
        (
            "CREATE TABLE mail (id BIGINT PRIMARY KEY, at_ms BIGINT, sender TEXT, recipient TEXT, body TEXT,"
            " read BOOLEAN)",
            "CREATE TABLE posts (id BIGINT PRIMARY KEY, at_ms BIGINT, board TEXT, author TEXT, body TEXT)",
            "CREATE TABLE audit (seq BIGINT PRIMARY KEY, at_ms BIGINT, actor TEXT, action TEXT, target TEXT,"
            " detail TEXT)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].number


def _spec(name: str, key: tuple[str, ...], cols: str, indexes: tuple[str, ...] = ()) -> TableSpec:
    columns = tuple((c.split()[0], c.split()[1]) for c in cols.split(","))
    return TableSpec(name, key, columns, indexes)


CORE_SPECS: tuple[TableSpec, ...] = (
    _spec("meta", ("key",), "key TEXT, value TEXT"),
    _spec(
        "players",
        ("key",),
        "key TEXT, name TEXT, name_lc TEXT, room TEXT, balance BIGINT, level TEXT, created_at BIGINT,"
        " last_seen BIGINT",
        ("name_lc", "room"),
    ),
    _spec("instances", ("iid",), "iid BIGINT, object_id TEXT, holder_kind TEXT, holder TEXT", ("holder",)),
    _spec("vars", ("scope", "owner", "name"), "scope TEXT, owner TEXT, name TEXT, value TEXT"),
    _spec("ledger", ("seq",), "seq BIGINT, at_ms BIGINT, payer TEXT, payee TEXT, amount BIGINT, reason TEXT"),
    _spec("shop_stock", ("shop", "item"), "shop TEXT, item TEXT, quantity BIGINT, last_restock BIGINT"),
    _spec(
        "houses",
        ("house",),
        "house TEXT, owner TEXT, housing TEXT, template TEXT, locked BOOLEAN, bought_at BIGINT, price BIGINT",
        ("owner",),
    ),
    _spec("house_guests", ("house", "guest"), "house TEXT, guest TEXT", ("guest", "house")),
    _spec("dialogue", ("player", "npc"), "player TEXT, npc TEXT, node TEXT"),
    _spec("mail", ("id",), "id BIGINT, at_ms BIGINT, sender TEXT, recipient TEXT, body TEXT, read BOOLEAN", ("recipient",)),
    _spec("posts", ("id",), "id BIGINT, at_ms BIGINT, board TEXT, author TEXT, body TEXT", ("board",)),
)
"""Every table the engine keeps in memory.  journal, events and audit are append-only logs."""
