"""Moving a player between rooms, with its events and what others see.

Order: the destination may refuse (a system's ``may_enter``, e.g. a locked house) → the old
room's ``exit`` triggers (``stop`` keeps the player in place) → the move → "Ana leaves north."
to the old room and "Ana arrives from the south." to the new one → the new room shown to the
player → the new room's ``enter`` triggers (their messages follow the description).
A teleport (no direction) reads "Ana vanishes." / "Ana appears.".
"""

from __future__ import annotations

from runtime.engine.context import Context, Owner
from runtime.engine.describe import describe_room
from runtime.engine.world_view import arrival_phrase

COMPASS = {"north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"}


def leave_text(name: str, direction: str | None) -> str:
    if direction is None:
        return f"{name} vanishes."
    return f"{name} leaves {direction}." if direction in COMPASS else f"{name} goes {direction}."


def arrive_text(name: str, direction: str | None) -> str:
    if direction is None:
        return f"{name} appears."
    return f"{name} arrives {arrival_phrase(direction)}."


def move(ctx: Context, room_id: str, direction: str | None) -> bool:
    dest = ctx.room(room_id)
    if dest is None:
        ctx.fail("That way leads nowhere any more.")
    for hooks in ctx.registry.hooks:
        if hooks.may_enter is not None:
            refusal = hooks.may_enter(ctx, dest)
            if refusal:
                ctx.reply(refusal)
                return False
    player = ctx.player
    origin = player.room
    if ctx.fire("exit", Owner("room", origin), room=origin):
        return False
    if ctx.player.room != origin:
        return True  # an exit trigger teleported the player elsewhere: that move won
    ctx.state.set_room(player.key, room_id)
    ctx.to_room(origin, leave_text(player.name, direction), (player.key,), tag=(player.key, origin, -1))
    ctx.to_room(room_id, arrive_text(player.name, direction), (player.key,), tag=(player.key, room_id, +1))
    ctx.reply(describe_room(ctx, dest))
    ctx.log_event("move", {"from": origin, "to": room_id}, player.key, room_id)
    ctx.fire("enter", Owner("room", room_id), room=room_id)
    return True
