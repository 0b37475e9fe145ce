"""Whole-world verification of a decoded image: every reference resolves, every piece of
bytecode is well formed.  The runtime runs this at load; a problem means the image was not
produced by a correct compiler (or was tampered with) and is refused.

What is checked of each kind is declared with the kind (``runtime.image.kinds``)."""

from __future__ import annotations

from runtime.image import model
from runtime.image.bytecode import Program, Shape, verify_code
from runtime.image.kinds import KINDS, ids


def verify_world(world: model.World) -> list[str]:
    """Every problem found, in plain words (empty when the image is sound)."""
    problems: list[str] = []
    known = ids(world)
    memo: dict[Shape, tuple[list[str], Program | None]] = {}  # same-shaped bytecode: verified once
    for kind in KINDS:
        entities = kind.entities(world)
        if kind.field is not None:
            order = [e.id for e in entities]
            if order != sorted(order) or len(set(order)) != len(order):
                problems.append(f"{kind.field} are not unique and sorted by id")
        for entity in entities:
            label = kind.name if kind.field is None else f"{kind.name} {entity.id}"
            if kind.check is not None:
                problems += kind.check(world, known, entity)
            if kind.codes is not None:
                for where, code in kind.codes(entity):
                    problems += (f"{where}: {p}" for p in verify_code(code, memo))
            for t in getattr(entity, "triggers", ()):
                if t.event not in kind.events:
                    problems.append(f"{label}: a trigger on '{t.event}', which {kind.name}s do not have")
    return problems
