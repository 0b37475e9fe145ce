"""Things: INVENTORY, TAKE, DROP, USE.  ``take``/``drop``/``use`` fire the object's triggers
first; ``stop`` cancels the action (the item stays where it was)."""

from __future__ import annotations

from typing import NoReturn

from runtime.engine.context import Context, Owner
from runtime.engine.describe import things
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Verb
from runtime.engine.state import HOLDER_PLAYER, HOLDER_ROOM, Instance


def do_inventory(ctx: Context) -> None:
    me = ctx.player
    held = things(ctx.world, ctx.state.inventory(me.key))
    carried = "You carry: " + ", ".join(held) + "." if held else "You carry nothing."
    ctx.reply(f"{carried}\nMoney: {ctx.money(me.balance)}")


def do_take(ctx: Context) -> None:
    query = ctx.command.args
    if not query:
        ctx.fail("Take what? e.g. take lantern")
    me = ctx.player
    inst = _here_or_explain(ctx, query)
    obj = ctx.world.object(inst.object_id)
    assert obj is not None
    if not obj.takeable:
        ctx.fail(f"You can't take the {obj.name}.")
    mark = ctx.out.mark(me.key)
    if ctx.fire("take", Owner("object", obj.id, inst.iid), room=me.room):
        if ctx.out.mark(me.key) == mark:
            ctx.reply(f"You can't take the {obj.name} now.")
        return
    current = ctx.state.instance(inst.iid)
    if current is None or current.holder_kind != HOLDER_ROOM or current.holder != me.room:
        return  # a trigger already moved or consumed it
    ctx.state.move_instance(inst.iid, HOLDER_PLAYER, me.key)
    ctx.out.insert(me.key, mark, f"You take the {obj.name}.")
    ctx.to_others(f"{me.name} takes the {obj.name}.")
    ctx.log_event("take", {"object": obj.id}, me.key, me.room)


def _here_or_explain(ctx: Context, query: str) -> Instance:
    me = ctx.player
    cands = [
        Candidate(i, o.name, o.aliases, group=o.id)
        for i in ctx.state.instances_in_room(me.room)
        if (o := ctx.world.object(i.object_id)) is not None
    ]
    found = match(query, cands)
    if found.item is None:
        if found.problem:
            ctx.fail(found.problem)
        _not_an_item(ctx, query)
    return found.item


def _not_an_item(ctx: Context, query: str) -> NoReturn:
    """Why ``query`` names nothing to take: a person, something already carried, or nothing."""
    me = ctx.player
    people = [Candidate(n.name, n.name, n.aliases) for n in ctx.world.npcs_in(me.room)]
    people += [Candidate(p.name, p.name, ()) for p in ctx.online_in_room(me.room, (me.key,))]
    who = match(query, people).item
    if who is not None:
        ctx.fail(f"You can't take {who}.")
    held = [
        Candidate(o.name, o.name, o.aliases, group=o.id)
        for i in ctx.state.inventory(me.key)
        if (o := ctx.world.object(i.object_id)) is not None
    ]
    mine = match(query, held).item
    if mine is not None:
        ctx.fail(f"You already have the {mine}.")
    ctx.fail(f"You see no '{query}' here.")


def do_drop(ctx: Context) -> None:
    query = ctx.command.args
    if not query:
        ctx.fail("Drop what? e.g. drop lantern")
    me = ctx.player
    inst = ctx.carried(query)
    obj = ctx.world.object(inst.object_id)
    assert obj is not None
    mark = ctx.out.mark(me.key)
    if ctx.fire("drop", Owner("object", obj.id, inst.iid), room=me.room):
        if ctx.out.mark(me.key) == mark:
            ctx.reply(f"You keep the {obj.name}.")
        return
    current = ctx.state.instance(inst.iid)
    if current is None or current.holder_kind != HOLDER_PLAYER or current.holder != me.key:
        return
    room = ctx.player.room
    ctx.state.move_instance(inst.iid, HOLDER_ROOM, room)
    ctx.out.insert(me.key, mark, f"You drop the {obj.name}.")
    ctx.to_others(f"{me.name} drops the {obj.name}.", room)
    ctx.log_event("drop", {"object": obj.id}, me.key, room)


def do_use(ctx: Context) -> None:
    query = ctx.command.args
    if not query:
        ctx.fail("Use what? e.g. use lantern")
    me = ctx.player
    cands = [
        Candidate(i, o.name, o.aliases, group=o.id)
        for i in [*ctx.state.inventory(me.key), *ctx.state.instances_in_room(me.room)]
        if (o := ctx.world.object(i.object_id)) is not None
    ]
    found = match(query, cands)
    if found.item is None:
        ctx.fail(found.problem or f"You see no '{query}' here.")
    inst = found.item
    obj = ctx.world.object(inst.object_id)
    assert obj is not None
    ctx.log_event("use", {"object": obj.id}, me.key, me.room)
    if ctx.world.triggers("object", obj.id, "use"):
        mark = ctx.out.mark(me.key)
        ctx.fire("use", Owner("object", obj.id, inst.iid), room=me.room)
        if ctx.out.mark(me.key) == mark:
            ctx.reply("Nothing happens.")
        return
    for hooks in ctx.registry.hooks:
        if hooks.use_object is not None and hooks.use_object(ctx, inst, obj):
            return
    ctx.reply(f"You can't think how to use the {obj.name}.")


VERBS: tuple[Verb, ...] = (
    Verb("inventory", do_inventory, aliases=("i", "inv"), usage="inventory",
         summary="what you carry and your money", example="i", topic="items"),
    Verb("take", do_take, aliases=("get",), usage="take NAME", summary="pick up a thing here",
         example="take lantern", topic="items"),
    Verb("drop", do_drop, usage="drop NAME", summary="put down a thing you carry", example="drop lantern",
         topic="items"),
    Verb("use", do_use, usage="use NAME", summary="use a thing you carry or one here", example="use lever",
         topic="items"),
)
