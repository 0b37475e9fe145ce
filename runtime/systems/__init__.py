"""Game systems built on the engine's system API (``runtime/engine/context.py``).

Each module exposes ``VERBS`` and optionally ``HOOKS``; the engine collects every module listed
in ``SYSTEM_MODULES`` (``runtime.engine.engine.default_modules``).
"""

from __future__ import annotations

from types import ModuleType

from runtime.systems import (
    boards,
    builder,
    dialogue,
    economy,
    housing,
    mail,
    moderation,
    operator,
    shops,
    staff,
)
from runtime.systems.games import verbs as games

SYSTEM_MODULES: tuple[ModuleType, ...] = (
    housing, dialogue, economy, shops, games, mail, boards, moderation, staff, operator, builder,
)
