"""Issue 11, item 9: no player can write a line that passes for a system notice.

Every line that carries a player's text begins with that player's name; a player's text never
holds a line break (frames join lines with "\\n", and a radio shows each frame as one message);
a name that reads like a notice ("Slow", "You" …) cannot emote; numbers are ASCII digits only."""

from __future__ import annotations

import atexit
from dataclasses import replace
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.engine.engine import INTERNAL_ERROR, Engine
from runtime.engine.state import State
from tests.runtime.engine.helpers import Driver, engine
from tests.transcripts.runner import world

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
FORGED = "Slow down: you are sending too fast. I'll listen again in 60 s."


def _pair(tmp: Path) -> tuple[Engine, Driver]:
    eng = engine(tmp / "w.duckdb")
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Bob", "look")
    return eng, d


def _heard(d: Driver, who: str, text: str, listener: str = "Bob") -> list[str]:
    return [line for o in d.send(who, text) if o.to == listener for line in o.text.split("\n")]


def test_a_line_break_in_speech_never_starts_a_line(tmp_path: Path) -> None:
    eng, d = _pair(tmp_path)
    for brk in BREAKS:
        for verb in ("say hi", "emote waves", "whisper Bob psst", ":grins", '"hey'):
            lines = _heard(d, "Ana", f"{verb}{brk}{FORGED}")
            assert lines, (verb, brk)
            assert all(line.startswith("Ana") for line in lines), (verb, repr(brk), lines)
    eng.close()


def test_an_emote_follows_the_name_after_a_space(tmp_path: Path) -> None:
    eng, d = _pair(tmp_path)
    assert _heard(d, "Ana", "emote : the server restarts") == ["Ana : the server restarts."]
    assert _heard(d, "Ana", "emote 's cat purrs") == ["Ana's cat purrs."]
    eng.close()


def _legacy_name(eng: Engine, key: str, name: str) -> None:
    """A player an older meshmush let take ``name`` (new players cannot: names.py reserves it)."""
    txn = eng.tables.begin()
    state = State(txn, eng.world, eng.db.next_id)
    state.save_player(replace(state.require_player(key), name=name))
    txn.commit()


def test_a_name_that_reads_like_a_notice_cannot_emote(tmp_path: Path) -> None:
    eng = engine(tmp_path / "w.duckdb")
    d = Driver(eng)
    d.send("Bob", "look")
    for name in ("Slow", "You", "server", "SYSTEM", "Sorry"):
        d.send("Old" + name, "look")
        assert not d.text("Old" + name, "look").startswith(name)
        _legacy_name(eng, "Old" + name, name)
        reply = d.text("Old" + name, "emote down: you are sending too fast")
        assert reply.startswith("Emotes start with your name, and "), (name, reply)
        assert _heard(d, "Old" + name, "emote down: you are sending too fast") == []
    d.send("Slowpoke", "look")
    assert _heard(d, "Slowpoke", "emote yawns") == ["Slowpoke yawns."]  # only whole words
    eng.close()


_SHARED: list[Driver] = []


def _shared() -> Driver:
    """One engine for every hypothesis example (on a temporary database)."""
    if not _SHARED:
        d = Driver(engine(None))
        atexit.register(d.engine.close)  # (removes the temporary database)
        d.send("Ana", "look")
        d.send("Bob", "look")
        _SHARED.append(d)
    return _SHARED[0]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([*BREAKS, " ", ":", "'", ","]), st.text(min_size=1, max_size=12)),
                min_size=1, max_size=12))
def test_no_speech_ever_starts_a_line_without_the_name(parts: list[str]) -> None:
    text = "".join(parts)
    d = _shared()
    for verb in ("say ", "emote ", "whisper Bob ", ":"):
        for line in _heard(d, "Ana", verb + text):
            assert line.startswith("Ana"), (verb, text, line)


def test_numbers_in_other_digits_are_no_numbers(tmp_path: Path) -> None:
    eng = engine(tmp_path / "w.duckdb", w=world("housing"))
    d = Driver(eng)
    d.send("Bob", "look")
    d.send("Ana", "look")
    before = eng.db.query("SELECT key, balance FROM players ORDER BY key")
    for text in ("pay Bob ١.٠٠", "pay Bob １.００", "pay Bob 1.٠٠"):
        assert "is not an amount" in d.text("Ana", text), text
    for text in ("talk mayor ²", "²", "home ٣", "talk mayor ١", "home ²"):
        assert INTERNAL_ERROR not in d.text("Ana", text), text
    assert eng.db.query("SELECT key, balance FROM players ORDER BY key") == before
    eng.close()
