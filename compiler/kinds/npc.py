"""``kind: npc`` — a character standing in a room, with dialogue nodes and triggers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import assemble
from compiler.checks.dialogue import check_dialogue
from compiler.diagnostics import Span
from compiler.kinds import CheckInput, CompilerKind
from compiler.kinds.inspect_parts import code_lines, trigger_lines
from compiler.kinds.schema_parts import ALIASES, CODE, EXPR, ID, TEXT, described, triggers
from runtime.image import model
from runtime.image.kinds import BY_NAME
from runtime.image.words import count

IMAGE = BY_NAME["npc"]


def properties() -> dict[str, Any]:
    option = {
        "type": "object",
        "additionalProperties": False,
        "required": ["say"],
        "properties": {
            "say": described(TEXT, "What the player says"),
            "when": described(EXPR, "Shown only when this holds"),
            "goto": described({"type": "string"}, "The next node; omitted ends the conversation"),
        },
    }
    node = {
        "type": "object",
        "additionalProperties": False,
        "required": ["text"],
        "properties": {
            "text": described(TEXT, "What the NPC says"),
            "options": {"type": "array", "items": option, "description": "Numbered replies"},
            "do": described(CODE, "Runs when the node is shown"),
        },
    }
    return {
        "id": ID,
        "name": TEXT,
        "aliases": ALIASES,
        "room": described(ID, "Where the NPC stands"),
        "description": TEXT,
        "dialogue": {
            "type": "object",
            "description": "Dialogue nodes by name; talk starts at 'start'",
            "additionalProperties": node,
        },
        "triggers": triggers(IMAGE.events),
    }


def dialogue(c: CheckInput) -> None:
    node_spans: dict[tuple[str, str], Span] = {}
    goto_spans: dict[tuple[str, str, int], Span] = {}
    for d in c.docs.get("npc", []):
        for node_id, node in (d.data.get("dialogue") or {}).items():
            node_spans[(d.data["id"], str(node_id))] = d.marks.span(("dialogue", node_id), key=True)
            if isinstance(node, dict):
                for i, opt in enumerate(node.get("options") or []):
                    if isinstance(opt, dict) and "goto" in opt:
                        goto_spans[(d.data["id"], str(node_id), i)] = d.marks.span(
                            ("dialogue", node_id, "options", i, "goto")
                        )
    check_dialogue(c.world, c.id_spans, node_spans, goto_spans, c.diags)


def inspect(world: model.World) -> Iterator[str]:
    if world.npcs:
        yield "npcs:"
    for n in world.npcs:
        yield f'  {n.id} "{n.name}" in {n.room}, {count(len(n.dialogue), "dialogue node")}'
        for node in n.dialogue:
            if node.do is not None:
                yield from code_lines(f"node {node.id} do", node.do)
            for i, opt in enumerate(node.options, 1):
                if opt.when is not None:
                    yield from code_lines(f"node {node.id} option {i} when", opt.when)
        yield from trigger_lines(n.id, n.triggers)


KIND = CompilerKind(
    IMAGE,
    title="meshmush NPC",
    required=("id", "name", "room", "description"),
    properties=properties,
    inspect=inspect,
    build=assemble.build_npc,
    checks=(dialogue,),
)
