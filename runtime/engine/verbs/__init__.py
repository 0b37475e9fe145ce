"""The core verbs, one small module per group.  ``CORE_MODULES`` is the order HELP lists them."""

from __future__ import annotations

from types import ModuleType

from runtime.engine.verbs import help, items, look, movement, session, social

CORE_MODULES: tuple[ModuleType, ...] = (look, movement, items, social, help, session)
