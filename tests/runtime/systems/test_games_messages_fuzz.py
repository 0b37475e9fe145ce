"""Whatever players send to the games, mail and boards — any text, any number, any script —
the engine answers without an internal error, and every reply fits the frames."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine.engine import INTERNAL_ERROR, Engine
from runtime.frames import utf8_len
from tests.runtime.engine.helpers import engine
from tests.transcripts.runner import world

HEADS = ["play slots", "play tinyhack", "play eightball", "play fortune", "play arc.slots", "play", "games",
         "mail", "mail Bob", "mail Ana", "mail delete", "read", "post", "/remove", "e", "w", "n", "s",
         "play tinyhack n", "play tinyhack fight", "play tinyhack take", "mail 1", "read 1"]

commands = st.one_of(
    st.sampled_from(HEADS),
    st.builds(lambda h, t: f"{h} {t}", st.sampled_from(HEADS), st.text(max_size=120)),
    st.builds(lambda h, n: f"{h} {n}", st.sampled_from(HEADS), st.integers(-10, 10**12)),
    st.builds(lambda h, t: f"{h} {t}", st.sampled_from(HEADS),
              st.text(alphabet=st.characters(codec="utf-8"), max_size=80)),
)


@pytest.fixture(scope="module")
def eng(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    e = engine(tmp_path_factory.mktemp("fuzz") / "s.duckdb", w=world("games"))
    yield e
    e.close()


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(player=st.sampled_from(["Ana", "Bob"]), text=commands)
def test_any_command_gets_replies_that_fit(eng: Engine, player: str, text: str) -> None:
    now = getattr(eng, "_fuzz_now", 0) + 1000
    eng._fuzz_now = now  # type: ignore[attr-defined]
    out = eng.handle(player, text, now)
    assert any(o.to == player for o in out)
    for o in out:
        assert INTERNAL_ERROR not in o.text, text
        assert all(utf8_len(f) <= eng.config.frame_bytes for f in o.frames)
