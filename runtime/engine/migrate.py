"""Moving live state onto a new version of the world, so no player is stranded and no item lost.

One function, ``migrate``, runs inside ONE transaction of the in-memory tables and records a
``Step`` for everything it changes.  ``meshmush migrate --dry-run`` runs it and rolls back (the
plan it prints is exactly what would happen); ``meshmush migrate`` takes a backup, runs it and
writes the transaction; the server runs it on SIGHUP and when it starts on a database last run
with another image, and logs the plan.  In order:

1. renames: a room or object whose ``renamed_from`` names an id the state still uses takes over
   that state — players standing in the room, objects lying there or held, its ``room.``
   variables, shop stock, the builders' exits and descriptions, the clones;
2. the live-building overlay: built rooms and objects whose id the image now defines are
   retired (the image wins: they were exported and built in); a builder's exit or description of
   a room of the world is retired when the new image has it word for word, and also when the
   world's files changed that very exit or description since the last image (the files win: a
   three-way merge against ``image_rooms``, the rooms as the last image had them); exits to
   rooms that no longer exist are removed;
3. houses whose template (or housing document) is gone are refunded at the price paid, through
   the ledger — not kept: a house's rooms exist only through its template, so a kept house would
   be rooms nobody can stand in.  Everyone inside goes to the housing office (else the start
   room), everything inside goes to the owner's inventory, its guests and variables go;
4. players in rooms that no longer exist go to the start room (a house room that went from a
   template that still exists: to the house's entrance);
5. objects whose id no longer exists are refunded at their value (``Object.value``) to whoever
   held them — the player carrying one, the owner of the house it lay in — through the ledger,
   then deleted (with their ``self.`` variables and clone rows); one lying in a world room is
   deleted with no refund (nobody held it);
6. objects lying in rooms that no longer exist: takeable ones go to the start room (lost and
   found), fixed ones (``takeable: false``, placed by the world) are deleted;
7. declared variables: a stored value of a variable the world no longer declares is dropped; one
   whose stored value no longer fits the declared type (``bool``, whole number for
   ``int``/``money``, ``text``) is reset to the new default; values of rooms and objects that no
   longer exist are dropped;
8. leftovers: shop stock of shops or items that are gone, conversations with NPCs that are gone,
   saved games of games that are gone;
9. rooms new in this image get their ``objects:`` placed (``image_rooms`` remembers the rooms
   that have had them, so a room is furnished once; a database made before that table adopts the
   image's rooms as furnished), and ``image_rooms`` and ``image_objects`` now describe this image.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from runtime.engine.built_world import apply_overlay, reachable_rooms
from runtime.engine.state import HOLDER_PLAYER, HOLDER_ROOM, BalanceCeiling, Instance, Player, State
from runtime.engine.world_view import WorldView
from runtime.image.model import Exit, Room, World
from runtime.store.overlay import BuiltExit, read_overlay
from runtime.store.tables import Txn

log = logging.getLogger("meshmush.migrate")

LEDGER_SOURCE = "world:migrate"
"""The ledger's payer of every refund a migration makes."""

RoomResolver = Callable[[State, str], Room | None]
"""A room that is not in the world (a house room), as the systems' hooks resolve it."""


@dataclass(frozen=True)
class Step:
    kind: str  # rename, overlay, house, player, refund, object, variable, cleanup, place
    text: str  # one line for people: what happens and to what

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass(frozen=True)
class Plan:
    world_id: str
    steps: tuple[Step, ...]
    refunded: int = 0  # minor units paid back in total

    @property
    def empty(self) -> bool:
        return not self.steps

    def lines(self) -> list[str]:
        return [f"{s.kind}: {s.text}" for s in self.steps]

    def to_json(self) -> dict[str, object]:
        return {"world": self.world_id, "steps": [s.to_json() for s in self.steps], "refunded": self.refunded}


@dataclass
class _Run:
    txn: Txn
    ids: Callable[[str, str], int]
    world: World  # the new image
    now_ms: int
    resolve: RoomResolver
    money: Callable[[int], str]
    steps: list[Step] = field(default_factory=list)
    refunded: int = 0

    def step(self, kind: str, text: str) -> None:
        self.steps.append(Step(kind, text))


