"""Pieces the kinds' JSON Schemas share: ids, text, money, durations, exits, triggers."""

from __future__ import annotations

from typing import Any

from runtime.image.directions import WORDS

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
DIRECTIONS = list(WORDS)
CODE = {"type": "string", "description": "Trigger-language code (see docs/triggers.md)"}
EXPR = {"type": ["string", "boolean"], "description": "A trigger-language expression"}
FLAGS = {"type": "array", "items": {"type": "string"},
         "description": "Flags the runtime implements (runtime/image/flags.py); any other flag is a warning (MM4018)"}
ALIASES = {"type": "array", "items": {"type": "string"}, "description": "Other names players may use"}


def described(schema: dict[str, Any], text: str) -> dict[str, Any]:
    return {**schema, "description": text}


def triggers(events: tuple[str, ...]) -> dict[str, Any]:
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
                "match": described({"type": "string", "minLength": 1}, "say triggers: the word that fires it"),
                "every": described(DURATION, "tick triggers: how often"),
            },
        },
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
                "to": described(ID, "The room this exit leads to"),
                "when": described(EXPR, "The exit is usable only when this expression is true"),
                "blocked": described(TEXT, "Shown when 'when' is false"),
            },
        }
    return {
        "type": "object",
        "description": "Exits by direction: " + ", ".join(DIRECTIONS),
        "propertyNames": {"enum": DIRECTIONS},
        "additionalProperties": value,
    }


RENAMED_FROM = {
    "type": ["string", "array"],
    "pattern": ID["pattern"],
    "items": ID,
    "description": "The id (or ids) this had in an earlier version: live state follows it (meshmush migrate)",
}
