"""The world's ``builder:`` settings: limits of live building (docs/building.md).

    builder: {clones_per_player: 20, clones_total: 500}

The schema checks the ranges; both keys are optional (``runtime.image.model.BuilderLimits``
holds the defaults), and the server config's ``[builder]`` section overrides them."""

from __future__ import annotations

from compiler.loader import SourceDoc
from runtime.image.model import BuilderLimits


def build_builder_limits(world_doc: SourceDoc) -> BuilderLimits:
    raw = world_doc.data.get("builder")
    if not isinstance(raw, dict):
        return BuilderLimits()
    defaults = BuilderLimits()
    per = raw.get("clones_per_player", defaults.clones_per_player)
    total = raw.get("clones_total", defaults.clones_total)
    return BuilderLimits(
        clones_per_player=per if isinstance(per, int) and not isinstance(per, bool) else defaults.clones_per_player,
        clones_total=total if isinstance(total, int) and not isinstance(total, bool) else defaults.clones_total,
    )