def migrate(txn: Txn, ids: Callable[[str, str], int], world: World, now_ms: int, resolve: RoomResolver,
            money: Callable[[int], str] | None = None) -> Plan:
    """Bring the state in ``txn`` onto ``world`` (see the module doc); the caller commits or
    rolls back.  ``ids`` allocates ids (the database's ``next_id``); ``resolve`` finds rooms the
    world does not list (houses); ``money`` prints amounts in the plan."""
    run = _Run(txn, ids, world, now_ms, resolve, money or str)
    _renames(run)
    view = _overlay(run)
    state = State(txn, view, ids)
    _houses(run, state)
    _players(run, state)
    _objects(run, state)
    _variables(run, state)
    _leftovers(run, state)
    _place(run, state)
    return Plan(world.id, tuple(run.steps), run.refunded)


def merged_view(txn: Txn, world: World) -> WorldView:
    """The world with the overlay as it stands in ``txn``."""
    return WorldView(apply_overlay(world, read_overlay(txn.scan)))


# ---------------------------------------------------------------------------- 1. renames
def _renames(run: _Run) -> None:
    txn = run.txn
    room_ids = {r.id for r in run.world.rooms}
    object_ids = {o.id for o in run.world.objects}
    for room in run.world.rooms:
        for old in room.renamed_from:
            if old in room_ids:
                continue  # the compiler refuses this (MM4021); never move state onto a live id
            moved = _rename_room(txn, old, room.id)
            if moved:
                run.step("rename", f"room {old} is now {room.id}; moved over: {', '.join(moved)}")
    for obj in run.world.objects:
        for old in obj.renamed_from:
            if old in object_ids:
                continue
            n = 0
            for row in list(txn.scan("instances")):
                if row[1] == old:
                    txn.put("instances", (row[0], obj.id, row[2], row[3]))
                    n += 1
            for row in list(txn.scan("clones")):
                if row[1] == old:
                    txn.put("clones", (row[0], obj.id, row[2], row[3]))
            for row in list(txn.scan("shop_stock")):
                if row[1] == old:
                    txn.delete("shop_stock", (row[0], row[1]))
                    txn.put("shop_stock", (row[0], obj.id, row[2], row[3]))
            if txn.get("built_objects", (old,)) is not None:
                txn.delete("built_objects", (old,))
            if n:
                run.step("rename", f"object {old} is now {obj.id}; moved over: {_count(n, 'copy', 'copies')}")


def _rename_room(txn: Txn, old: str, new: str) -> list[str]:
    moved: list[str] = []
    players = txn.find("players", "room", old)
    for row in players:
        txn.put("players", replace(Player.from_row(row), room=new).row())
    if players:
        moved.append(_count(len(players), "player", "players"))
    things = [r for r in txn.find("instances", "holder", old) if r[2] == HOLDER_ROOM]
    for row in things:
        txn.put("instances", (row[0], row[1], row[2], new))
    if things:
        moved.append(_count(len(things), "object", "objects"))
    nvars = 0
    for row in list(txn.scan("vars")):
        if row[0] == "room" and row[1] == old:
            txn.delete("vars", (row[0], row[1], row[2]))
            txn.put("vars", (row[0], new, row[2], row[3]))
            nvars += 1
    if nvars:
        moved.append(_count(nvars, "variable", "variables"))
    for row in list(txn.scan("built_exits")):
        e = BuiltExit.from_row(row)
        if e.room == old:
            txn.delete("built_exits", (e.room, e.direction))
            txn.put("built_exits", replace(e, room=new).row())
            moved.append(f"the built exit {e.direction}")
        elif e.target == old:
            txn.put("built_exits", replace(e, target=new).row())
            moved.append(f"the built exit {e.direction} of {e.room}")
    text = txn.get("room_texts", (old,))
    if text is not None:
        txn.delete("room_texts", (old,))
        txn.put("room_texts", (new, *text[1:]))
        moved.append("the built description")
    seen = txn.get("image_rooms", (old,))
    if seen is not None:
        txn.delete("image_rooms", (old,))
        txn.put("image_rooms", (new, *seen[1:]))
    return moved


