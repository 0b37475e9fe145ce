"""Dialogue checks: a start node, gotos that land, nodes some chain of options from
``start`` leads to (a node only reached from unreachable nodes is as unreachable as one no
option names)."""

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
        if "start" not in names:
            continue  # MM4009 already; every node would look unreachable
        reached = _reachable(npc)
        for node in npc.dialogue:
            if node.id == "start" or node.id in reached or (npc.id, node.id) not in node_spans:
                continue
            if node.id not in targets:
                message = f"no option leads to dialogue node '{node.id}' of '{npc.id}'"
            else:
                message = (f"dialogue node '{node.id}' of '{npc.id}' is only reached from nodes that"
                           " 'start' never leads to")
            diags.warning(
                "MM4008",
                message,
                node_spans[(npc.id, node.id)],
                f"add an option with 'goto: {node.id}' to a node reached from 'start', or remove the node",
            )


def _reachable(npc: model.Npc) -> set[str]:
    """Nodes some chain of options leads to from ``start``."""
    by_id = {n.id: n for n in npc.dialogue}
    seen: set[str] = set()
    todo = ["start"] if "start" in by_id else []
    while todo:
        node = by_id.get(todo.pop())
        if node is None or node.id in seen:
            continue
        seen.add(node.id)
        todo.extend(o.goto for o in node.options if o.goto is not None)
    return seen
