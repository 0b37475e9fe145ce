"""Changing a room of the world without rewriting it: one definition of what a patch does.

A ``RoomPatch`` replaces a room's description, adds or replaces exits and removes exits.  Two
places apply patches and must agree to the byte: the compiler (``kind: patch`` documents, see
``compiler/patches.py``) and the runtime's live-building overlay (``runtime/engine/built_world.py``,
whose edits ``meshmush admin export-edits`` writes back as ``kind: patch`` documents).  Both call
``patch_room``, so a world built from the exported files equals the world the server ran.

Exits are kept in the canonical direction order (``runtime.image.directions``), as the compiler orders a
room's exits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from runtime.image.directions import DIRECTIONS, order
from runtime.image.model import Exit, Room

_ORDER = {d: order(d) for d in DIRECTIONS}


@dataclass(frozen=True)
class RoomPatch:
    room: str  # the id of the room it changes
    description: str | None = None  # None keeps the room's own
    exits: tuple[Exit, ...] = ()  # added, or replacing the room's exit in that direction
    remove: tuple[str, ...] = ()  # directions whose exit goes


def sort_exits(exits: list[Exit] | tuple[Exit, ...]) -> tuple[Exit, ...]:
    return tuple(sorted(exits, key=lambda e: _ORDER.get(e.direction, len(_ORDER))))


def patch_room(room: Room, patch: RoomPatch) -> Room:
    """``room`` with ``patch`` applied (the room itself when the patch changes nothing)."""
    gone = set(patch.remove) | {e.direction for e in patch.exits}
    exits = sort_exits([e for e in room.exits if e.direction not in gone] + list(patch.exits))
    description = room.description if patch.description is None else patch.description
    if exits == room.exits and description == room.description:
        return room
    return replace(room, description=description, exits=exits)