# ---------------------------------------------------------------------------- 2. the overlay
def _overlay(run: _Run) -> WorldView:
    txn, world = run.txn, run.world
    image_rooms = {r.id: r for r in world.rooms}
    image_objects = {o.id for o in world.objects}
    for row in list(txn.scan("built_rooms")):
        if row[0] in image_rooms:
            txn.delete("built_rooms", (row[0],))
            run.step("overlay", f"built room {row[0]} is now part of the world files; the image's version counts")
    for row in list(txn.scan("built_objects")):
        if row[0] in image_objects:
            txn.delete("built_objects", (row[0],))
            run.step("overlay", f"built object {row[0]} is now part of the world files")
    known = set(image_rooms) | {str(r[0]) for r in txn.scan("built_rooms")}
    before = {str(r[0]): (str(r[1] or ""), _parse_exits(str(r[2] or ""))) for r in txn.scan("image_rooms")}
    for row in list(txn.scan("built_exits")):
        e = BuiltExit.from_row(row)
        key = (e.room, e.direction)
        base = image_rooms.get(e.room)
        own = _exit_sig(next((x for x in base.exits if x.direction == e.direction), None)) if base else ""
        old = before[e.room][1].get(e.direction, "") if e.room in before else own
        if e.room not in known:
            txn.delete("built_exits", key)
            run.step("overlay", f"built exit {e.direction} of {e.room} goes: the room no longer exists")
        elif e.removed and not own:
            txn.delete("built_exits", key)  # the image dropped the exit a builder removed: nothing to remember
        elif not e.removed and e.target not in known:
            txn.delete("built_exits", key)
            run.step("overlay", f"built exit {e.direction} of {e.room} goes: {e.target} no longer exists")
        elif not e.removed and own == e.target:
            txn.delete("built_exits", key)
            run.step("overlay", f"built exit {e.direction} of {e.room} is now in the world files")
        elif base is not None and old != own:
            txn.delete("built_exits", key)
            now = f"leads to {own.rstrip('?')}" if own else "is gone"
            run.step("overlay", f"built exit {e.direction} of {e.room} goes: the world files changed that exit"
                                f" since (it {now} there); the files win")
    for row in list(txn.scan("room_texts")):
        rid = str(row[0])
        base = image_rooms.get(rid)
        if base is None:
            txn.delete("room_texts", (rid,))
            run.step("overlay", f"built description of {rid} goes: the room no longer exists")
        elif base.description == row[1]:
            txn.delete("room_texts", (rid,))
            run.step("overlay", f"built description of {rid} is now in the world files")
        elif rid in before and before[rid][0] != base.description:
            txn.delete("room_texts", (rid,))
            run.step("overlay", f"built description of {rid} goes: the world files changed it since; the files win")
    view = merged_view(txn, world)
    reachable = reachable_rooms(view.world)
    for row in txn.scan("built_rooms"):
        if row[0] not in reachable:
            run.step("overlay", f"built room {row[0]} can no longer be reached from the start (its way in changed"
                                " in the world files): a builder should /link a way in")
    return view


def _exit_sig(e: Exit | None) -> str:
    """An exit as ``image_rooms`` remembers it: its target, ``?`` after a guarded one."""
    if e is None:
        return ""
    return e.to + ("?" if e.when is not None else "")


def _exits_text(room: Room) -> str:
    return " ".join(f"{e.direction}={_exit_sig(e)}" for e in room.exits)


def _parse_exits(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split() if "=" in part)


def remember_rooms(txn: Txn, world: World, rooms: set[str] | None = None) -> None:
    """Record the image's rooms as they are (``image_rooms``), all or only ``rooms``."""
    for room in world.rooms:
        if rooms is None or room.id in rooms:
            txn.put("image_rooms", (room.id, room.description, _exits_text(room)))


# ---------------------------------------------------------------------------- 3. houses
def _houses(run: _Run, state: State) -> None:
    from runtime.systems import housing  # the houses' own rules (room ids, templates)

    view = state.world
    for row in list(run.txn.scan("houses")):
        h = housing.House.from_row(row)
        found = housing.template_of(view, h)
        if found is not None:
            continue
        prefix = h.id + "."
        office = next((x.office for x in view.world.housing if x.id == h.housing), None)
        out = office if office is not None and office in view.rooms else run.world.start
        people = [p for p in state.all_players() if p.room.startswith(prefix)]
        for p in people:
            state.save_player(replace(p, room=out))
        things = [i for i in map(Instance.from_row, run.txn.scan("instances"))
                  if i.holder_kind == HOLDER_ROOM and i.holder.startswith(prefix)]
        for inst in things:
            state.move_instance(inst.iid, HOLDER_PLAYER, h.owner)
        for vrow in list(run.txn.scan("vars")):
            if vrow[0] == "room" and str(vrow[1]).startswith(prefix):
                run.txn.delete("vars", (vrow[0], vrow[1], vrow[2]))
        for g in housing.guests(state, h.id):
            run.txn.delete("house_guests", (h.id, g))
        run.txn.delete("houses", (h.id,))
        owner = state.player(h.owner)
        paid = _pay(run, state, h.owner, h.price, f"refund {h.id} ({h.housing} {h.template}: template removed)")
        text = f"house {h.id} of {owner.name if owner else h.owner} ({h.housing} {h.template}) is refunded {paid}"
        if things:
            text += f"; given to the owner: {_count(len(things), 'object', 'objects')} inside"
        if people:
            text += f"; moved to {out}: {_count(len(people), 'player', 'players')} inside"
        run.step("house", text)


