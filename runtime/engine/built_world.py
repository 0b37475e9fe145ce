"""The world players see: the image's world with the live-building overlay merged in.

The engine runs ``apply_overlay(image world, overlay)``; it rebuilds that view whenever a
command changes an overlay table (``runtime.store.overlay.touches_overlay``), so an edit takes
effect at once, and again after a restart, a restore or a new image (SIGHUP), since the overlay
lives in the database.

- a room of the world gets a ``RoomPatch`` (``runtime.image.patch``): its ``room_texts``
  description, and its ``built_exits`` (added, replaced, or removed with target '');
- a built room is a plain room with its built exits; one whose id the image now defines is
  ignored (the image wins: its edits were exported and built into the world);
- a built object is a takeable object worth nothing with no triggers;
- an exit whose target exists neither in the image nor in the overlay is left out (the
  migration removes such rows; a room never gets an exit to nowhere).

The merge is the same one ``meshmush admin export-edits`` produces as ``kind: patch`` and
plain documents: building the exported files with the world gives an equal ``World``.
"""

from __future__ import annotations

from dataclasses import replace

from runtime.engine.world_view import WorldView
from runtime.image.model import BuilderLimits, Exit, Object, Room, World
from runtime.image.patch import RoomPatch, patch_room, sort_exits
from runtime.store.overlay import Overlay, read_overlay
from runtime.store.tables import Tables


def built_object(oid: str, name: str, description: str) -> Object:
    return Object(id=oid, name=name, aliases=(), description=description, takeable=True, value=0, flags=(),
                  triggers=())


def apply_overlay(world: World, overlay: Overlay, limits: BuilderLimits | None = None) -> World:
    """``world`` with ``overlay`` merged in (``world`` itself when there is nothing to merge)."""
    if limits is not None:  # the server config's, a negative one leaving the world's
        own = world.builder
        merged = BuilderLimits(limits.clones_per_player if limits.clones_per_player >= 0 else own.clones_per_player,
                               limits.clones_total if limits.clones_total >= 0 else own.clones_total)
        if merged != own:
            world = replace(world, builder=merged)
    if overlay.empty:
        return world
    image_rooms = {r.id for r in world.rooms}
    built = [b for b in overlay.rooms if b.id not in image_rooms]
    known = image_rooms | {b.id for b in built}
    exits: dict[str, list[Exit]] = {}
    removed: dict[str, list[str]] = {}
    for e in overlay.exits:
        if e.removed:
            removed.setdefault(e.room, []).append(e.direction)
        elif e.target in known:
            exits.setdefault(e.room, []).append(Exit(e.direction, e.target))
    texts = {t.room: t.description for t in overlay.texts}
    rooms: list[Room] = []
    for room in world.rooms:
        rid = room.id
        if rid in exits or rid in removed or rid in texts:
            patch = RoomPatch(rid, texts.get(rid), tuple(exits.get(rid, ())), tuple(removed.get(rid, ())))
            room = patch_room(room, patch)
        rooms.append(room)
    for b in built:
        rooms.append(Room(id=b.id, name=b.name, description=b.description,
                          exits=sort_exits(exits.get(b.id, [])), flags=(), objects=(), triggers=()))
    image_objects = {o.id for o in world.objects}
    objects = list(world.objects) + [built_object(o.id, o.name, o.description)
                                     for o in overlay.objects if o.id not in image_objects]
    return replace(world, rooms=tuple(sorted(rooms, key=lambda r: r.id)),
                   objects=tuple(sorted(objects, key=lambda o: o.id)))


def built_view(world: World, tables: Tables, limits: BuilderLimits | None = None,
               current: WorldView | None = None) -> WorldView:
    """The engine's view: ``world`` with the committed overlay of ``tables`` (``image_world``
    gives ``world`` back) — ``current`` itself when that is what it shows already (no overlay:
    a big world's view is not built twice at start-up)."""
    merged = apply_overlay(world, read_overlay(tables.rows), limits)
    if current is not None and current.world is merged and image_world(current) is world:
        return current
    view = WorldView(merged)
    view.memo(BASE_WORLD, lambda _v: world)
    return view


BASE_WORLD = "built_world.base"
"""``WorldView.memo`` key of the image's own world (before the overlay)."""


def image_world(view: WorldView) -> World:
    """The image's world under ``view`` (the view's own world when it was built without
    ``built_view``)."""
    return view.memo(BASE_WORLD, lambda v: v.world)


def reachable_rooms(world: World) -> set[str]:
    """World rooms a player can get to from the start: exits (guards ignored), a house's exits
    from its office, and any room a trigger teleports to."""
    rooms = {r.id for r in world.rooms}
    edges: dict[str, set[str]] = {r.id: {e.to for e in r.exits} for r in world.rooms}
    for h in world.housing:
        for t in h.templates:
            edges.setdefault(h.office, set()).update(e.to for hr in t.rooms for e in hr.exits if not e.local)
    codes = [t.code for t in world.triggers]
    codes += [t.code for r in world.rooms for t in r.triggers]
    codes += [t.code for o in world.objects for t in o.triggers]
    codes += [t.code for n in world.npcs for t in n.triggers]
    codes += [node.do for n in world.npcs for node in n.dialogue if node.do is not None]
    seen = {world.start} | {name for code in codes for name in code.names if name in rooms}
    todo = list(seen)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen & rooms
