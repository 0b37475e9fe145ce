"""``renamed_from:`` on rooms and objects: the ids they had in an earlier version of the world.

    kind: room
    id: town.plaza
    renamed_from: town.square      # or a list: [town.square, town.old_square]

The image carries them (``Room.renamed_from``, ``Object.renamed_from``) so that ``meshmush
migrate`` (and a server given the new image) moves live state to the new id instead of treating
the old one as removed: players standing in the room, objects lying there or held, its
variables.  ``meshmush diff`` shows such ids as renamed.

An old id must not be defined in this world any more, and only one room or object may claim it
(MM4021): state can follow one id to one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.diagnostics import Diagnostics, Span
from compiler.loader import SourceDoc
from compiler.resolve import SymbolTable
from runtime.image.words import with_article


def renamed_ids(docs: Mapping[str, Sequence[SourceDoc]], symbols: SymbolTable,
                diags: Diagnostics) -> dict[str, tuple[str, ...]]:
    """id -> its checked ``renamed_from`` ids, for rooms and objects that declare any."""
    out: dict[str, tuple[str, ...]] = {}
    claimed: dict[str, tuple[str, Span]] = {}
    for kind in ("room", "object"):
        for doc in docs.get(kind, ()):
            ident = doc.data.get("id")
            raw = doc.data.get("renamed_from")
            if not isinstance(ident, str) or raw is None:
                continue
            items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
            olds: list[str] = []
            for i, old in enumerate(items):
                if not isinstance(old, str):
                    continue
                span = doc.marks.span(("renamed_from",) if isinstance(raw, str) else ("renamed_from", i))
                live = symbols.symbols.get(old)
                if old == ident:
                    diags.error("MM4021", f"'{ident}' says it was renamed from itself", span,
                                "remove it from renamed_from")
                elif live is not None:
                    diags.error(
                        "MM4021",
                        f"'{ident}' says it was renamed from '{old}', but this world still defines"
                        f" {with_article(live.kind)} '{old}' ({live.span.file}:{live.span.line})",
                        span,
                        f"rename or remove the other '{old}' first, or drop it from renamed_from",
                    )
                elif old in claimed:
                    first, where = claimed[old]
                    diags.error("MM4021", f"'{old}' is claimed by both '{first}' ({where.file}:{where.line}) and"
                                          f" '{ident}' in renamed_from", span,
                                "state can follow an old id to one place only; keep one claim")
                elif old not in olds:
                    claimed[old] = (ident, span)
                    olds.append(old)
            if olds:
                out[ident] = tuple(olds)
    return out
