"""Dialogue checks: a start node, gotos that land, nodes some option leads to."""

from __future__ import annotations

from collections.abc import Mapping

from compiler.diagnostics import Diagnostics, Span, did_you_mean
from runtime.image import model


def check_dialogue(
    world: model.World,
    spans: Mapping[str, Span],
    node_spans: Mapping[tuple[str, str], Span],
    goto_spans: Mapping[tuple[str, str, int], Span],
    diags: Diagnostics,
) -> None:
    for npc in world.npcs:
        if not npc.dialogue:
            continue
        names = [n.id for n in npc.dialogue]
        if "start" not in names and npc.id in spans:
            diags.error(
                "MM4009",
                f"dialogue of '{npc.id}' has no 'start' node (nodes: {', '.join(names)})",
                node_spans.get((npc.id, names[0]), spans[npc.id]),
                "talk begins at the node named 'start'; rename the first node to 'start'",
            )
        targets: set[str] = set()
        for node in npc.dialogue:
            for i, opt in enumerate(node.options):
                if opt.goto is None:
                    continue
                targets.add(opt.goto)
                if opt.goto not in names:
                    diags.error(
                        "MM4007",
                        f"option '{opt.say}' goes to '{opt.goto}', which is not a node of '{npc.id}'",
                        goto_spans.get((npc.id, node.id, i), spans.get(npc.id, Span("?"))),
                        did_you_mean(opt.goto, names) or f"nodes: {', '.join(names)}",
                    )
        for node in npc.dialogue:
            if node.id != "start" and node.id not in targets and (npc.id, node.id) in node_spans:
                diags.warning(
                    "MM4008",
                    f"no option leads to dialogue node '{node.id}' of '{npc.id}'",
                    node_spans[(npc.id, node.id)],
                    f"add an option with 'goto: {node.id}', or remove the node",
                )
