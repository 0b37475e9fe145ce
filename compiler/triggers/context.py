"""What the trigger compiler needs to know about where a piece of code sits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runtime.image.model import Currency, StateVar


@dataclass(frozen=True)
class TriggerContext:
    event: str  # enter exit look say tick use take drop talk login, or 'expr'
    owner: str  # world | room | object | npc | exit | dialogue
    file: str  # the owning document, "room town.gazebo": goes into Code.file
    state: Mapping[str, StateVar]
    ids: Mapping[str, str]
    currency: Currency
    line_base: int = 0  # file line just before the document's first line: line tables are document-relative
    unsure: frozenset[str] = frozenset()  # lowercased ids whose definition is broken (compiler.resolve)
