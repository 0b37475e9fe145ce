"""The live-building overlay: what builders changed, stored beside the image, never in it.

Migration 8 (``builder_overlay``) creates the tables; ``BUILDER_SPECS`` in
``runtime/store/migrations.py`` lists them with the other stateful tables, so the engine keeps
them in memory and changes them in the command's transaction like any other state.

- ``built_rooms``: rooms made with ``/dig`` (id, name, description, who, when);
- ``built_objects``: objects made with ``/create`` (worth nothing, takeable, no triggers);
- ``built_exits``: exits added by ``/dig`` and ``/link`` — from built rooms and from rooms of
  the world — keyed by (room, direction); ``target`` '' records that ``/unlink`` removed an
  exit the image has;
- ``room_texts``: ``/describe`` of a room of the world (a built room keeps its text in its row);
- ``clones``: every copy made with ``/create`` or ``/clone`` (the copy itself is an ordinary row of
  ``instances``), with its owner, for the clone limits and ``/clones``;
- ``image_rooms`` and ``image_objects``: the rooms (description, exits) and objects (value) of
  the image the state was last brought onto — rooms whose ``objects:`` have been placed, what a
  removed object refunds, and the base of the three-way merge of builders' edits with a new
  image (``runtime/engine/migrate.py``).

``read_overlay`` gives the first four as one frozen ``Overlay``; ``runtime/engine/built_world.py``
merges it into the image's world, ``meshmush admin export-edits`` writes it as YAML.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runtime.store.tables import ChangeSet, Row

OVERLAY_TABLES: frozenset[str] = frozenset({"built_rooms", "built_objects", "built_exits", "room_texts"})
"""The tables whose rows change the world players see."""

REMOVED = ""
"""``built_exits.target`` of an exit of the image that a builder removed."""


@dataclass(frozen=True)
class BuiltRoom:
    id: str
    name: str
    description: str
    builder: str  # player key
    at_ms: int

    @staticmethod
    def from_row(row: Row) -> BuiltRoom:
        rid, name, desc, builder, at = row
        return BuiltRoom(str(rid), str(name), str(desc), str(builder or ""), int(at or 0))

    def row(self) -> Row:
        return (self.id, self.name, self.description, self.builder, self.at_ms)


@dataclass(frozen=True)
class BuiltObject:
    id: str
    name: str
    description: str
    builder: str
    at_ms: int

    @staticmethod
    def from_row(row: Row) -> BuiltObject:
        oid, name, desc, builder, at = row
        return BuiltObject(str(oid), str(name), str(desc), str(builder or ""), int(at or 0))

    def row(self) -> Row:
        return (self.id, self.name, self.description, self.builder, self.at_ms)


@dataclass(frozen=True)
class BuiltExit:
    room: str
    direction: str
    target: str  # a room id, or REMOVED
    builder: str
    at_ms: int

    @staticmethod
    def from_row(row: Row) -> BuiltExit:
        room, direction, target, builder, at = row
        return BuiltExit(str(room), str(direction), str(target or ""), str(builder or ""), int(at or 0))

    def row(self) -> Row:
        return (self.room, self.direction, self.target, self.builder, self.at_ms)

    @property
    def removed(self) -> bool:
        return self.target == REMOVED


@dataclass(frozen=True)
class RoomText:
    room: str
    description: str
    builder: str
    at_ms: int

    @staticmethod
    def from_row(row: Row) -> RoomText:
        room, desc, builder, at = row
        return RoomText(str(room), str(desc), str(builder or ""), int(at or 0))

    def row(self) -> Row:
        return (self.room, self.description, self.builder, self.at_ms)


@dataclass(frozen=True)
class Clone:
    iid: int
    object_id: str
    owner: str  # player key of the builder who made it
    at_ms: int

    @staticmethod
    def from_row(row: Row) -> Clone:
        iid, obj, owner, at = row
        return Clone(int(iid), str(obj), str(owner or ""), int(at or 0))

    def row(self) -> Row:
        return (self.iid, self.object_id, self.owner, self.at_ms)


@dataclass(frozen=True)
class Overlay:
    rooms: tuple[BuiltRoom, ...] = ()
    objects: tuple[BuiltObject, ...] = ()
    exits: tuple[BuiltExit, ...] = ()
    texts: tuple[RoomText, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.rooms or self.objects or self.exits or self.texts)


def read_overlay(rows: Callable[[str], Iterable[Row]]) -> Overlay:
    """The overlay from ``rows(table)`` (a ``Txn.scan``, or ``Tables.rows`` of committed state),
    every part sorted by key so equal overlays compare equal."""
    return Overlay(
        rooms=tuple(sorted((BuiltRoom.from_row(r) for r in rows("built_rooms")), key=lambda x: x.id)),
        objects=tuple(sorted((BuiltObject.from_row(r) for r in rows("built_objects")), key=lambda x: x.id)),
        exits=tuple(sorted((BuiltExit.from_row(r) for r in rows("built_exits")),
                           key=lambda x: (x.room, x.direction))),
        texts=tuple(sorted((RoomText.from_row(r) for r in rows("room_texts")), key=lambda x: x.room)),
    )


def touches_overlay(changes: ChangeSet) -> bool:
    """Did these changes touch the world players see (so the engine rebuilds its view)?"""
    return any(t in OVERLAY_TABLES for t in changes.upserts) or any(t in OVERLAY_TABLES for t in changes.deletes)


AGE_BUCKETS: tuple[tuple[str, int], ...] = (
    ("1h", 3_600_000),
    ("1d", 86_400_000),
    ("7d", 7 * 86_400_000),
    ("30d", 30 * 86_400_000),
)
"""Clone ages are counted as under 1 hour, under 1 day, under 7 days, under 30 days, older."""
OLDER = "older"


@dataclass(frozen=True)
class CloneStats:
    """Copies made with /create and /clone that still exist: counts by owner, by object (the
    prototype) and by age, each sorted most first (ties by name)."""

    total: int
    by_owner: tuple[tuple[str, int], ...]
    by_object: tuple[tuple[str, int], ...]
    by_age: tuple[tuple[str, int], ...]  # every bucket of AGE_BUCKETS and OLDER, in that order

    def to_json(self) -> dict[str, object]:
        return {
            "total": self.total,
            "by_owner": [{"owner": k, "count": n} for k, n in self.by_owner],
            "by_object": [{"object": k, "count": n} for k, n in self.by_object],
            "by_age": [{"under" if k != OLDER else "age": k, "count": n} for k, n in self.by_age],
        }


def age_bucket(age_ms: int) -> str:
    for name, limit in AGE_BUCKETS:
        if age_ms < limit:
            return name
    return OLDER


def clone_stats(clones: Iterable[Clone], now_ms: int, owner_name: Callable[[str], str] = str) -> CloneStats:
    owners: dict[str, int] = {}
    objects: dict[str, int] = {}
    ages = {name: 0 for name, _ in AGE_BUCKETS} | {OLDER: 0}
    total = 0
    for c in clones:
        total += 1
        who = owner_name(c.owner)
        owners[who] = owners.get(who, 0) + 1
        objects[c.object_id] = objects.get(c.object_id, 0) + 1
        ages[age_bucket(max(0, now_ms - c.at_ms))] += 1

    def ranked(d: dict[str, int]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))

    return CloneStats(total, ranked(owners), ranked(objects), tuple(ages.items()))
