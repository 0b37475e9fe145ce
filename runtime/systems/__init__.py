"""Game systems built on the engine's system API (``runtime/engine/context.py``).

Each module exposes ``VERBS`` and optionally ``HOOKS``; the engine collects every module listed
in ``SYSTEM_MODULES`` (``runtime.engine.engine.default_modules``).
"""

from __future__ import annotations

from types import ModuleType

from runtime.systems import dialogue, economy, housing, moderation, operator, shops, staff

SYSTEM_MODULES: tuple[ModuleType, ...] = (housing, dialogue, economy, shops, moderation, staff, operator)
