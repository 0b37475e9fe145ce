"""What a player sees: a room (name, description, exits, things, people) and lists of things.

One frame where possible: ``Gazebo\\nA white gazebo…\\nExits: n, e\\nYou see: brass lantern.\\n
Mayor Alvarez and Ana are here.``  Exits keep the image's order and short names, exactly as the
compiler's frame check estimates them.  Only online players are listed (others are asleep).
"""

from __future__ import annotations

from collections.abc import Sequence

from runtime.engine.context import Context
from runtime.engine.replies import join_list
from runtime.engine.state import Instance
from runtime.engine.world_view import SHORT, WorldView
from runtime.image.model import Room


def exits_line(room: Room) -> str:
    return "Exits: " + (", ".join(SHORT.get(e.direction, e.direction) for e in room.exits) or "none")


def things(world: WorldView, instances: Sequence[Instance]) -> list[str]:
    """Object names, copies counted: ['brass lantern', 'smooth pebble (2)']."""
    counts: dict[str, int] = {}
    for inst in instances:
        name = world.object_name(inst.object_id)
        counts[name] = counts.get(name, 0) + 1
    return [name if n == 1 else f"{name} ({n})" for name, n in counts.items()]


def describe_room(ctx: Context, room: Room) -> str:
    lines = [room.name, room.description, exits_line(room)]
    seen = things(ctx.world, ctx.state.instances_in_room(room.id))
    if seen:
        lines.append("You see: " + ", ".join(seen) + ".")
    people = [n.name for n in ctx.world.npcs_in(room.id)]
    people += [p.name for p in ctx.online_in_room(room.id, (ctx.player_key,))]
    if people:
        lines.append(join_list(people) + (" is here." if len(people) == 1 else " are here."))
    for hooks in ctx.registry.hooks:
        if hooks.room_notes is not None:
            lines.extend(hooks.room_notes(ctx, room))
    return "\n".join(line for line in lines if line)
