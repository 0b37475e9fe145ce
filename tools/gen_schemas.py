"""Generate ``schemas/<kind>.schema.json`` (JSON Schema draft 2020-12), one per kind.

    python -m meshmush.gen_schemas          # rewrite the files
    python -m meshmush.gen_schemas --check  # exit 1 when a file is stale

The schemas are used by the compiler (``compiler/schema.py``) and by editors through
yaml-language-server (see docs/editor-setup.md), so every property has a description.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

SCHEMAS = Path(__file__).resolve().parent.parent / "compiler" / "schemas"
BASE = "https://meshmush.invalid/schemas/"

ID = {
    "type": "string",
    "pattern": r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$",
    "description": "A namespaced id such as town.gazebo",
}
LOCAL_ID = {
    "type": "string",
    "pattern": r"^[a-z][a-z0-9_]*$",
    "description": "A name local to its housing template",
}
TEXT = {"type": "string", "minLength": 1}
MONEY = {
    "type": ["number", "string"],
    "description": "An amount in the world's currency notation: 10.00 (decimal) or 1g5s (multitier)",
}
DURATION = {
    "type": "string",
    "pattern": r"^\d+(s|m|h|d)$",
    "description": "A duration such as 30s, 10m, 1h, 1d",
}
DIRECTIONS = [
    "north",
    "south",
    "east",
    "west",
    "up",
    "down",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "in",
    "out",
    "n",
    "s",
    "e",
    "w",
    "u",
    "d",
    "ne",
    "nw",
    "se",
    "sw",
]
CODE = {"type": "string", "description": "Trigger-language code (see docs/triggers.md)"}
EXPR = {"type": ["string", "boolean"], "description": "A trigger-language expression"}


def _d(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


def triggers(events: list[str]) -> dict[str, Any]:
    return {
        "type": "array",
        "description": "Triggers: code run when an event happens",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["on", "do"],
            "properties": {
                "on": {"type": "string", "description": "The event: " + ", ".join(events)},
                "do": CODE,
                "match": _d({"type": "string", "minLength": 1}, "say triggers: the word that fires it"),
                "every": _d(DURATION, "tick triggers: how often"),
            },
        },
    }


def kind_schema(kind: str, required: list[str], props: dict[str, Any], title: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE}{kind}.schema.json",
        "title": title,
        "type": "object",
        "additionalProperties": False,
        "required": ["kind", *required],
        "properties": {"kind": {"const": kind, "description": "The kind of this document"}, **props},
    }


def exits(local: bool = False) -> dict[str, Any]:
    target = {"type": "string", "description": "A room id" + (" or a room of this template" if local else "")}
    value: dict[str, Any] = target
    if not local:
        # one schema for both forms (no oneOf: validation keywords for objects ignore strings),
        # which keeps validating 10,000 rooms fast
        value = {
            "type": ["string", "object"],
            "description": "A room id, or {to, when, blocked}",
            "additionalProperties": False,
            "required": ["to"],
            "properties": {
                "to": _d(ID, "The room this exit leads to"),
                "when": _d(EXPR, "The exit is usable only when this expression is true"),
                "blocked": _d(TEXT, "Shown when 'when' is false"),
            },
        }
    return {
        "type": "object",
        "description": "Exits by direction: " + ", ".join(DIRECTIONS),
        "propertyNames": {"enum": DIRECTIONS},
        "additionalProperties": value,
    }


def all_schemas() -> dict[str, dict[str, Any]]:
    flags = {"type": "array", "items": {"type": "string"}, "description": "Flags the runtime implements (runtime/image/flags.py); any other flag is a warning (MM4018)"}
    aliases = {"type": "array", "items": {"type": "string"}, "description": "Other names players may use"}
    currency = {
        "description": "The world's money",
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["mode"],
                "properties": {
                    "mode": {"const": "decimal"},
                    "symbol": _d({"type": "string"}, "Printed before amounts, e.g. ¤"),
                    "decimals": _d({"type": "integer", "minimum": 0, "maximum": 6}, "Digits after the point"),
                    "starting_balance": _d(MONEY, "Money a new player starts with"),
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
                                "name": _d(TEXT, "e.g. gold"),
                                "short": _d({"type": "string", "pattern": "^[a-z]+$"}, "e.g. g"),
                                "value": _d({"type": "integer", "minimum": 1}, "Worth in the smallest tier"),
                            },
                        },
                    },
                    "starting_balance": _d(MONEY, "Money a new player starts with"),
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
    option = {
        "type": "object",
        "additionalProperties": False,
        "required": ["say"],
        "properties": {
            "say": _d(TEXT, "What the player says"),
            "when": _d(EXPR, "Shown only when this holds"),
            "goto": _d({"type": "string"}, "The next node; omitted ends the conversation"),
        },
    }
    node = {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": _d(TEXT, "What the NPC says"),
            "options": {"type": "array", "items": option, "description": "Numbered replies"},
            "do": _d(CODE, "Runs when the node is shown"),
        },
    }
    template_room = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "name", "description"],
        "properties": {
            "id": LOCAL_ID,
            "name": _d(TEXT, "May contain {owner}"),
            "description": TEXT,
            "exits": exits(local=True),
        },
    }
    texts = {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string", "minLength": 1}}
    game_config = {
        "type": "object",
        "description": "Game settings by type (see docs/games.md); omitted ones get the documented defaults",
        "properties": {
            "min_bet": _d(MONEY, "slots: the smallest bet"),
            "max_bet": _d(MONEY, "slots: the largest bet"),
            "symbols": {
                "type": "object",
                "description": "slots: each symbol's weight on a reel, e.g. {cherry: 5, bell: 3, seven: 1}",
                "additionalProperties": {"type": "integer", "minimum": 1},
            },
            "payouts": {
                "type": "array",
                "description": "slots: the payout table, first matching line pays the bet times 'pays'",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["line", "pays"],
                    "properties": {
                        "line": _d(
                            {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "string"}},
                            "A symbol per reel, or 'any'",
                        ),
                        "pays": _d({"type": "integer", "minimum": 1}, "Multiple of the bet paid"),
                    },
                },
            },
            "levels": _d({"type": "integer", "minimum": 1, "maximum": 9}, "tinyhack: dungeon levels (default 3)"),
            "reward": _d(MONEY, "tinyhack: paid for a win, once per player and dungeon seed"),
            "seed_daily": _d({"type": "boolean"}, "tinyhack: one dungeon a day for everyone"),
            "cost": _d(MONEY, "fortune: the price of a fortune (default free)"),
            "answers": _d(texts, "eightball: the answers"),
            "fortunes": _d(texts, "fortune: the fortunes"),
        },
    }
    messages = {
        "type": "object",
        "description": "Limits of mail and board posts",
        "additionalProperties": False,
        "properties": {
            "inbox": _d({"type": "integer", "minimum": 1, "maximum": 1000},
                        "Mails a mailbox holds; mail to a full one is refused (default 30)"),
            "length": _d({"type": "integer", "minimum": 20, "maximum": 160},
                         "Bytes of one mail or post (default 160)"),
        },
    }
    builder = {
        "type": "object",
        "description": "Limits of live building (docs/building.md); the server config's [builder] overrides them",
        "additionalProperties": False,
        "properties": {
            "clones_per_player": _d({"type": "integer", "minimum": 0, "maximum": 100000},
                                    "Copies (/create, /clone) one builder may own (default 20)"),
            "clones_total": _d({"type": "integer", "minimum": 0, "maximum": 1000000},
                               "Copies in the whole world (default 500)"),
        },
    }
    renamed_from = {
        "type": ["string", "array"],
        "pattern": ID["pattern"],
        "items": ID,
        "description": "The id (or ids) this had in an earlier version: live state follows it (meshmush migrate)",
    }
    return {
        "world": kind_schema(
            "world",
            ["id", "title", "format", "start", "currency"],
            {
                "id": _d({"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}, "The world's id"),
                "title": _d(TEXT, "The world's title"),
                "format": _d({"const": 1}, "World format version (1)"),
                "start": _d(ID, "The room new players start in"),
                "currency": currency,
                "state": state,
                "triggers": triggers(["login", "tick"]),
                "messages": messages,
                "builder": builder,
            },
            "meshmush world document",
        ),
        "room": kind_schema(
            "room",
            ["id", "name", "description"],
            {
                "id": ID,
                "name": _d(TEXT, "Shown as the room's title"),
                "description": _d(TEXT, "Shown on entry and LOOK"),
                "exits": exits(),
                "flags": flags,
                "objects": {
                    "type": "array",
                    "items": ID,
                    "description": "Objects placed here at world start",
                },
                "triggers": triggers(["enter", "exit", "look", "say", "tick"]),
                "renamed_from": renamed_from,
            },
            "meshmush room",
        ),
        "patch": kind_schema(
            "patch",
            ["room"],
            {
                "room": _d(ID, "The room (defined elsewhere) this patch changes"),
                "description": _d(TEXT, "Replaces the room's description"),
                "exits": exits(),
                "remove_exits": {
                    "type": "array",
                    "items": {"enum": DIRECTIONS},
                    "description": "Directions whose exits the room loses",
                },
            },
            "meshmush patch: changes to a room defined elsewhere (meshmush admin export-edits writes them)",
        ),
        "object": kind_schema(
            "object",
            ["id", "name", "description"],
            {
                "id": ID,
                "name": TEXT,
                "aliases": aliases,
                "description": TEXT,
                "takeable": _d({"type": "boolean"}, "Players can take it (default true: objects are takeable unless they say takeable: false)"),
                "value": _d(MONEY, "What it is worth"),
                "flags": flags,
                "shop": _d(ID, "Vending machine: USE opens this shop"),
                "triggers": triggers(["use", "take", "drop", "look", "tick"]),
                "renamed_from": renamed_from,
            },
            "meshmush object",
        ),
        "npc": kind_schema(
            "npc",
            ["id", "name", "room", "description"],
            {
                "id": ID,
                "name": TEXT,
                "aliases": aliases,
                "room": _d(ID, "Where the NPC stands"),
                "description": TEXT,
                "dialogue": {
                    "type": "object",
                    "description": "Dialogue nodes by name; talk starts at 'start'",
                    "additionalProperties": node,
                },
                "triggers": triggers(["talk"]),
            },
            "meshmush NPC",
        ),
        "shop": kind_schema(
            "shop",
            ["id", "name"],
            {
                "id": ID,
                "name": TEXT,
                "room": _d(ID, "Where LIST/BUY/SELL work (omit for vending-only shops)"),
                "stock": {
                    "type": "array",
                    "description": "What the shop sells",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["item", "price"],
                        "properties": {
                            "item": ID,
                            "price": MONEY,
                            "quantity": _d({"type": "integer", "minimum": 0}, "Omit for unlimited"),
                            "restock": _d(DURATION, "One unit comes back this often"),
                        },
                    },
                },
                "buys": {
                    "type": "array",
                    "description": "What the shop buys back",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["item", "price"],
                        "properties": {"item": ID, "price": MONEY},
                    },
                },
            },
            "meshmush shop",
        ),
        "housing": kind_schema(
            "housing",
            ["id", "office", "templates"],
            {
                "id": ID,
                "office": _d(ID, "The room where HOUSE BUY works"),
                "max_per_player": _d(
                    {"type": "integer", "minimum": 1}, "Houses one player may own (default 1)"
                ),
                "sell_back_percent": _d(
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
                            "max_guests": _d(
                                {"type": "integer", "minimum": 0}, "Guests the owner may invite"
                            ),
                            "rooms": {"type": "array", "minItems": 1, "items": template_room},
                        },
                    },
                },
            },
            "meshmush housing",
        ),
        "game": kind_schema(
            "game",
            ["id", "type"],
            {
                "id": ID,
                "type": {"enum": ["tinyhack", "eightball", "fortune", "slots"], "description": "The game"},
                "room": _d(ID, "Omit: playable anywhere"),
                "config": game_config,
            },
            "meshmush game",
        ),
        "board": kind_schema(
            "board",
            ["id", "name"],
            {
                "id": ID,
                "name": TEXT,
                "room": _d(ID, "Omit: readable anywhere"),
                "keep": _d({"type": "integer", "minimum": 1, "maximum": 500},
                           "Posts kept; a new one beyond this removes the oldest (default 50)"),
            },
            "meshmush bulletin board",
        ),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


COMBINED = "meshmush"


def combined_schema(kinds: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """One self-contained schema for any document (editors: a file may hold several kinds).
    Each kind's schema is inlined under ``$defs`` and chosen by ``kind``; nothing is fetched."""
    defs = {k: {key: v for key, v in s.items() if key not in ("$schema", "$id")} for k, s in kinds.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": BASE + f"{COMBINED}.schema.json",
        "title": "meshmush world document (any kind)",
        "type": "object",
        "required": ["kind"],
        "properties": {"kind": {"enum": sorted(kinds), "description": "The kind of this document"}},
        "allOf": [
            {"if": {"properties": {"kind": {"const": k}}, "required": ["kind"]}, "then": {"$ref": f"#/$defs/{k}"}}
            for k in sorted(kinds)
        ],
        "$defs": defs,
    }


def main(argv: list[str]) -> int:
    stale = []
    kinds = all_schemas()
    for kind, schema in [*kinds.items(), (COMBINED, combined_schema(kinds))]:
        path = SCHEMAS / f"{kind}.schema.json"
        text = render(schema)
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            SCHEMAS.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if stale:
        print("stale schemas (run python -m meshmush.gen_schemas): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
