"""THE kind registry, compiler side: for every kind of ``runtime.image.kinds.KINDS``, the module
``compiler/kinds/<name>.py`` declares ``KIND``: its JSON Schema, how a document becomes part of
the model, the checks that need the whole world, and its lines in ``meshmush inspect``.

The compiler (``compiler.api``), schema generation (``meshmush.gen_schemas``) and ``inspect``
read ``KINDS``; the loader, the resolver and the image verifier read the image-side table.
A kind the image declares without a module here stops the compiler at import, by name.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from compiler.assemble import Assembler, doc_label
from compiler.diagnostics import Diagnostics, Span
from compiler.loader import SourceDoc
from runtime.image import kinds as image_kinds
from runtime.image import model

BASE = "https://meshmush.invalid/schemas/"


@dataclass
class CheckInput:
    """What a whole-world check gets: the assembled world, the documents that built it (by
    kind) and where each id is written."""

    world: model.World
    docs: Mapping[str, Sequence[SourceDoc]]
    diags: Diagnostics

    @cached_property
    def id_spans(self) -> dict[str, Span]:
        """Where each id is defined (its ``id:``)."""
        out: dict[str, Span] = {}
        for docs in self.docs.values():
            for d in docs:
                ident = d.data.get("id")
                if isinstance(ident, str):
                    out[ident] = d.marks.span(("id",))
        return out

    def labels(self) -> dict[str, SourceDoc]:
        """Each document by the name the image gives it ("room town.gazebo")."""
        return {doc_label(d): d for docs in self.docs.values() for d in docs}


WorldCheck = Callable[[CheckInput], None]
Build = Callable[[Assembler, SourceDoc], Any]


@dataclass(frozen=True)
class CompilerKind:
    kind: image_kinds.Kind  # the image half: events, World field, verification
    title: str  # the schema's title
    required: tuple[str, ...]  # keys a document must have (besides ``kind``)
    properties: Callable[[], dict[str, Any]]  # JSON Schema of every key (besides ``kind``)
    inspect: Callable[[model.World], Iterator[str]]  # its lines in ``meshmush inspect``
    build: Build | None = None  # document -> model entity (None: the world, built by compiler.api)
    checks: tuple[WorldCheck, ...] = field(default=())

    @property
    def name(self) -> str:
        return self.kind.name

    def schema(self) -> dict[str, Any]:
        """The kind's JSON Schema (draft 2020-12)."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"{BASE}{self.name}.schema.json",
            "title": self.title,
            "type": "object",
            "additionalProperties": False,
            "required": ["kind", *self.required],
            "properties": {"kind": {"const": self.name, "description": "The kind of this document"},
                           **self.properties()},
        }


def _load(kind: image_kinds.Kind) -> CompilerKind:
    module = importlib.import_module(f"compiler.kinds.{kind.name}")
    declared = getattr(module, "KIND", None)
    if not isinstance(declared, CompilerKind) or declared.kind is not kind:
        raise ImportError(f"compiler/kinds/{kind.name}.py must declare KIND = CompilerKind(BY_NAME['{kind.name}'], …)")
    return declared


KINDS: tuple[CompilerKind, ...] = tuple(_load(k) for k in image_kinds.KINDS)
BY_NAME: Mapping[str, CompilerKind] = {k.name: k for k in KINDS}
