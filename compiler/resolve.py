"""Resolution: one table of every id in the world, its kind and where it was defined.

Duplicate ids are reported at both places; references are checked against the table with
"did you mean" hints and a kind check (an exit must lead to a room, a shop sells objects)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from compiler.diagnostics import Diagnostics, Span, a_or_an, did_you_mean
from compiler.loader import SourceDoc
from runtime.image import kinds

RESERVED_NAMESPACES = frozenset({"world", "player", "room", "self"})
VALID_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")  # as in the schemas (tools/gen_schemas.py)

# kinds whose documents carry a top-level `id` that other documents may refer to
ID_KINDS = kinds.ID_KINDS


@dataclass(frozen=True)
class Symbol:
    id: str
    kind: str
    doc: SourceDoc
    span: Span


@dataclass
class SymbolTable:
    symbols: dict[str, Symbol]
    _kinds: dict[str, str] | None = None
    unsure: frozenset[str] = field(default_factory=frozenset)
    """Lowercased ids whose definition has its own error: in a file that failed to load, or
    written wrongly (``River.Bank``).  References to them are not reported: the error at the
    definition is the real one, and fixing it fixes them."""

    def is_unsure(self, target: str) -> bool:
        return target.lower() in self.unsure

    def kinds(self) -> dict[str, str]:
        """id -> kind (computed once; the table does not change after build_symbols)."""
        if self._kinds is None:
            self._kinds = {s.id: s.kind for s in self.symbols.values()}
        return self._kinds

    def ids_of(self, kinds: Iterable[str]) -> list[str]:
        """Valid ids of these kinds (for "did you mean": a misspelt id is never proposed)."""
        wanted = set(kinds)
        return sorted(s.id for s in self.symbols.values() if s.kind in wanted and VALID_ID.match(s.id))

    def check_ref(
        self,
        target: object,
        kinds: tuple[str, ...],
        span: Span,
        diags: Diagnostics,
        what: str,
    ) -> str | None:
        """The id when ``target`` names a defined id of one of ``kinds``; else report and None."""
        if not isinstance(target, str):
            return None
        sym = self.symbols.get(target)
        wanted = " or ".join(kinds)
        if sym is None and self.is_unsure(target):
            return None  # its definition is broken and reported there
        if sym is None:
            hint = (
                did_you_mean(target, self.ids_of(kinds)) or f"define {a_or_an(kinds[0])} with id '{target}'"
            )
            diags.error("MM4002", f"{what} '{target}' does not exist", span, hint)
            return None
        if sym.kind not in kinds:
            close = did_you_mean(target, self.ids_of(kinds))
            diags.error(
                "MM4003",
                f"{what} '{target}' is {a_or_an(sym.kind)} (defined at {sym.span.file}:{sym.span.line}),"
                f" not {a_or_an(wanted)}",
                span,
                close or f"name {a_or_an(wanted)} here",
            )
            return None
        return target


def build_symbols(
    docs: Iterable[SourceDoc], diags: Diagnostics, unloaded: Iterable[str] = ()
) -> SymbolTable:
    """The id table; ``unloaded`` are ids of files that failed to load (``Loaded.unloaded_ids``)."""
    table: dict[str, Symbol] = {}
    unsure = {i.lower() for i in unloaded}
    for doc in docs:
        if doc.kind not in ID_KINDS:
            continue
        ident = doc.data.get("id")
        if not isinstance(ident, str):
            continue
        span = doc.marks.span(("id",))
        ns = ident.split(".", 1)[0]
        if ns in RESERVED_NAMESPACES:
            diags.error(
                "MM4012",
                f"id '{ident}' uses the reserved namespace '{ns}'",
                span,
                f"'{ns}.' names state variables; choose another namespace, e.g. 'town.{ident.split('.', 1)[-1]}'",
            )
        prev = table.get(ident)
        if prev is not None:
            diags.error(
                "MM4001",
                f"duplicate id '{ident}': already defined as {a_or_an(prev.kind)} at"
                f" {prev.span.file}:{prev.span.line}:{prev.span.column}",
                span,
                "every id must be unique across the whole world; rename one of them",
            )
            diags.info(
                "MM4001",
                f"id '{ident}' is defined again at {span.file}:{span.line}:{span.column}",
                prev.span,
            )
            continue
        table[ident] = Symbol(ident, doc.kind, doc, span)
        if not VALID_ID.match(ident):
            unsure.add(ident.lower())  # the schema reports it (MM2005)
    return SymbolTable(table, unsure=frozenset(unsure))


def kind_map(table: SymbolTable) -> Mapping[str, str]:
    return table.kinds()
