"""``kind: object`` — a thing: takeable or fixed, with a value, flags, triggers, maybe a shop."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import assemble
from compiler.kinds import CompilerKind
from compiler.kinds.inspect_parts import trigger_lines
from compiler.kinds.schema_parts import ALIASES, FLAGS, ID, MONEY, RENAMED_FROM, TEXT, described, triggers
from runtime.image import model
from runtime.image.kinds import BY_NAME
from runtime.image.money import format_amount

IMAGE = BY_NAME["object"]


def properties() -> dict[str, Any]:
    return {
        "id": ID,
        "name": TEXT,
        "aliases": ALIASES,
        "description": TEXT,
        "takeable": described({"type": "boolean"}, "Players can take it (default true: objects are takeable unless they say takeable: false)"),
        "value": described(MONEY, "What it is worth"),
        "flags": FLAGS,
        "shop": described(ID, "Vending machine: USE opens this shop"),
        "triggers": triggers(IMAGE.events),
        "renamed_from": RENAMED_FROM,
    }


def inspect(world: model.World) -> Iterator[str]:
    yield "objects:"
    for o in world.objects:
        flags = ("takeable " if o.takeable else "") + (f"shop={o.shop} " if o.shop else "")
        yield f'  {o.id} "{o.name}" {flags}value {format_amount(o.value, world.currency)}'
        yield from trigger_lines(o.id, o.triggers)


KIND = CompilerKind(
    IMAGE,
    title="meshmush object",
    required=("id", "name", "description"),
    properties=properties,
    inspect=inspect,
    build=assemble.build_object,
)
