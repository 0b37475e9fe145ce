"""The DuckDB schema as numbered, named migrations, and the specs of its tables.

A migration is never edited once released: add a new one with the next number.  The table
``schema_migrations(number, name)`` records what was applied; ``Database.open`` applies the
missing ones, each in its own transaction, and refuses a database that has a migration this
code does not know (written by a newer meshmush) or one whose name differs.

Timestamps are integer milliseconds supplied by the engine's clock.  Their columns are named
``at_ms`` because ``at`` is a reserved word in DuckDB 2.0's SQL.

``CORE_SPECS`` lists every stateful table, the ones the engine keeps in memory and changes
through ``ChangeSet``s.  ``LOG_SPECS`` lists the append-only logs: ``journal`` and ``audit``
(written by ``Database.write`` from the batch) and ``events`` (analytics, ``events.py``).
A test checks both against the schema the migrations create.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.store.tables import TableSpec


@dataclass(frozen=True)
class Migration:
    number: int
    name: str
    statements: tuple[str, ...]


MIGRATIONS_TABLE = "schema_migrations"
CREATE_MIGRATIONS_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (number INTEGER PRIMARY KEY, name TEXT)"
)

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
    # 5 is the inbound packet table (another branch); numbers are reconciled when merged.
    Migration(
        5,
        "inbound_packets",
        (
            # (radio node, packet id) of recent commands, written with each command: a replayed
            # packet is refused even after a restart (runtime/engine/replay.py)
            "CREATE TABLE inbound_packets (node TEXT, packet_id BIGINT, at_ms BIGINT, PRIMARY KEY (node, packet_id))",
        ),
    ),
    Migration(
        6,
        "staff_ops",
        (
            # result: 'ok' | 'refused' (the command said no) | 'denied' (the staff table said no);
            # rows written before this migration read as NULL, i.e. 'ok'
            "ALTER TABLE audit ADD COLUMN result TEXT",
            "CREATE TABLE mutes (player TEXT PRIMARY KEY, until_ms BIGINT, staff TEXT, reason TEXT, at_ms BIGINT)",
            "CREATE TABLE bans (node TEXT PRIMARY KEY, until_ms BIGINT, staff TEXT, reason TEXT, at_ms BIGINT,"
            " notified BOOLEAN)",
            "CREATE TABLE staff_grants (player TEXT, grant_name TEXT, staff TEXT, at_ms BIGINT,"
            " PRIMARY KEY (player, grant_name))",
            "CREATE TABLE node_keys (node TEXT PRIMARY KEY, public_key TEXT, first_ms BIGINT, pending_key TEXT,"
            " changed_ms BIGINT)",
        ),
    ),
    Migration(
        7,
        "games_messages",
        (
            # a TinyHack game in progress per player and game: the dungeon's seed and the
            # player's progress as JSON (runtime/systems/games/tinyhack.py)
            "CREATE TABLE game_saves (player TEXT, game TEXT, seed BIGINT, state TEXT, updated_at BIGINT,"
            " PRIMARY KEY (player, game))",
            # a won dungeon: its reward is paid once per player, game and seed
            "CREATE TABLE game_wins (player TEXT, game TEXT, seed BIGINT, at_ms BIGINT, reward BIGINT,"
            " PRIMARY KEY (player, game, seed))",
        ),
    ),
    Migration(
        8,
        "builder_overlay",
        (
            # live building: an overlay over the image, never the image itself
            # (runtime/store/overlay.py, runtime/systems/builder.py)
            "CREATE TABLE built_rooms (id TEXT PRIMARY KEY, name TEXT, description TEXT, builder TEXT, at_ms BIGINT)",
            "CREATE TABLE built_objects (id TEXT PRIMARY KEY, name TEXT, description TEXT, builder TEXT,"
            " at_ms BIGINT)",
            # target '' removes a world exit (/unlink of an exit the image has)
            "CREATE TABLE built_exits (room TEXT, direction TEXT, target TEXT, builder TEXT, at_ms BIGINT,"
            " PRIMARY KEY (room, direction))",
            "CREATE TABLE room_texts (room TEXT PRIMARY KEY, description TEXT, builder TEXT, at_ms BIGINT)",
            "CREATE TABLE clones (iid BIGINT PRIMARY KEY, object_id TEXT, owner TEXT, at_ms BIGINT)",
            # the rooms (their `objects:` placed; description and exits as they were) and objects
            # (with their value) of the image the state was last brought onto
            # (runtime/engine/migrate.py)
            "CREATE TABLE image_rooms (id TEXT PRIMARY KEY, description TEXT, exits TEXT)",
            "CREATE TABLE image_objects (id TEXT PRIMARY KEY, value BIGINT)",
        ),
    ),
)

LATEST = MIGRATIONS[-1].number


def _spec(name: str, key: tuple[str, ...], cols: str, indexes: tuple[str, ...] = ()) -> TableSpec:
    """``cols`` as in the CREATE statement: "name TYPE, name TYPE, …"."""
    pairs = [c.split() for c in cols.split(",")]
    return TableSpec(name, key, tuple((p[0], p[1]) for p in pairs), indexes)


# Migration 6 (staff_ops); until_ms NULL = until lifted; node_keys.pending_key: a key that differs
# from the one first recorded, waiting for a sysop's /trust (runtime/systems/staff.py).
STAFF_SPECS: tuple[TableSpec, ...] = (
    _spec("mutes", ("player",), "player TEXT, until_ms BIGINT, staff TEXT, reason TEXT, at_ms BIGINT"),
    _spec("bans", ("node",), "node TEXT, until_ms BIGINT, staff TEXT, reason TEXT, at_ms BIGINT, notified BOOLEAN"),
    _spec("staff_grants", ("player", "grant_name"), "player TEXT, grant_name TEXT, staff TEXT, at_ms BIGINT",
          ("player",)),
    _spec("node_keys", ("node",), "node TEXT, public_key TEXT, first_ms BIGINT, pending_key TEXT, changed_ms BIGINT"),
)

# Migration 8 (builder_overlay): the live-building overlay (runtime/store/overlay.py) and the
# world rooms whose objects have been placed.
BUILDER_SPECS: tuple[TableSpec, ...] = (
    _spec("built_rooms", ("id",), "id TEXT, name TEXT, description TEXT, builder TEXT, at_ms BIGINT"),
    _spec("built_objects", ("id",), "id TEXT, name TEXT, description TEXT, builder TEXT, at_ms BIGINT"),
    _spec("built_exits", ("room", "direction"), "room TEXT, direction TEXT, target TEXT, builder TEXT, at_ms BIGINT",
          ("room", "target")),
    _spec("room_texts", ("room",), "room TEXT, description TEXT, builder TEXT, at_ms BIGINT"),
    _spec("clones", ("iid",), "iid BIGINT, object_id TEXT, owner TEXT, at_ms BIGINT", ("owner",)),
    _spec("image_rooms", ("id",), "id TEXT, description TEXT, exits TEXT"),
    _spec("image_objects", ("id",), "id TEXT, value BIGINT"),
)

# holder_kind: 'room' | 'player' | 'none'.  vars.value: a JSON-encoded scalar.
# ledger payer/payee: a player key or a source/sink such as 'shop:town.store', 'trigger:town.mayor'.
CORE_SPECS: tuple[TableSpec, ...] = (
    _spec("meta", ("key",), "key TEXT, value TEXT"),
    _spec(
        "players",
        ("key",),
        "key TEXT, name TEXT, name_lc TEXT, room TEXT, balance BIGINT, level TEXT, created_at BIGINT, last_seen BIGINT",
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
    _spec(
        "mail",
        ("id",),
        "id BIGINT, at_ms BIGINT, sender TEXT, recipient TEXT, body TEXT, read BOOLEAN",
        ("recipient",),
    ),
    _spec("posts", ("id",), "id BIGINT, at_ms BIGINT, board TEXT, author TEXT, body TEXT", ("board",)),
    _spec("game_saves", ("player", "game"), "player TEXT, game TEXT, seed BIGINT, state TEXT, updated_at BIGINT"),
    _spec("game_wins", ("player", "game", "seed"), "player TEXT, game TEXT, seed BIGINT, at_ms BIGINT, reward BIGINT"),
    _spec("inbound_packets", ("node", "packet_id"), "node TEXT, packet_id BIGINT, at_ms BIGINT"),
    *STAFF_SPECS,
    *BUILDER_SPECS,
)
"""Every stateful table: the engine keeps these in memory."""

JOURNAL = _spec("journal", ("seq",), "seq BIGINT, at_ms BIGINT, player TEXT, command TEXT, ok BOOLEAN")
AUDIT = _spec(
    "audit", ("seq",), "seq BIGINT, at_ms BIGINT, actor TEXT, action TEXT, target TEXT, detail TEXT, result TEXT"
)
EVENTS = _spec("events", (), "at_ms BIGINT, kind TEXT, player TEXT, room TEXT, data TEXT")

LOG_SPECS: tuple[TableSpec, ...] = (JOURNAL, AUDIT, EVENTS)
"""The append-only logs; never loaded into memory."""

ALL_SPECS: dict[str, TableSpec] = {s.name: s for s in (*CORE_SPECS, *LOG_SPECS)}
