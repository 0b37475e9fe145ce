"""Whatever a radio sends — control characters, 10 kB lines, any script, emoji — the engine
answers without raising, and every frame fits the frame size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine.engine import Engine
from runtime.frames import pack_lines, split_frames, utf8_len
from tests.runtime.engine.helpers import engine

WORDS = ["look", "l", "n", "s", "e", "w", "u", "d", "ne", "in", "out", "go", "take", "get", "drop", "use", "x",
         "examine", "i", "say", "whisper", "emote", "who", "help", "more", "quit", ":", '"', "lamp", "ball",
         "Ana", "Bob", "lever", "book", "xyzzy", "hush", "seed", "purse", "box", "coin", "gadget", "dice"]

commands = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=60),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=5).map(" ".join),
    st.builds(lambda w, t: f"{w} {t}", st.sampled_from(WORDS), st.text(max_size=200)),
    st.integers(1000, 12000).map(lambda n: "say " + "é" * n),
    st.just("\x00\x01\x02\x1b[2J\r\n\t"),
    st.just("👩‍👩‍👧‍👦 " * 500),
)


@pytest.fixture(scope="module", params=[200, 40])
def eng(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    e = engine(tmp_path_factory.mktemp("fuzz") / "s.duckdb", frame_bytes=int(request.param))
    yield e
    e.close()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(player=st.sampled_from(["Ana", "Bob", "Cy"]), text=commands)
def test_any_command_gets_replies_that_fit(eng: Engine, player: str, text: str) -> None:
    eng_now = getattr(eng, "_fuzz_now", 0) + 1000
    eng._fuzz_now = eng_now  # type: ignore[attr-defined]
    out = eng.handle(player, text, eng_now)
    assert any(o.to == player for o in out)
    for o in out:
        assert o.text
        if o.kind == "notice":  # notice lines: the transport packs them (with others waiting)
            assert o.frames == () and o.text == "\n".join(n.text for n in o.notes)
            frames = pack_lines([n.text for n in o.notes], eng.config.frame_bytes)
        else:
            frames = split_frames(o.text, eng.config.frame_bytes)
            assert list(o.frames) == frames  # the frames the engine hands the transport
        assert len(frames) <= eng.config.page_frames
        assert all(utf8_len(f) <= eng.config.frame_bytes for f in frames)


def test_nothing_unexpected_was_logged(eng: Engine, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("ERROR", logger="meshmush"):
        for text in ["take lamp", "\x00" * 50, "say " + "x" * 20000, "use gadget", "d", "d", "d"]:
            eng.handle("Zed", text, 10**9)
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
