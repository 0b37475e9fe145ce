"""``kind: world`` — the one document every world has: title, start room, currency, declared
state, world triggers and message limits.  (Assembled by ``compiler.api`` itself, which needs
its currency and state before any other document.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler.kinds import CompilerKind
from compiler.kinds.inspect_parts import trigger_lines
from compiler.kinds.schema_parts import ID as ID_
from compiler.kinds.schema_parts import MONEY, TEXT, described, triggers
from runtime.image import model
from runtime.image.disasm import literal
from runtime.image.kinds import BY_NAME, KINDS
from runtime.image.money import format_amount

IMAGE = BY_NAME["world"]


def properties() -> dict[str, Any]:
    currency = {
        "description": "The world's money",
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["mode"],
                "properties": {
                    "mode": {"const": "decimal"},
                    "symbol": described({"type": "string"}, "Printed before amounts, e.g. ¤"),
                    "decimals": described({"type": "integer", "minimum": 0, "maximum": 6}, "Digits after the point"),
                    "starting_balance": described(MONEY, "Money a new player starts with"),
                },
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["mode", "tiers"],
                "properties": {
                    "mode": {"const": "multitier"},
                    "tiers": {
                        "type": "array",
                        "minItems": 1,
                        "description": "Tiers, largest first; the smallest is worth 1",
                        "items": {
                            "type": "object",
                            "additionalProperties": False,
                            "required": ["name", "short", "value"],
                            "properties": {
                                "name": described(TEXT, "e.g. gold"),
                                "short": described({"type": "string", "pattern": "^[a-z]+$"}, "e.g. g"),
                                "value": described({"type": "integer", "minimum": 1}, "Worth in the smallest tier"),
                            },
                        },
                    },
                    "starting_balance": described(MONEY, "Money a new player starts with"),
                },
            },
        ],
    }
    state = {
        "type": "object",
        "description": "Declared state: SCOPE.name -> {type, default}",
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "required": ["type"],
            "properties": {
                "type": {"enum": ["bool", "int", "money", "text"], "description": "bool, int, money or text"},
                "default": {"description": "Initial value, of the declared type"},
            },
        },
    }
    messages = {
        "type": "object",
        "description": "Limits of mail and board posts",
        "additionalProperties": False,
        "properties": {
            "inbox": described({"type": "integer", "minimum": 1, "maximum": 1000},
                        "Mails a mailbox holds; mail to a full one is refused (default 30)"),
            "length": described({"type": "integer", "minimum": 20, "maximum": 160},
                         "Bytes of one mail or post (default 160)"),
        },
    }
    builder = {
        "type": "object",
        "description": "Limits of live building (docs/building.md); the server config's [builder] overrides them",
        "additionalProperties": False,
        "properties": {
            "clones_per_player": described({"type": "integer", "minimum": 0, "maximum": 100000},
                                           "Copies (/create, /clone) one builder may own (default 20)"),
            "clones_total": described({"type": "integer", "minimum": 0, "maximum": 1000000},
                                      "Copies in the whole world (default 500)"),
        },
    }
    return {
        "id": described({"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "The world's id"),
        "title": described(TEXT, "The world's title"),
        "format": described({"const": 1}, "World format version (1)"),
        "start": described(ID_, "The room new players start in"),
        "currency": currency,
        "state": state,
        "triggers": triggers(IMAGE.events),
        "messages": messages,
        "builder": builder,
    }


def _default(var: model.StateVar, money: model.Currency) -> str:
    if var.type == "money" and isinstance(var.default, int):
        return format_amount(var.default, money)
    return literal(var.default)


def inspect(world: model.World) -> Iterator[str]:
    money = world.currency
    yield f'world: {world.id} "{world.title}" (format {world.format}), start {world.start}'
    yield f"currency: {money.mode}, starting balance {format_amount(money.starting_balance, money)}"
    yield "counts: " + ", ".join(
        [f"{k.field} {len(k.entities(world))}" for k in KINDS if k.field is not None] + [f"state {len(world.state)}"]
    )
    yield ""
    yield "state:"
    yield from (f"  {v.name}: {v.type} = {_default(v, money)}" for v in world.state)
    if world.triggers:
        yield "world triggers:"
        yield from trigger_lines("world", world.triggers)


KIND = CompilerKind(
    IMAGE,
    title="meshmush world document",
    required=("id", "title", "format", "start", "currency"),
    properties=properties,
    inspect=inspect,
)