# ---------------------------------------------------------------------------- 4. players
def _players(run: _Run, state: State) -> None:
    from runtime.systems import housing

    for p in state.all_players():
        if p.room in state.world.rooms or run.resolve(state, p.room) is not None:
            continue
        to = run.world.start
        h = housing.house_of_room(state, p.room)
        if h is not None:
            to = housing.entrance(state, h) or to
        state.save_player(replace(p, room=to))
        run.step("player", f"{p.name} was in {p.room}, which no longer exists: moved to {to}")


# ---------------------------------------------------------------------------- 5, 6. objects
def _objects(run: _Run, state: State) -> None:
    from runtime.systems import housing

    view = state.world
    for inst in [Instance.from_row(r) for r in run.txn.scan("instances")]:
        obj = view.object(inst.object_id)
        if obj is None:
            value = _old_value(run, inst.object_id)
            payee = None
            if inst.holder_kind == HOLDER_PLAYER:
                payee = inst.holder
            elif inst.holder_kind == HOLDER_ROOM:
                h = housing.house_of_room(state, inst.holder)
                payee = h.owner if h is not None else None
            state.delete_instance(inst.iid)
            run.txn.delete("clones", (inst.iid,))
            if payee is not None and state.player(payee) is not None:
                paid = _pay(run, state, payee, value, f"refund {inst.object_id} #{inst.iid} (removed from the world)")
                who = state.require_player(payee).name
                run.step("refund", f"object {inst.object_id} #{inst.iid} no longer exists: {who} is refunded {paid}")
            else:
                where = inst.holder or "nowhere"
                run.step("object", f"object {inst.object_id} #{inst.iid} no longer exists: removed from {where}")
            continue
        if inst.holder_kind != HOLDER_ROOM or inst.holder in view.rooms or run.resolve(state, inst.holder) is not None:
            continue
        h = housing.house_of_room(state, inst.holder)
        if h is not None:
            state.move_instance(inst.iid, HOLDER_PLAYER, h.owner)
            run.step("object", f"{obj.name} #{inst.iid} lay in {inst.holder}, which no longer exists: given to "
                               f"the house's owner")
        elif obj.takeable:
            state.move_instance(inst.iid, HOLDER_ROOM, run.world.start)
            run.step("object", f"{obj.name} #{inst.iid} lay in {inst.holder}, which no longer exists: moved to "
                               f"{run.world.start}")
        else:
            state.delete_instance(inst.iid)
            run.txn.delete("clones", (inst.iid,))
            run.step("object", f"{obj.name} #{inst.iid} was fixed in {inst.holder}, which no longer exists: removed")
    for row in list(run.txn.scan("clones")):
        if run.txn.get("instances", (row[0],)) is None:
            run.txn.delete("clones", (row[0],))


def _old_value(run: _Run, object_id: str) -> int:
    """What an object no longer in the world was worth in the image the state last ran
    (``image_objects``); a built object is worth nothing."""
    row = run.txn.get("image_objects", (object_id,))
    return int(row[1] or 0) if row is not None else 0


# ---------------------------------------------------------------------------- 7. variables
def _fits(value: object, typ: str) -> bool:
    if typ == "bool":
        return isinstance(value, bool)
    if typ in ("int", "money"):
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, str)


def _variables(run: _Run, state: State) -> None:
    view = state.world
    dropped: dict[str, int] = {}
    reset: dict[str, int] = {}
    orphans = 0
    for row in list(run.txn.scan("vars")):
        scope, owner, name, raw = row
        var = view.state_var(str(name))
        key = (scope, owner, name)
        if var is None:
            run.txn.delete("vars", key)
            dropped[str(name)] = dropped.get(str(name), 0) + 1
            continue
        if scope == "room" and owner not in view.rooms and run.resolve(state, str(owner)) is None:
            run.txn.delete("vars", key)
            orphans += 1
            continue
        if scope == "self" and str(owner).isdigit() and run.txn.get("instances", (int(owner),)) is None:
            run.txn.delete("vars", key)
            orphans += 1
            continue
        try:
            value = json.loads(str(raw))
        except ValueError:
            value = None
        if not _fits(value, var.type):
            run.txn.delete("vars", key)
            reset[str(name)] = reset.get(str(name), 0) + 1
    for name, n in sorted(dropped.items()):
        run.step("variable", f"{name} is no longer declared: {_count(n, 'value', 'values')} dropped")
    for name, n in sorted(reset.items()):
        var = view.state_var(name)
        default = json.dumps(var.default) if var is not None else "?"
        run.step("variable", f"{name} is now {var.type if var else '?'}: {_count(n, 'value', 'values')} reset to "
                             f"the default {default}")
    if orphans:
        run.step("variable", f"{_count(orphans, 'value', 'values')} of rooms or objects that no longer exist dropped")


