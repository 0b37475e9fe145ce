"""``kind: housing`` — an office where players buy houses built from templates of rooms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import assemble
from compiler.kinds import CompilerKind
from compiler.kinds.schema_parts import ID, LOCAL_ID, MONEY, TEXT, described, exits
from runtime.image import model
from runtime.image.kinds import BY_NAME

IMAGE = BY_NAME["housing"]


def properties() -> dict[str, Any]:
    template_room = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "description"],
        "properties": {
            "id": LOCAL_ID,
            "name": described(TEXT, "May contain {owner}"),
            "description": TEXT,
            "exits": exits(local=True),
        },
    }
    return {
        "id": ID,
        "office": described(ID, "The room where HOUSE BUY works"),
        "max_per_player": described(
            {"type": "integer", "minimum": 1}, "Houses one player may own (default 1)"
        ),
        "sell_back_percent": described(
            {"type": "integer", "minimum": 0, "maximum": 100}, "Refund on HOUSE SELL"
        ),
        "templates": {
            "type": "object",
            "description": "House templates by name",
            "minProperties": 1,
            "propertyNames": {"pattern": "^[a-z][a-z0-9_]*$"},
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "price", "rooms"],
                "properties": {
                    "name": TEXT,
                    "price": MONEY,
                    "max_guests": described(
                        {"type": "integer", "minimum": 0}, "Guests the owner may invite"
                    ),
                    "rooms": {"type": "array", "minItems": 1, "items": template_room},
                },
            },
        },
    }


def inspect(world: model.World) -> Iterator[str]:
    for h in world.housing:
        yield f"housing {h.id} office {h.office}: " + ", ".join(t.key for t in h.templates)


KIND = CompilerKind(
    IMAGE,
    title="meshmush housing",
    required=("id", "office", "templates"),
    properties=properties,
    inspect=inspect,
    build=assemble.build_housing,
)
