"""``kind: room`` — a place: name, description, exits, objects placed at start, triggers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import assemble
from compiler.checks.graph import check_one_way, check_reachability
from compiler.diagnostics import Span
from compiler.kinds import CheckInput, CompilerKind
from compiler.kinds.inspect_parts import code_lines, trigger_lines
from compiler.kinds.schema_parts import FLAGS, ID, RENAMED_FROM, TEXT, described, exits, triggers
from runtime.image import model
from runtime.image.directions import canonical
from runtime.image.kinds import BY_NAME

IMAGE = BY_NAME["room"]


def properties() -> dict[str, Any]:
    return {
        "id": ID,
        "name": described(TEXT, "Shown as the room's title"),
        "description": described(TEXT, "Shown on entry and LOOK"),
        "exits": exits(),
        "flags": FLAGS,
        "objects": {
            "type": "array",
            "items": ID,
            "description": "Objects placed here at world start",
        },
        "triggers": triggers(IMAGE.events),
        "renamed_from": RENAMED_FROM,
    }


def reachable(c: CheckInput) -> None:
    check_reachability(c.world, c.id_spans, c.diags)


def two_way(c: CheckInput) -> None:
    exit_spans: dict[tuple[str, str], Span] = {}
    for d in c.docs.get("room", []):
        for key in d.data.get("exits") or {}:
            direction = canonical(str(key))
            if direction:
                exit_spans[(d.data["id"], direction)] = d.marks.span(("exits", key), key=True)
    check_one_way(c.world, exit_spans, c.diags)


def inspect(world: model.World) -> Iterator[str]:
    yield "rooms:"
    for r in world.rooms:
        shown = " ".join(f"{e.direction}->{e.to}{'?' if e.when else ''}" for e in r.exits)
        yield f'  {r.id} "{r.name}" exits: {shown or "-"}'
        if r.objects:
            yield f"    objects: {', '.join(r.objects)}"
        for e in r.exits:
            if e.when is not None:
                yield from code_lines(f"exit {e.direction} when", e.when)
        yield from trigger_lines(r.id, r.triggers)


KIND = CompilerKind(
    IMAGE,
    title="meshmush room",
    required=("id", "name", "description"),
    properties=properties,
    inspect=inspect,
    build=assemble.build_room,
    checks=(reachable, two_way),
)
