"""Frame-size checks: text a player is shown at once should fit one radio frame.

The estimate for a room is what the runtime shows on entry: the name, the description and the
exit list (``Exits: n, e``) on separate lines.  Objects are checked as ``examine`` shows them,
dialogue nodes with their numbered options."""

from __future__ import annotations

from collections.abc import Mapping

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model

SHORT = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "up": "u",
    "down": "d",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "in": "in",
    "out": "out",
}


def room_text(room: model.Room) -> str:
    exits = ", ".join(SHORT[e.direction] for e in room.exits) or "none"
    return f"{room.name}\n{room.description}\nExits: {exits}"


def dialogue_text(npc: model.Npc, node: model.DialogueNode) -> str:
    lines = [f"{npc.name}: {node.text}"]
    lines += [f"{i}) {opt.say}" for i, opt in enumerate(node.options, 1)]
    return "\n".join(lines)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def check_frames(
    world: model.World,
    spans: Mapping[str, Span],
    node_spans: Mapping[tuple[str, str], Span],
    diags: Diagnostics,
    frame_bytes: int = 200,
) -> None:
    for room in world.rooms:
        n = _size(room_text(room))
        if n > frame_bytes and room.id in spans:
            diags.warning(
                "MM4006",
                f"room '{room.id}' shows {n} bytes (name, description and exits); one frame holds {frame_bytes}",
                spans[room.id],
                f"shorten the description by at least {n - frame_bytes} bytes",
            )
    for obj in world.objects:
        n = _size(f"{obj.name}: {obj.description}")
        if n > frame_bytes and obj.id in spans:
            diags.warning(
                "MM4006",
                f"object '{obj.id}' description is {n} bytes when examined; one frame holds {frame_bytes}",
                spans[obj.id],
                f"shorten it by at least {n - frame_bytes} bytes",
            )
    for npc in world.npcs:
        for node in npc.dialogue:
            n = _size(dialogue_text(npc, node))
            span = node_spans.get((npc.id, node.id))
            if n > frame_bytes and span is not None:
                diags.warning(
                    "MM4006",
                    f"dialogue node '{node.id}' of '{npc.id}' is {n} bytes with its options;"
                    f" one frame holds {frame_bytes}",
                    span,
                    f"shorten the text or options by at least {n - frame_bytes} bytes",
                )