# ---------------------------------------------------------------------------- 8. leftovers
def _leftovers(run: _Run, state: State) -> None:
    w = run.world
    shops = {s.id: {i.item for i in s.stock} for s in w.shops}
    n = 0
    for row in list(run.txn.scan("shop_stock")):
        if row[0] not in shops or row[1] not in shops[row[0]]:
            run.txn.delete("shop_stock", (row[0], row[1]))
            n += 1
    if n:
        run.step("cleanup", f"stock of {_count(n, 'shop item', 'shop items')} no longer sold dropped")
    npcs = {x.id for x in w.npcs}
    n = 0
    for row in list(run.txn.scan("dialogue")):
        if row[1] not in npcs:
            run.txn.delete("dialogue", (row[0], row[1]))
            n += 1
    if n:
        run.step("cleanup", f"{_count(n, 'conversation', 'conversations')} with NPCs that no longer exist ended")
    games = {g.id for g in w.games}
    n = 0
    for row in list(run.txn.scan("game_saves")):
        if row[1] not in games:
            run.txn.delete("game_saves", (row[0], row[1]))
            n += 1
    if n:
        run.step("cleanup", f"{_count(n, 'saved game', 'saved games')} of games that no longer exist dropped")


# ---------------------------------------------------------------------------- 9. placing objects
def _place(run: _Run, state: State) -> None:
    txn = run.txn
    remember_objects(txn, run.world)
    seeded = {str(r[0]) for r in txn.scan("image_rooms")}
    rooms = {r.id: r for r in run.world.rooms}
    if seeded:  # (else a database from before image_rooms: it ran some version of this world)
        for rid in sorted(seeded - set(rooms)):
            txn.delete("image_rooms", (rid,))
        for rid in sorted(set(rooms) - seeded):
            room = rooms[rid]
            for object_id in room.objects:
                state.new_instance(object_id, HOLDER_ROOM, rid)
            if room.objects:
                names = ", ".join(state.world.object_name(o) for o in room.objects)
                run.step("place", f"new room {rid}: {names} placed")
    remember_rooms(txn, run.world)


def seed_all(txn: Txn, state: State, world: World) -> None:
    """A fresh database: one instance of each room's objects, every room remembered."""
    for room in world.rooms:
        for object_id in room.objects:
            state.new_instance(object_id, HOLDER_ROOM, room.id)
    remember_rooms(txn, world)
    remember_objects(txn, world)


def remember_objects(txn: Txn, world: World) -> None:
    """Record the image's objects and values (``image_objects``): what a later image that drops
    one refunds."""
    ids = {o.id for o in world.objects}
    for row in list(txn.scan("image_objects")):
        if row[0] not in ids:
            txn.delete("image_objects", (row[0],))
    for o in world.objects:
        txn.put("image_objects", (o.id, o.value))


def adopt(txn: Txn, world: World) -> bool:
    """A database made before migration 8 ran this world: remember its rooms as furnished and
    its objects' values.  True when there was anything to adopt."""
    if next(txn.scan("image_rooms"), None) is not None:
        return False
    remember_rooms(txn, world)
    remember_objects(txn, world)
    return True


# ---------------------------------------------------------------------------- helpers
def _pay(run: _Run, state: State, key: str, amount: int, reason: str) -> str:
    if amount <= 0:
        return run.money(0)
    try:
        state.adjust_balance(key, amount)
    except BalanceCeiling:
        log.warning("migration: could not refund %s to %s: over the money ceiling", amount, key)
        return "nothing (over the money ceiling)"
    state.ledger(LEDGER_SOURCE, key, amount, reason, run.now_ms)
    run.refunded += amount
    return run.money(amount)


def _count(n: int, one: str, many: str) -> str:
    return f"1 {one}" if n == 1 else f"{n} {many}"
