"""The compiler's front door: a world directory in, a ``World`` (and diagnostics) out.

load → validate (schemas/) → resolve ids → assemble kinds (triggers parsed, type-checked and
lowered on the way) → whole-world checks → sorted, canonical ``World``.
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from compiler import assemble as asm
from compiler import games
from compiler.checks.content import check_dead_content
from compiler.checks.dialogue import check_dialogue
from compiler.checks.economy import check_arbitrage
from compiler.checks.frames import check_frames
from compiler.checks.games import check_board_places, check_slots_return
from compiler.checks.graph import check_one_way, check_reachability
from compiler.checks.softlock import check_softlocks
from compiler.checks.teleports import check_teleports
from compiler.checks.text_bounds import DocPlace, check_text_bounds
from compiler.diagnostics import Diagnostics, Span
from compiler.limits import build_builder_limits
from compiler.loader import SourceDoc, load_world_files
from compiler.patches import apply_patches, patch_label
from compiler.renames import renamed_ids
from compiler.resolve import build_symbols
from compiler.schema import validate_document
from runtime.image import model
from runtime.image.codec import write_image

FRAME_BYTES = 200


def compile_world(root: Path, diags: Diagnostics) -> model.World | None:
    """Compile the world in ``root``; None when any error was reported."""
    paused = gc.isenabled()
    gc.disable()  # the compiler builds large trees that live until it returns: no collections
    try:
        return _compile_world(root, diags)
    finally:
        if paused:
            gc.enable()


def _compile_world(root: Path, diags: Diagnostics) -> model.World | None:
    result = load_world_files(root, diags)
    loaded = result.docs
    docs = [d for d in loaded if validate_document(d, diags)]
    worlds = [d for d in docs if d.kind == "world"]
    if len(worlds) != 1:
        return None  # the loader reports a missing or repeated world document
    wdoc = worlds[0]
    currency = asm.build_currency(wdoc, diags)
    state = asm.build_state(wdoc, currency, diags)
    # invalid documents still define their ids, so one schema error does not cascade
    symbols = build_symbols(loaded, diags, result.unloaded_ids)
    valid = {id(d) for d in docs}
    a = asm.Assembler(diags, symbols, currency, state)
    start = a.ref(wdoc, ("start",), ("room",), "start room") or ""

    by_kind: dict[str, list[SourceDoc]] = {}
    for d in loaded:
        ident = d.data.get("id")
        # only the first definition of a duplicated id is built
        sym = symbols.symbols.get(ident) if isinstance(ident, str) else None
        if d.kind == "patch":  # changes another document's room: no id of its own
            if id(d) in valid:
                by_kind.setdefault("patch", []).append(d)
            continue
        if d.kind != "world" and (sym is None or sym.doc is not d or id(d) not in valid):
            continue
        by_kind.setdefault(str(d.kind), []).append(d)

    rooms: list[model.Room] = [asm.build_room(a, d) for d in by_kind.get("room", [])]
    rooms = apply_patches(a, by_kind.get("patch", []), rooms)
    objects = [asm.build_object(a, d) for d in by_kind.get("object", [])]
    renames = renamed_ids(by_kind, symbols, diags)
    if renames:
        rooms = [replace(r, renamed_from=renames[r.id]) if r.id in renames else r for r in rooms]
        objects = [replace(o, renamed_from=renames[o.id]) if o.id in renames else o for o in objects]
    npcs = [asm.build_npc(a, d) for d in by_kind.get("npc", [])]
    shops = [asm.build_shop(a, d) for d in by_kind.get("shop", [])]
    housing = [asm.build_housing(a, d) for d in by_kind.get("housing", [])]
    game_list = [games.build_game(a, d) for d in by_kind.get("game", [])]
    boards = [games.build_board(a, d) for d in by_kind.get("board", [])]
    world_triggers = a.triggers(wdoc, "world")

    if diags.has_errors:
        return None
    world = model.World(
        id=str(wdoc.data.get("id")),
        title=str(wdoc.data.get("title", "")),
        format=int(wdoc.data.get("format", 1)),
        start=start,
        currency=currency,
        state=tuple(state[k] for k in sorted(state)),
        triggers=world_triggers,
        rooms=tuple(sorted(rooms, key=lambda r: r.id)),
        objects=tuple(sorted(objects, key=lambda o: o.id)),
        npcs=tuple(sorted(npcs, key=lambda n: n.id)),
        shops=tuple(sorted(shops, key=lambda s: s.id)),
        housing=tuple(sorted(housing, key=lambda h: h.id)),
        games=tuple(sorted(game_list, key=lambda g: g.id)),
        boards=tuple(sorted(boards, key=lambda b: b.id)),
        messages=games.build_messages(wdoc),
        builder=build_builder_limits(wdoc),
    )
    _run_checks(world, by_kind, diags)
    places = {(patch_label(d) if d.kind == "patch" else asm.doc_label(d)):
              DocPlace(d.file, d.marks.span(()).line - 1, d.marks.lines)
              for docs in by_kind.values() for d in docs}
    check_text_bounds(world, places, diags)
    check_teleports(world, places, diags)
    return None if diags.has_errors else world


def _run_checks(world: model.World, by_kind: dict[str, list[SourceDoc]], diags: Diagnostics) -> None:
    spans: dict[str, Span] = {}
    exit_spans: dict[tuple[str, str], Span] = {}
    node_spans: dict[tuple[str, str], Span] = {}
    node_text_spans: dict[tuple[str, str], Span] = {}
    goto_spans: dict[tuple[str, str, int], Span] = {}
    stock_spans: dict[tuple[str, str], Span] = {}
    buy_spans: dict[tuple[str, str], Span] = {}
    text_spans: dict[str, Span] = {}  # where a too-long text is: its description
    for docs in by_kind.values():
        for d in docs:
            ident = d.data.get("id")
            if isinstance(ident, str):
                spans[ident] = d.marks.span(("id",))
                text_spans[ident] = d.marks.span(("description",)) if "description" in d.data else spans[ident]
    when_spans: dict[tuple[str, str], Span] = {}
    for d in by_kind.get("room", []):
        for key, spec in (d.data.get("exits") or {}).items():
            direction = asm.normalise_direction(str(key))
            if direction:
                exit_spans[(d.data["id"], direction)] = d.marks.span(("exits", key), key=True)
                if isinstance(spec, dict) and "when" in spec:
                    when_spans[(d.data["id"], direction)] = d.marks.span(("exits", key, "when"))
    for d in by_kind.get("npc", []):
        for node_id, node in (d.data.get("dialogue") or {}).items():
            node_spans[(d.data["id"], str(node_id))] = d.marks.span(("dialogue", node_id), key=True)
            node_text_spans[(d.data["id"], str(node_id))] = (
                d.marks.span(("dialogue", node_id, "text"))
                if isinstance(node, dict) and "text" in node
                else node_spans[(d.data["id"], str(node_id))]
            )
            if isinstance(node, dict):
                for i, opt in enumerate(node.get("options") or []):
                    if isinstance(opt, dict) and "goto" in opt:
                        goto_spans[(d.data["id"], str(node_id), i)] = d.marks.span(
                            ("dialogue", node_id, "options", i, "goto")
                        )
    for d in by_kind.get("shop", []):
        for key, table in (("stock", stock_spans), ("buys", buy_spans)):
            for i, entry in enumerate(d.data.get(key) or []):
                if isinstance(entry, dict) and isinstance(entry.get("item"), str):
                    table[(d.data["id"], entry["item"])] = d.marks.span((key, i, "price"))
    check_reachability(world, spans, diags)
    check_softlocks(world, spans, when_spans, diags)
    check_one_way(world, exit_spans, diags)
    check_frames(world, text_spans, node_text_spans, diags, FRAME_BYTES)
    check_dialogue(world, spans, node_spans, goto_spans, diags)
    check_arbitrage(world, stock_spans, buy_spans, diags)
    check_slots_return(world, by_kind.get("game", []), spans, diags)
    check_board_places(world, spans, diags)
    check_dead_content(by_kind, diags)


def build_image(root: Path, diags: Diagnostics) -> bytes | None:
    """Compile and encode; None when any error was reported."""
    world = compile_world(root, diags)
    if world is None:
        return None
    return write_image(world)
