"""What a player sees: a room (name, description, exits, things, people) and lists of things.

One frame where possible: ``Gazebo\\nA white gazebo…\\nExits: n, e\\nYou see: brass lantern.\\n
Mayor Alvarez and Ana are here.`` (a crowd: ``Ana, Bob, Cai and 47 others are here.``)
The name, description and exits come from ``runtime.image.render.room_head``, the function the
compiler's frame check measures.  Only online players are listed (others are asleep).
"""

from __future__ import annotations

from collections.abc import Sequence

from runtime.engine.context import Context
from runtime.engine.replies import join_list
from runtime.engine.state import Instance
from runtime.engine.world_view import WorldView
from runtime.image.model import Room
from runtime.image.render import room_head


def things(world: WorldView, instances: Sequence[Instance]) -> list[str]:
    """Object names, copies counted: ['brass lantern', 'smooth pebble (2)']."""
    counts: dict[str, int] = {}
    for inst in instances:
        name = world.object_name(inst.object_id)
        counts[name] = counts.get(name, 0) + 1
    return [name if n == 1 else f"{name} ({n})" for name, n in counts.items()]


PEOPLE_NAMED = 3
"""A crowd is named up to this many and counted after: "Ana, Bob, Cai and 47 others are here."
(WHO lists everyone, paged.)"""


def people_line(names: Sequence[str], total: int | None = None) -> str:
    """'' for nobody; 'Ana is here.'; 'Ana and Bob are here.'; a crowd capped at
    ``PEOPLE_NAMED`` names so a busy room still fits its frame.  ``names`` may hold only the
    first names of a crowd of ``total`` (default: all of them)."""
    count = len(names) if total is None else total
    if count == 0:
        return ""
    if count == 1:
        return f"{names[0]} is here."
    if count <= PEOPLE_NAMED + 1:
        return join_list(list(names[:count])) + " are here."
    return ", ".join(names[:PEOPLE_NAMED]) + f" and {count - PEOPLE_NAMED} others are here."


def describe_room(ctx: Context, room: Room) -> str:
    lines = room_head(room)
    seen = things(ctx.world, ctx.state.instances_in_room(room.id))
    if seen:
        lines.append("You see: " + ", ".join(seen) + ".")
    npcs = [n.name for n in ctx.world.npcs_in(room.id)]
    online = ctx.presence.is_online
    keys = [k for k in ctx.state.keys_in_room(room.id) if k != ctx.player_key and online(k)]
    total = len(npcs) + len(keys)
    named = total if total <= PEOPLE_NAMED + 1 else PEOPLE_NAMED  # a crowd: only the first few by name
    names = [p.name for p in map(ctx.state.player, keys[: max(0, named - len(npcs))]) if p is not None]
    line = people_line([*npcs, *names], total)
    if line:
        lines.append(line)
    for hooks in ctx.registry.hooks:
        if hooks.room_notes is not None:
            lines.extend(hooks.room_notes(ctx, room))
    return "\n".join(line for line in lines if line)
