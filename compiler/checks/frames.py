"""Frame-size checks: text a player is shown at once should fit one radio frame.

The estimate for a room is what the runtime shows on entry: the name, the description and the
exit list (``Exits: n, e``) on separate lines.  Objects are checked as ``examine`` shows them,
dialogue nodes with their numbered options."""

from __future__ import annotations

from collections.abc import Mapping

from compiler.diagnostics import Diagnostics, Span
from runtime.image import model
from runtime.image.render import dialogue_text, room_text


def _examined(obj: model.Object) -> str:
    return f"{obj.name}: {obj.description}"


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
        n = _size(_examined(obj))
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
