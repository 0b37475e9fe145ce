"""How the runtime shows rooms and dialogue — shared by the engine (``runtime/engine/describe.py``,
``runtime/systems/dialogue.py``) and the compiler's frame-size check
(``compiler/checks/frames.py``), so the check measures exactly what players are sent."""

from __future__ import annotations

from collections.abc import Iterable

from runtime.image import model
from runtime.image.directions import short


def exits_line(room: model.Room) -> str:
    """``Exits: n, e, in`` in the image's order (``Exits: none`` for a dead end)."""
    return "Exits: " + (", ".join(short(e.direction) for e in room.exits) or "none")


def room_head(room: model.Room) -> list[str]:
    """The lines every view of a room starts with: name, description, exits.  (The engine
    adds what is here now: things and people.)"""
    return [room.name, room.description, exits_line(room)]


def room_text(room: model.Room) -> str:
    return "\n".join(room_head(room))


def node_line(npc_name: str, text: str) -> str:
    """What an NPC says at a dialogue node: ``Mayor: Welcome!``."""
    return f"{npc_name}: {text}"


def options_text(says: Iterable[str]) -> str:
    """The numbered answers a player may give: ``1) Hello\\n2) Bye``."""
    return "\n".join(f"{i}) {say}" for i, say in enumerate(says, 1))


def dialogue_text(npc: model.Npc, node: model.DialogueNode) -> str:
    """A node with every option (the most it can show at once)."""
    lines = [node_line(npc.name, node.text)]
    opts = options_text(o.say for o in node.options)
    return "\n".join([*lines, opts] if opts else lines)

