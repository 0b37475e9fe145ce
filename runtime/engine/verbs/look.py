"""LOOK (the room, or a thing) and EXAMINE (a thing, an NPC or a player here)."""

from __future__ import annotations

from runtime.engine.context import Context, Owner
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Verb
from runtime.engine.state import Instance, Player
from runtime.image.model import Npc

Target = Instance | Npc | Player


def _without_at(ctx: Context) -> str:
    """``look at lamp`` and ``x at lamp`` look at the lamp; ``look at`` alone asks what."""
    words = ctx.command.args.split()
    if words[:1] and words[0].lower() == "at":
        if len(words) == 1:
            ctx.fail(f"{ctx.command.word.capitalize()} at what? e.g. look at lantern")
        return " ".join(words[1:])
    return " ".join(words)


def do_look(ctx: Context) -> None:
    args = _without_at(ctx)
    if args:
        examine(ctx, args)
        return
    room = ctx.player.room
    mark = ctx.out.mark(ctx.player_key)
    if ctx.fire("look", Owner("room", room), room=room):
        return
    ctx.out.insert(ctx.player_key, mark, ctx.describe_room())


def do_examine(ctx: Context) -> None:
    if not ctx.command.args:
        ctx.fail("Examine what? e.g. x lantern")
    examine(ctx, _without_at(ctx))


def examine(ctx: Context, query: str) -> None:
    me = ctx.player
    cands: list[Candidate[Target]] = []
    for inst in [*ctx.state.inventory(me.key), *ctx.state.instances_in_room(me.room)]:
        obj = ctx.world.object(inst.object_id)
        if obj is not None:
            cands.append(Candidate(inst, obj.name, obj.aliases, group=obj.id))
    cands += [Candidate(n, n.name, n.aliases, group=n.id) for n in ctx.world.npcs_in(me.room)]
    cands += [Candidate(p, p.name, (), group="player:" + p.key) for p in ctx.online_in_room(me.room, (me.key,))]
    found = match(query, cands)
    target = found.item
    if target is None:
        ctx.fail(found.problem or f"You see no '{query}' here.")
    if isinstance(target, Instance):
        obj = ctx.world.object(target.object_id)
        assert obj is not None
        mark = ctx.out.mark(me.key)
        if ctx.fire("look", Owner("object", obj.id, target.iid), room=me.room):
            return
        ctx.out.insert(me.key, mark, obj.description)
    elif isinstance(target, Npc):
        ctx.reply(f"{target.description} (TALK {target.aliases[0] if target.aliases else target.name})"
                  if target.dialogue else target.description)
    else:
        ctx.reply(f"{target.name} is a fellow traveller.")


VERBS: tuple[Verb, ...] = (
    Verb("look", do_look, aliases=("l",), usage="look [NAME]", summary="describe the room, or a thing here",
         example="look", shows_room=True, topic="basics"),
    Verb("examine", do_examine, aliases=("x",), usage="examine NAME",
         summary="look closely at a thing, a person or something you carry", example="x lantern", topic="basics"),
)
