"""Players' names (runtime/engine/names.py): sanitised, unique, never a word system replies
start with, and a placeholder replaced by the radio's long name when it arrives."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from runtime.engine import names
from runtime.engine.io import Incoming
from runtime.play import run_play
from runtime.transport.inbound import player_name
from tests.runtime.engine.helpers import engine, lab


def test_sanitise_and_placeholders() -> None:
    assert names.sanitise("José Núñez") == "Jose_Nunez"
    assert names.sanitise("🦊") is None and names.sanitise("42") is None
    assert names.from_radio("Meshtastic b96f") is None  # the library's stand-in is no name
    assert player_name("Meshtastic b96f", "!1234b96f") == "pb96f"
    assert names.is_placeholder("pb96f", "!1234b96f") and names.is_placeholder("pb96f3", "!1234b96f")
    assert names.is_placeholder("Meshtastic_b96f", "!1234b96f")
    assert not names.is_placeholder("Ana", "!1234b96f")


@pytest.mark.parametrize("word", ["You", "you", "SLOW", "Server", "System", "Moderator", "Admin", "Sysop",
                                  "Staff", "Player", "Keeper", "Someone", "Sorry"])
def test_reserved_words(word: str) -> None:
    assert names.is_reserved(word)
    assert names.unique(word, lambda n: False) == word + "2"


def test_radio_players_never_get_a_reserved_or_taken_name() -> None:
    eng = engine(None)
    try:
        t = 1000
        for key, long_name in (("!000000a1", "You"), ("!000000a2", "slow"), ("!000000a3", "Ana"),
                               ("!000000a4", "Ana"), ("!000000a5", None), ("!000000a6", "Meshtastic 00a6")):
            t += 1000
            eng.handle_batch([Incoming(key, "look", t, player_name(long_name, key))])
        txn = eng.tables.begin()
        got = {r[0]: r[1] for r in txn.scan("players")}
        txn.rollback()
        assert got == {"!000000a1": "You2", "!000000a2": "slow2", "!000000a3": "Ana", "!000000a4": "Ana2",
                       "!000000a5": "p00a5", "!000000a6": "p00a6"}
        # "You2 pays you" and "slow2 says" cannot pass for a system reply
        assert not any(names.is_reserved(n) for n in got.values())
    finally:
        eng.close()


def test_a_placeholder_takes_the_radio_name_when_it_arrives(caplog: pytest.LogCaptureFixture) -> None:
    eng = engine(None)
    try:
        key = "!0000beef"
        eng.handle_batch([Incoming(key, "look", 1000, player_name(None, key))])
        eng.handle_batch([Incoming("!0000aaaa", "look", 1500, "Cai")])
        with caplog.at_level(logging.INFO, logger="meshmush.engine"):
            out = eng.handle_batch([Incoming(key, "who", 2000, player_name("Cai", key))])
        assert [o.text for o in out if o.to == key] == ["Online (2): Cai, Cai2."]
        assert "!0000beef is now called Cai2 (was pbeef)" in caplog.text
        # a real name is never replaced by a later one
        eng.handle_batch([Incoming(key, "look", 3000, "Zed")])
        txn = eng.tables.begin()
        assert txn.get("players", (key,))[1] == "Cai2"  # type: ignore[index]
        txn.rollback()
    finally:
        eng.close()


def _play(script: str | None, player: str | None, tmp_path: Path) -> tuple[int, str]:
    path = None
    if script is not None:
        path = tmp_path / "s.txt"
        path.write_text(script, encoding="utf-8")
    stdin = io.StringIO("look\n")
    stdout = io.StringIO()
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = run_play(lab(), "h", db_path=None, seed=1, player=player, script=path, fmt="text",
                        frame_bytes=200, stdin=stdin, stdout=stdout)
    return code, err.getvalue() + stdout.getvalue()


def test_play_refuses_an_empty_or_reserved_player_name(tmp_path: Path) -> None:
    code, text = _play(None, "", tmp_path)
    assert code == 2 and "--player needs a name" in text
    code, text = _play(None, "  ", tmp_path)
    assert code == 2 and "--player needs a name" in text
    code, text = _play(None, "You", tmp_path)
    assert code == 2 and "'You' is reserved" in text
    code, text = _play("Slow> look\n", None, tmp_path)
    assert code == 2 and "s.txt:1: player name 'Slow' is reserved" in text
    code, text = _play(None, None, tmp_path)  # the default name is a usable one
    assert code == 0 and "Welcome" in text
