"""Live building for players with the ``builder`` grant: /DIG, /DESCRIBE, /LINK, /UNLINK,
/CREATE, /CLONE, /DESTROY, /CLONES (docs/building.md).

Every edit is a row of the overlay tables (``runtime/store/overlay.py``), written in the
command's transaction; the image is never touched.  The engine rebuilds the world players see
when such a command commits (``runtime/engine/built_world.py``), so the edit takes effect at
once, and it survives restarts and new images.  ``meshmush admin export-edits`` writes the
overlay back as world files, so git stays the source of truth.

Rules:
- building happens in rooms of the world (the image's and built ones), never in a house;
- ``/dig DIR NAME`` makes a room with an exit DIR to it and one back: a dug room is reachable
  by construction.  ``/unlink DIR`` refuses to cut any room off from the start room;
- names are at most ``NAME_BYTES`` bytes, descriptions ``TEXT_BYTES``, and a room (name,
  description, exits) must still fit one frame;
- new ids are ``built.<name>`` (``built.old_attic``, ``built.old_attic_2`` …), never an id the
  world uses or used (``renamed_from``);
- ``/create NAME`` defines an object (takeable, worth nothing) and puts one in your hands;
  ``/clone OBJECT`` copies an object worth nothing that no shop buys and whose triggers neither
  pay nor give (no builder can mint money),
  into your hands (or here, for one that cannot be carried); each copy counts against the clone
  limits (the world's ``builder:``, or the server config's ``[builder]``): per builder and in
  all; ``/destroy OBJECT`` removes a copy made that way (never the world's own objects); an
  object made with /create goes with its last copy;
- every command is audited by the dispatcher, with the ids it made or changed as detail.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from runtime.engine.built_world import image_world, reachable_rooms
from runtime.engine.context import Context
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Verb
from runtime.engine.replies import join_list
from runtime.engine.state import HOLDER_PLAYER, HOLDER_ROOM, Instance
from runtime.engine.world_view import direction
from runtime.frames import utf8_len
from runtime.image.bytecode import BytecodeError, decode
from runtime.image.directions import OPPOSITE, SHORT
from runtime.image.model import Exit, Object, Room, World
from runtime.image.patch import RoomPatch, patch_room
from runtime.image.words import count, with_article
from runtime.store.overlay import (
    REMOVED,
    BuiltExit,
    BuiltObject,
    BuiltRoom,
    Clone,
    RoomText,
    clone_stats,
)

NAMESPACE = "built"
NAME_BYTES = 40
TEXT_BYTES = 160
SLUG_CHARS = 24
DEFAULT_ROOM_TEXT = "A bare new room."
DIRS = "n, s, e, w, ne, nw, se, sw, u, d, in, out"
SHOWN = 4
"""Names listed per line by /clones before "…"."""


# ---------------------------------------------------------------------------- helpers
def _room_here(ctx: Context) -> Room:
    """The room of the world the builder stands in (houses are not built on)."""
    room = ctx.world.room(ctx.player.room)
    if room is None:
        ctx.fail("You can only build in rooms of the world, not here.")
    return room


def _text(ctx: Context, raw: str, limit: int, usage: str) -> str:
    text = " ".join(raw.split())
    if not text:
        ctx.fail(usage)
    if not any(ch.isalnum() for ch in text):
        ctx.fail("Use some letters or digits.")
    n = utf8_len(text)
    if n > limit:
        ctx.fail(f"That is {n} bytes; keep it to {limit}.")
    return text


def _direction(ctx: Context, word: str) -> str:
    d = direction(word)
    if d is None:
        ctx.fail(f"'{word[:20]}' is not a direction ({DIRS}).")
    return d


def _exit(room: Room, d: str) -> str | None:
    return next((e.to for e in room.exits if e.direction == d), None)


def _room_name(ctx: Context, room_id: str) -> str:
    room = ctx.world.room(room_id)
    return room.name if room is not None else room_id


def _fits(ctx: Context, room: Room) -> None:
    """Refuse an edit after which ``room`` would not fit one frame."""
    exits = ", ".join(SHORT[e.direction] for e in room.exits) or "none"
    n = utf8_len(f"{room.name}\n{room.description}\nExits: {exits}")
    if n > ctx.ops.frame_bytes:
        ctx.fail(f"{room.name} would show {n} bytes, over one frame ({ctx.ops.frame_bytes}); describe it shorter first.")


def _slug(name: str, fallback: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "_", plain).strip("_")[:SLUG_CHARS].strip("_")
    return slug or fallback


def _taken(ctx: Context) -> set[str]:
    """Every id the world uses or used: a new one must be none of them."""
    ids: set[str] = set()
    for w in (ctx.world.world, image_world(ctx.world)):
        ids |= _world_ids(w)
    txn = ctx.state.txn
    ids |= {str(r[0]) for r in txn.scan("built_rooms")} | {str(r[0]) for r in txn.scan("built_objects")}
    return ids


def _world_ids(w: World) -> set[str]:
    ids: set[str] = set()
    for group in (w.rooms, w.objects, w.npcs, w.shops, w.housing, w.games, w.boards):
        ids |= {x.id for x in group}
    ids |= {old for r in w.rooms for old in r.renamed_from} | {old for o in w.objects for old in o.renamed_from}
    return ids


def _new_id(ctx: Context, name: str, fallback: str) -> str:
    base = f"{NAMESPACE}.{_slug(name, fallback)}"
    taken = _taken(ctx)
    rid, n = base, 1
    while rid in taken:
        n += 1
        rid = f"{base}_{n}"
    return rid


def _is_built(ctx: Context, room_id: str) -> bool:
    return ctx.state.txn.get("built_rooms", (room_id,)) is not None


def _image_exit(ctx: Context, room_id: str, d: str) -> bool:
    base = next((r for r in image_world(ctx.world).rooms if r.id == room_id), None)
    return base is not None and _exit(base, d) is not None


def _put_exit(ctx: Context, room_id: str, d: str, target: str) -> None:
    ctx.state.txn.put("built_exits", BuiltExit(room_id, d, target, ctx.player_key, ctx.now_ms).row())


# ---------------------------------------------------------------------------- rooms and exits
def do_dig(ctx: Context) -> None:
    usage = "Usage: /dig DIR NAME, e.g. /dig north Old Attic"
    words = ctx.command.args.split(None, 1)
    if len(words) < 2:
        ctx.fail(usage)
    here = _room_here(ctx)
    d = _direction(ctx, words[0])
    taken = _exit(here, d)
    if taken is not None:
        ctx.fail(f"There is already an exit {d} here (to {_room_name(ctx, taken)}). /unlink {SHORT[d]} first.")
    name = _text(ctx, words[1], NAME_BYTES, usage)
    back = OPPOSITE[d]
    rid = _new_id(ctx, name, "room")
    _fits(ctx, patch_room(here, RoomPatch(here.id, exits=(Exit(d, rid),))))
    ctx.state.txn.put("built_rooms", BuiltRoom(rid, name, DEFAULT_ROOM_TEXT, ctx.player_key, ctx.now_ms).row())
    _put_exit(ctx, here.id, d, rid)
    _put_exit(ctx, rid, back, here.id)
    ctx.audit("dig", rid, f"{d} from {here.id}")
    ctx.reply(f"Dug {d} to {name} ({rid}); its exit {back} leads back here. Go {SHORT[d]}, then /describe it.")


def do_describe(ctx: Context) -> None:
    usage = "Usage: /describe TEXT (what LOOK shows here)"
    here = _room_here(ctx)
    text = _text(ctx, ctx.command.args, TEXT_BYTES, usage)
    _fits(ctx, replace(here, description=text))
    txn = ctx.state.txn
    if _is_built(ctx, here.id):
        row = txn.get("built_rooms", (here.id,))
        assert row is not None
        txn.put("built_rooms", replace(BuiltRoom.from_row(row), description=text).row())
    else:
        base = next((r for r in image_world(ctx.world).rooms if r.id == here.id), None)
        if base is not None and base.description == text:
            txn.delete("room_texts", (here.id,))  # back to the world's own words
        else:
            txn.put("room_texts", RoomText(here.id, text, ctx.player_key, ctx.now_ms).row())
    ctx.audit("describe", here.id, text[:60])
    ctx.reply(f"{here.name} now reads: {text}")


def _find_room(ctx: Context, what: str) -> Room:
    room = ctx.world.room(what.strip().lower())
    if room is not None:
        return room
    found = match(what, [Candidate(r, r.name, ()) for r in ctx.world.world.rooms])
    if found.item is None:
        ctx.fail(found.problem or f"No room is called '{what[:30]}'. Give its name or id (town.square).")
    return found.item


def do_link(ctx: Context) -> None:
    usage = "Usage: /link DIR ROOM, e.g. /link east town.square"
    words = ctx.command.args.split(None, 1)
    if len(words) < 2:
        ctx.fail(usage)
    here = _room_here(ctx)
    d = _direction(ctx, words[0])
    taken = _exit(here, d)
    if taken is not None:
        ctx.fail(f"There is already an exit {d} here (to {_room_name(ctx, taken)}). /unlink {SHORT[d]} first.")
    target = _find_room(ctx, words[1])
    if target.id == here.id:
        ctx.fail("That exit would lead back here.")
    _fits(ctx, patch_room(here, RoomPatch(here.id, exits=(Exit(d, target.id),))))
    _put_exit(ctx, here.id, d, target.id)
    ctx.audit("link", here.id, f"{d} to {target.id}")
    back = any(e.to == here.id for e in target.exits)
    tail = "" if back else f" One way: /link {SHORT[OPPOSITE[d]]} there to come back."
    ctx.reply(f"Linked {d} to {target.name} ({target.id}).{tail}")


def do_unlink(ctx: Context) -> None:
    words = ctx.command.words
    if len(words) != 1:
        ctx.fail("Usage: /unlink DIR, e.g. /unlink north")
    here = _room_here(ctx)
    d = _direction(ctx, words[0])
    target = _exit(here, d)
    if target is None:
        exits = ", ".join(SHORT[e.direction] for e in here.exits) or "none"
        ctx.fail(f"There is no exit {d} here. Exits: {exits}.")
    world = ctx.world.world
    after = replace(world, rooms=tuple(patch_room(r, RoomPatch(r.id, remove=(d,))) if r.id == here.id else r
                                       for r in world.rooms))
    lost = sorted(reachable_rooms(world) - reachable_rooms(after))
    if lost:
        names = join_list([_room_name(ctx, r) for r in lost[:SHOWN]] + (["…"] if len(lost) > SHOWN else []))
        ctx.fail(f"Unlinking {d} would cut off {names} from the start. Link {'it' if len(lost) == 1 else 'them'}"
                 " elsewhere first.")
    txn = ctx.state.txn
    if _image_exit(ctx, here.id, d) and not _is_built(ctx, here.id):
        _put_exit(ctx, here.id, d, REMOVED)  # the image's own exit: remembered as removed
    else:
        txn.delete("built_exits", (here.id, d))
    ctx.audit("unlink", here.id, f"{d} to {target}")
    ctx.reply(f"Unlinked {d} (to {_room_name(ctx, target)}).")


# ---------------------------------------------------------------------------- objects
def _live_clones(ctx: Context) -> list[Clone]:
    """Copies that still exist (a trigger may have consumed one: its row is dropped here)."""
    txn = ctx.state.txn
    out: list[Clone] = []
    for row in list(txn.scan("clones")):
        c = Clone.from_row(row)
        if txn.get("instances", (c.iid,)) is None:
            txn.delete("clones", (c.iid,))
        else:
            out.append(c)
    return out


def _check_limits(ctx: Context) -> None:
    limits = ctx.world.world.builder
    clones = _live_clones(ctx)
    mine = sum(1 for c in clones if c.owner == ctx.player_key)
    if mine >= limits.clones_per_player:
        ctx.fail(f"You have {mine} copies, the most one builder may have ({limits.clones_per_player}). "
                 "/destroy one first.")
    if len(clones) >= limits.clones_total:
        ctx.fail(f"The world holds {len(clones)} copies, its limit ({limits.clones_total}). Ask staff.")


def _make_copy(ctx: Context, obj_id: str, takeable: bool) -> Instance:
    st = ctx.state
    if takeable:
        inst = st.new_instance(obj_id, HOLDER_PLAYER, ctx.player_key)
    else:
        inst = st.new_instance(obj_id, HOLDER_ROOM, ctx.player.room)
    st.txn.put("clones", Clone(inst.iid, obj_id, ctx.player_key, ctx.now_ms).row())
    return inst


def do_create(ctx: Context) -> None:
    usage = "Usage: /create NAME, e.g. /create wooden chair"
    _room_here(ctx)
    name = _text(ctx, ctx.command.args, NAME_BYTES, usage)
    _check_limits(ctx)
    oid = _new_id(ctx, name, "thing")
    text = with_article(name)
    description = text[0].upper() + text[1:] + "."
    ctx.state.txn.put("built_objects", BuiltObject(oid, name, description, ctx.player_key, ctx.now_ms).row())
    inst = _make_copy(ctx, oid, True)
    ctx.audit("create", oid, f"copy #{inst.iid}")
    ctx.reply(f"Created {name} ({oid}); it is in your hands. /clone {name} makes more.")


def _pick(ctx: Context, query: str) -> tuple[Instance | None, Object]:
    """An object by what the builder carries, what is here, or its id."""
    q = query.strip()
    obj = ctx.world.object(q.lower())
    if obj is not None:
        return None, obj
    st = ctx.state
    for pool in (st.inventory(ctx.player_key), st.instances_in_room(ctx.player.room)):
        found = match(q, ctx._candidates(pool))
        if found.problem:
            ctx.fail(found.problem)
        if found.item is not None:
            got = ctx.world.object(found.item.object_id)
            if got is not None:
                return found.item, got
    ctx.fail(f"You see no '{q[:30]}' here or in your hands (or give an object id).")


def _hands_out(obj: Object) -> bool:
    """Does any trigger of ``obj`` pay money or give objects (each copy could do it again)?"""
    for trig in obj.triggers:
        try:
            if any(ins.op.name in ("PAY", "GIVE") for ins in decode(trig.code.ops)):
                return True
        except BytecodeError:
            return True
    return False


def do_clone(ctx: Context) -> None:
    if not ctx.command.args.strip():
        ctx.fail("Usage: /clone OBJECT, e.g. /clone chair")
    _room_here(ctx)
    _, obj = _pick(ctx, ctx.command.args)
    if obj.value != 0 or any(b.item == obj.id for s in ctx.world.world.shops for b in s.buys):
        ctx.fail(f"The {obj.name} is worth money; only things worth nothing can be cloned.")
    if _hands_out(obj):
        ctx.fail(f"The {obj.name} pays or gives things when used; copies of it could mint money, so it can't be"
                 " cloned.")
    _check_limits(ctx)
    inst = _make_copy(ctx, obj.id, obj.takeable)
    ctx.audit("clone", obj.id, f"copy #{inst.iid}")
    where = "in your hands" if obj.takeable else "here"
    ctx.reply(f"Cloned {obj.name} (#{inst.iid}); it is {where}.")


def do_destroy(ctx: Context) -> None:
    if not ctx.command.args.strip():
        ctx.fail("Usage: /destroy OBJECT, e.g. /destroy chair")
    st = ctx.state
    found: Instance | None = None
    for pool in (st.inventory(ctx.player_key), st.instances_in_room(ctx.player.room)):
        hit = match(ctx.command.args, ctx._candidates(pool))
        if hit.problem:
            ctx.fail(hit.problem)
        if hit.item is not None:
            found = hit.item
            if st.txn.get("clones", (found.iid,)) is None:  # a copy of the same object made by a builder first
                found = next((i for i in pool if i.object_id == found.object_id
                              and st.txn.get("clones", (i.iid,)) is not None), found)
            break
    if found is None:
        ctx.fail(f"You see no '{ctx.command.args.strip()[:30]}' here or in your hands.")
    name = ctx.world.object_name(found.object_id)
    if st.txn.get("clones", (found.iid,)) is None:
        ctx.fail(f"The {name} belongs to the world; only copies made with /create or /clone can be destroyed.")
    st.delete_instance(found.iid)
    st.txn.delete("clones", (found.iid,))
    tail = ""
    if st.txn.get("built_objects", (found.object_id,)) is not None and not any(
        r[1] == found.object_id for r in st.txn.scan("instances")
    ):
        st.txn.delete("built_objects", (found.object_id,))
        tail = f" It was the last one: {found.object_id} is gone."
    ctx.audit("destroy", found.object_id, f"copy #{found.iid}")
    ctx.reply(f"Destroyed {name} (#{found.iid}).{tail}")


# ---------------------------------------------------------------------------- /clones
def _ranked(pairs: tuple[tuple[str, int], ...]) -> str:
    shown = [f"{k} {n}" for k, n in pairs[:SHOWN]]
    return ", ".join(shown) + (", …" if len(pairs) > SHOWN else "") if shown else "none"


def _ages(pairs: tuple[tuple[str, int], ...]) -> str:
    return ", ".join(f"{'<' + k if k != 'older' else k} {n}" for k, n in pairs if n) or "none"


def do_clones(ctx: Context) -> None:
    limits = ctx.world.world.builder
    clones = _live_clones(ctx)

    def owner(key: str) -> str:
        p = ctx.state.player(key)
        return p.name if p is not None else key

    query = ctx.command.args.strip()
    if not query:
        st = clone_stats(clones, ctx.now_ms, owner)
        mine = sum(1 for c in clones if c.owner == ctx.player_key)
        ctx.reply(f"Clones: {st.total} of {limits.clones_total}; yours {mine} of {limits.clones_per_player}.\n"
                  f"Owners: {_ranked(st.by_owner)}.\nObjects: {_ranked(st.by_object)}.\nAge: {_ages(st.by_age)}.")
        return
    person = ctx.state.player_by_name(query)
    if person is not None:
        st = clone_stats([c for c in clones if c.owner == person.key], ctx.now_ms, owner)
        ctx.reply(f"{person.name}: {count(st.total, 'clone')} of {limits.clones_per_player}.\n"
                  f"Objects: {_ranked(st.by_object)}.\nAge: {_ages(st.by_age)}.")
        return
    obj = ctx.world.object(query.lower())
    if obj is None:
        found = match(query, [Candidate(o, o.name, o.aliases, group=o.id) for o in ctx.world.world.objects])
        if found.item is None:
            ctx.fail(found.problem or f"No player or object is called '{query[:30]}'.")
        obj = found.item
    st = clone_stats([c for c in clones if c.object_id == obj.id], ctx.now_ms, owner)
    ctx.reply(f"{obj.name} ({obj.id}): {count(st.total, 'clone')}.\nOwners: {_ranked(st.by_owner)}.\n"
              f"Age: {_ages(st.by_age)}.")


VERBS: tuple[Verb, ...] = (
    Verb("/dig", do_dig, usage="/dig DIR NAME", summary="make a room that way, linked both ways",
         example="/dig north Old Attic", abbreviate=False),
    Verb("/describe", do_describe, usage="/describe TEXT", summary="set what LOOK shows in this room",
         example="/describe Dusty beams and a round window."),
    Verb("/link", do_link, usage="/link DIR ROOM", summary="add an exit from here to a room",
         example="/link east town.square"),
    Verb("/unlink", do_unlink, usage="/unlink DIR", summary="remove an exit from here",
         example="/unlink east", abbreviate=False),
    Verb("/create", do_create, usage="/create NAME", summary="make a new object, in your hands",
         example="/create wooden chair"),
    Verb("/clone", do_clone, usage="/clone OBJECT", summary="copy an object worth nothing",
         example="/clone chair"),
    Verb("/destroy", do_destroy, usage="/destroy OBJECT", summary="remove a copy made by /create or /clone",
         example="/destroy chair", abbreviate=False),
    Verb("/clones", do_clones, usage="/clones [NAME]", summary="copies by owner, object and age",
         example="/clones Ana"),
)
