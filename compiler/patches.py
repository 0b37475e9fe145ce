"""``kind: patch`` documents: changes to a room defined in another document.

    kind: patch
    room: town.gazebo              # the room it changes
    description: A freshly painted gazebo.    # optional: replaces the description
    exits: {up: built.attic}       # optional: added, or replacing the exit that way
    remove_exits: [east]           # optional: exits the room loses

``meshmush admin export-edits`` writes the live builders' changes to rooms of the world this
way, so the world's own files stay as they are; a designer may also fold a patch into the room's
document and delete it.  The change itself is ``runtime.image.patch.patch_room``, the very
function the server's building overlay uses, so both give the same room.

Problems: a patch of a room that does not exist (MM4002), one that removes an exit the room does
not have or both adds and removes one direction (MM4025), two patches of one room (MM4026).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compiler.assemble import Assembler, doc_label
from compiler.diagnostics import Span
from compiler.loader import SourceDoc
from runtime.image import model
from runtime.image.directions import canonical
from runtime.image.patch import RoomPatch, patch_room


def patch_label(doc: SourceDoc) -> str:
    """How the image names a patch's code (an exit's ``when``): "patch town.gazebo"."""
    return doc_label(doc)


def apply_patches(a: Assembler, docs: list[SourceDoc], rooms: list[model.Room]) -> list[model.Room]:
    """``rooms`` with every valid patch applied (reported problems leave the room as it was)."""
    by_id = {r.id: r for r in rooms}
    seen: dict[str, Span] = {}
    for doc in docs:
        target = a.ref(doc, ("room",), ("room",), "patched room")
        if target is None or target not in by_id:
            continue
        span = doc.marks.span(("room",))
        if target in seen:
            first = seen[target]
            a.diags.error("MM4026", f"room '{target}' is patched twice (first at {first.file}:{first.line})",
                          span, "merge the two patches into one")
            continue
        seen[target] = span
        patch = _build(a, doc, target, by_id[target])
        if patch is not None:
            by_id[target] = patch_room(by_id[target], patch)
    return [by_id[r.id] for r in rooms]


def _build(a: Assembler, doc: SourceDoc, target: str, room: model.Room) -> RoomPatch | None:
    labelled = replace(doc, data={**doc.data, "id": target})  # its code is labelled "patch ROOM"
    d: dict[str, Any] = doc.data
    ok = True
    exits: list[model.Exit] = []
    seen: dict[str, str] = {}
    raw = d.get("exits") or {}
    if isinstance(raw, dict):
        for key, spec in raw.items():
            direction = canonical(str(key))
            if direction is None:
                continue  # the schema reports it
            path = ("exits", key)
            if direction in seen:
                a.diags.error("MM4010", f"exit '{key}' repeats direction {direction} (already given as"
                                        f" '{seen[direction]}')", doc.marks.span(path, key=True), "keep one of them")
                ok = False
                continue
            seen[direction] = str(key)
            if isinstance(spec, dict):
                to = a.ref(doc, (*path, "to"), ("room",), "exit destination")
                when = a.expr(labelled, (*path, "when"), "exit") if "when" in spec else None
                blocked = spec.get("blocked")
                if to is not None:
                    exits.append(model.Exit(direction, to, when, str(blocked) if blocked is not None else None))
                else:
                    ok = False
            else:
                to = a.ref(doc, path, ("room",), "exit destination")
                if to is None:
                    ok = False
                else:
                    exits.append(model.Exit(direction, to))
    remove: list[str] = []
    has = {e.direction for e in room.exits}
    for i, word in enumerate(d.get("remove_exits") or []):
        direction = canonical(str(word))
        if direction is None:
            continue
        span = doc.marks.span(("remove_exits", i))
        if direction in seen:
            a.diags.error("MM4025", f"the patch of '{target}' both adds and removes the exit {direction}", span,
                          f"an exit listed under exits: replaces the room's own; drop {direction} from remove_exits")
            ok = False
        elif direction not in has:
            shown = ", ".join(e.direction for e in room.exits) or "none"
            a.diags.error("MM4025", f"the patch removes exit {direction}, but room '{target}' has none (its exits:"
                                    f" {shown})", span, f"drop {direction} from remove_exits")
            ok = False
        else:
            remove.append(direction)
    description = d.get("description")
    if not ok:
        return None
    return RoomPatch(target, str(description).strip() if description is not None else None, tuple(exits),
                     tuple(remove))
