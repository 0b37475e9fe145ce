"""HELP is one frame (≤ 200 bytes) for every staff level whatever systems are loaded; the rest
is in topics (HELP TOPIC) and command pages (HELP COMMAND)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.engine.registry import LEVELS, OTHER_TOPIC
from runtime.engine.state import Player
from runtime.frames import DEFAULT_FRAME_BYTES, utf8_len
from runtime.image.model import World
from tests.runtime.engine.helpers import Driver, engine, lab

ROOT = Path(__file__).resolve().parents[3]


def _demo() -> World:
    diags = Diagnostics()
    w = compile_world(ROOT / "worlds" / "demo", diags)
    assert w is not None
    return w


def _set_level(d: Driver, key: str, level: str) -> None:
    txn = d.engine.tables.begin()
    row = txn.get("players", (key,))
    assert row is not None
    txn.put("players", replace(Player.from_row(row), level=level).row())
    txn.commit()


@pytest.mark.parametrize("world", ["demo", "lab"])
@pytest.mark.parametrize("level", list(LEVELS))
def test_help_is_one_frame(world: str, level: str) -> None:
    eng = engine(None, w=_demo() if world == "demo" else lab())
    try:
        d = Driver(eng)
        d.send("Ana", "look")
        _set_level(d, "Ana", level)
        out = [o for o in d.send("Ana", "help") if o.to == "Ana"]
        assert len(out) == 1
        text = out[0].text
        assert utf8_len(text) <= DEFAULT_FRAME_BYTES, (utf8_len(text), text)
        assert len(out[0].frames) == 1
        topics = {v.topic or OTHER_TOPIC for v in eng.registry.visible(LEVELS[level]) if v.listed}
        for topic in topics:  # every topic this player has is named, and has a page
            assert topic.upper() in text, (topic, text)
            page = d.text("Ana", f"help {topic}")
            assert not page.startswith("No help"), (topic, page)
    finally:
        eng.close()


def test_every_listed_verb_is_on_its_topic_page() -> None:
    eng = engine(None, w=_demo())
    try:
        d = Driver(eng)
        d.send("Ana", "look")
        _set_level(d, "Ana", "sysop")
        assert d.text("Ana", "/grant builder Ana") == "Ana is now a builder."  # the builder topic too
        for verb in eng.registry.verbs:
            if not verb.listed:
                continue
            page = d.text("Ana", f"help {verb.topic or OTHER_TOPIC}")
            while page.endswith("[MORE]") and f"{verb.usage or verb.name}" not in page:
                page = d.text("Ana", "more")  # a long topic is paged
            assert f"{verb.usage or verb.name}" in page, (verb.name, page)
        assert d.text("Ana", "help take") == "take NAME (also get): pick up a thing here. e.g. take lantern"
    finally:
        eng.close()


def test_staff_topics_are_hidden_from_players() -> None:
    eng = engine(None, w=_demo())
    try:
        d = Driver(eng)
        d.send("Ana", "look")
        staff = {v.topic for v in eng.registry.verbs if v.min_level > 0}
        help_text = d.text("Ana", "help")
        for topic in staff:
            if all(v.min_level > 0 for v in eng.registry.verbs if v.topic == topic):
                assert topic.upper() not in help_text
                assert d.text("Ana", f"help {topic}").startswith("No help")
    finally:
        eng.close()
