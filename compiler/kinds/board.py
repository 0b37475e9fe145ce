"""``kind: board`` — a bulletin board players read and post to, in a room or anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import games
from compiler.checks.games import check_board_places
from compiler.kinds import CheckInput, CompilerKind
from compiler.kinds.schema_parts import ID, TEXT, described
from runtime.image import model
from runtime.image.kinds import BY_NAME

IMAGE = BY_NAME["board"]


def properties() -> dict[str, Any]:
    return {
        "id": ID,
        "name": TEXT,
        "room": described(ID, "Omit: readable anywhere"),
        "keep": described({"type": "integer", "minimum": 1, "maximum": 500},
                   "Posts kept; a new one beyond this removes the oldest (default 50)"),
    }


def one_per_place(c: CheckInput) -> None:
    check_board_places(c.world, c.id_spans, c.diags)


def inspect(world: model.World) -> Iterator[str]:
    for b in world.boards:
        yield f'board {b.id} "{b.name}" in {b.room or "anywhere"}, keeps {b.keep} posts'


KIND = CompilerKind(
    IMAGE,
    title="meshmush bulletin board",
    required=("id", "name"),
    properties=properties,
    inspect=inspect,
    build=games.build_board,
    checks=(one_per_place,),
)
