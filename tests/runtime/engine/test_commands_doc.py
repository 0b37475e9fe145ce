"""docs/commands.md documents every verb the engine knows (core and game systems), and the
HELP listing names only real verbs."""

from __future__ import annotations

import re
from pathlib import Path

from runtime.engine.engine import default_modules
from runtime.engine.registry import Registry

DOC = Path(__file__).resolve().parents[3] / "docs" / "commands.md"


def _documented(text: str, word: str) -> bool:
    return re.search(r"`" + re.escape(word) + r"[` ]", text) is not None


def test_every_verb_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    registry = Registry.collect(default_modules())
    missing = [v.name for v in registry.verbs if not _documented(text, v.name)]
    assert not missing, f"add these verbs to {DOC.name}: {missing}"


def test_the_check_sees_an_undocumented_word() -> None:
    assert _documented("### `look` (`l`)", "look")
    assert not _documented("### `inventory`", "in")
