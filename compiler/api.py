"""The compiler's front door: a world directory in, a ``World`` (and diagnostics) out.

load → validate (schemas/) → resolve ids → assemble kinds (triggers parsed, type-checked and
lowered on the way) → whole-world checks → sorted, canonical ``World``.  What each kind builds
and checks is declared with the kind (``compiler.kinds``).
"""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path
from typing import Any

from compiler import assemble as asm
from compiler import games
from compiler.checks.content import check_dead_content
from compiler.checks.frames import check_frames
from compiler.checks.softlock import check_softlocks
from compiler.checks.teleports import check_teleports
from compiler.checks.text_bounds import DocPlace, check_text_bounds
from compiler.diagnostics import Diagnostics, Span
from compiler.kinds import KINDS, CheckInput
from compiler.limits import build_builder_limits
from compiler.loader import SourceDoc, load_world_files
from compiler.patches import apply_patches
from compiler.renames import renamed_ids
from compiler.resolve import build_symbols
from compiler.schema import validate_document
from runtime.image import model
from runtime.image.codec import write_image
from runtime.image.directions import canonical
from runtime.image.kinds import BY_NAME as IMAGE_KINDS

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
        if not IMAGE_KINDS[str(d.kind)].has_id:  # the world, a patch: no id of their own
            if d.kind != "world" and id(d) not in valid:
                continue
        elif sym is None or sym.doc is not d or id(d) not in valid:
            continue
        by_kind.setdefault(str(d.kind), []).append(d)

    built: dict[str, tuple[Any, ...]] = {}
    for kind in KINDS:
        if kind.build is not None and kind.kind.field is not None:
            entities = [kind.build(a, d) for d in by_kind.get(kind.name, [])]
            built[kind.kind.field] = tuple(sorted(entities, key=lambda e: str(e.id)))
    # source-only kinds: patches fold into their rooms; renamed ids are checked across kinds
    built["rooms"] = tuple(apply_patches(a, by_kind.get("patch", []), list(built["rooms"])))
    renames = renamed_ids(by_kind, symbols, diags)
    if renames:
        for field in ("rooms", "objects"):
            built[field] = tuple(replace(e, renamed_from=renames[e.id]) if e.id in renames else e
                                 for e in built[field])
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
        messages=games.build_messages(wdoc),
        builder=build_builder_limits(wdoc),
        **built,  # each kind's field, as compiler.kinds declares it
    )
    checks = CheckInput(world, by_kind, diags)
    for kind in KINDS:
        for check in kind.checks:
            check(checks)
    _world_checks(checks)
    return None if diags.has_errors else world


def _world_checks(c: CheckInput) -> None:
    """Checks across every kind: frame sizes, dead content, softlocks, text bounds, teleport loops."""
    text_spans: dict[str, Span] = {}  # where a too-long text is: its description
    node_text_spans: dict[tuple[str, str], Span] = {}
    for docs in c.docs.values():
        for d in docs:
            ident = d.data.get("id")
            if isinstance(ident, str):
                text_spans[ident] = d.marks.span(("description",)) if "description" in d.data else c.id_spans[ident]
    for d in c.docs.get("npc", []):
        for node_id, node in (d.data.get("dialogue") or {}).items():
            key = (d.data["id"], str(node_id))
            node_text_spans[key] = (
                d.marks.span(("dialogue", node_id, "text"))
                if isinstance(node, dict) and "text" in node
                else d.marks.span(("dialogue", node_id), key=True)
            )
    check_frames(c.world, text_spans, node_text_spans, c.diags, FRAME_BYTES)
    when_spans: dict[tuple[str, str], Span] = {}  # where each guarded exit's `when` is written
    for d in c.docs.get("room", []):
        for key, spec in (d.data.get("exits") or {}).items():
            direction = canonical(str(key))
            if direction and isinstance(spec, dict) and "when" in spec:
                when_spans[(d.data["id"], direction)] = d.marks.span(("exits", key, "when"))
    check_softlocks(c.world, c.id_spans, when_spans, c.diags)
    check_dead_content(c.docs, c.diags)
    places = {label: DocPlace(d.file, d.marks.span(()).line - 1, d.marks.lines) for label, d in c.labels().items()}
    check_text_bounds(c.world, places, c.diags)
    check_teleports(c.world, places, c.diags)


def build_image(root: Path, diags: Diagnostics) -> bytes | None:
    """Compile and encode; None when any error was reported."""
    world = compile_world(root, diags)
    if world is None:
        return None
    return write_image(world)
