"""``kind: patch`` — changes to a room defined elsewhere (a new description, exits added or
removed), as ``meshmush admin export-edits`` writes builders' edits to the world's own rooms.
A source-only kind: the compiler folds each patch into its room (``compiler.patches``), so the
image holds patched rooms and no patches."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.kinds import CompilerKind
from compiler.kinds.schema_parts import DIRECTIONS, ID, TEXT, described, exits
from runtime.image import model
from runtime.image.kinds import BY_NAME

IMAGE = BY_NAME["patch"]


def properties() -> dict[str, Any]:
    return {
        "room": described(ID, "The room (defined elsewhere) this patch changes"),
        "description": described(TEXT, "Replaces the room's description"),
        "exits": exits(),
        "remove_exits": {
            "type": "array",
            "items": {"enum": DIRECTIONS},
            "description": "Directions whose exits the room loses",
        },
    }


def inspect(world: model.World) -> Iterator[str]:
    return iter(())  # folded into the rooms: ``inspect`` shows the patched rooms


KIND = CompilerKind(
    IMAGE,
    title="meshmush patch: changes to a room defined elsewhere (meshmush admin export-edits writes them)",
    required=("room",),
    properties=properties,
    inspect=inspect,
)
