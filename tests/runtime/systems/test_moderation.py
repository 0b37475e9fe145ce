"""Moderation through the engine over real DuckDB files: mutes reach every speaking verb by
name (mail and post included) and reach nobody; mutes and bans survive restarts and end on
time; a banned node gets one notice, then silence; /players fits eight in one frame."""

from __future__ import annotations

import types
from pathlib import Path

from runtime.engine.context import Context
from runtime.engine.engine import Engine, EngineConfig, default_modules
from runtime.engine.registry import Verb
from runtime.frames import utf8_len
from runtime.store.db import Database
from runtime.systems.moderation import MUTED_VERBS
from tests.runtime.engine.helpers import lab
from tests.runtime.systems.staff_helpers import staff_engine, state_of

MIN = 60_000


class Clock:
    def __init__(self, eng: Engine, now: int = 1_000) -> None:
        self.eng = eng
        self.now = now

    def all(self, who: str, text: str, step: int = 1000) -> dict[str, str]:
        self.now += step
        return {o.to: o.text for o in self.eng.handle(who, text, self.now)}

    def text(self, who: str, text: str, step: int = 1000) -> str:
        return self.all(who, text, step).get(who, "")


def _three(tmp_path: Path, name: str = "m.duckdb") -> tuple[Engine, Clock]:
    eng = staff_engine(tmp_path / name, sysops=("Ana",), extra=False)
    c = Clock(eng)
    for who in ("Ana", "Bob", "Cy"):
        c.all(who, "look")
    return eng, c


def test_a_muted_players_speech_reaches_nobody(tmp_path: Path) -> None:
    eng, c = _three(tmp_path)
    try:
        assert c.text("Ana", "/mute Cy 10m") == "Cy is muted for 10m."
        for speech in ("say hello", '"hello', "whisper Bob psst", "emote waves", ":waves"):
            out = c.all("Cy", speech)
            assert out == {"Cy": out["Cy"]}, out  # nobody else gets a thing
            assert out["Cy"].startswith("You are muted for 9m"), out
        assert c.text("Cy", "look").startswith("Hub")  # everything else works
        assert set(c.all("Cy", "say hi", step=10 * MIN)) == {"Ana", "Bob", "Cy"}  # over on time
    finally:
        eng.close()


def _speaking_module() -> types.ModuleType:
    """``mail`` and ``post`` as another system will provide them (issue 14), named like the contract."""

    def mail(ctx: Context) -> None:
        ctx.reply("mail ok")

    def post(ctx: Context) -> None:
        ctx.reply("post ok")

    module = types.ModuleType("tests_mail_post")
    module.VERBS = (Verb("mail", mail), Verb("post", post))  # type: ignore[attr-defined]
    return module


def test_the_mute_covers_mail_and_post_by_their_names(tmp_path: Path) -> None:
    assert {"say", "whisper", "emote", "mail", "post"} <= MUTED_VERBS
    modules = [m for m in default_modules() if not any(v.name in ("mail", "post") for v in getattr(m, "VERBS", ()))]
    eng = Engine(lab(), Database.open(tmp_path / "p.duckdb"), "h",
                 config=EngineConfig(seed=1, sysops=("Ana",)), modules=(*modules, _speaking_module()), now_ms=0)
    c = Clock(eng)
    try:
        c.all("Ana", "look")
        c.all("Cy", "look")
        c.text("Ana", "/mute Cy")
        assert c.text("Cy", "mail Ana hello there") == "You are muted."
        assert c.text("Cy", "post For sale: a lamp") == "You are muted."
        for reading in ("mail", "mail 1", "mail delete 1"):
            assert c.text("Cy", reading) == "mail ok"
        c.text("Ana", "/unmute Cy")
        assert c.text("Cy", "post For sale: a lamp") == "post ok"
    finally:
        eng.close()


def test_mutes_and_bans_survive_a_restart_and_end_on_time(tmp_path: Path) -> None:
    eng, c = _three(tmp_path)
    c.text("Ana", "/mute Cy 10m")
    c.text("Ana", "/ban Bob 1h")
    now = c.now
    eng.close()
    eng = staff_engine(tmp_path / "m.duckdb", sysops=("Ana",), extra=False)
    c = Clock(eng, now)
    try:
        assert c.text("Cy", "say hi", step=5 * MIN).endswith("You are muted for 4m59s.")  # after its login
        assert c.all("Bob", "look") == {}  # banned (notified when online): silence, even after a restart
        c.now += 6 * MIN
        assert c.text("Cy", "say hi").endswith("You say: hi")
        c.now += 50 * MIN
        assert "Hub" in c.all("Bob", "look")["Bob"]  # the ban is over
        c.now += 1000
        eng.tick(c.now)
        assert eng.db.query("SELECT count(*) FROM mutes")[0][0] == 0
        assert eng.db.query("SELECT count(*) FROM bans")[0][0] == 0
    finally:
        eng.close()


def test_a_node_banned_before_it_played_gets_one_notice_then_silence(tmp_path: Path) -> None:
    eng, c = _three(tmp_path)
    try:
        assert c.text("Ana", "/ban !0badc0de 1d flooding") == "Banned !0badc0de (!0badc0de) for 1d."
        assert c.all("!0badc0de", "look") == {"!0badc0de": "You are banned for 23h59m: flooding"}
        before = state_of(eng)
        for _ in range(3):
            assert c.all("!0badc0de", "look") == {}
        assert state_of(eng) == before  # no player made, nothing written but the journal
        assert eng.db.query("SELECT count(*) FROM players WHERE key = '!0badc0de'") == [(0,)]
        assert c.text("Ana", "/unban !0badc0de") == "!0badc0de is no longer banned."
        assert "Welcome" in c.text("!0badc0de", "look")
    finally:
        eng.close()


def test_kick_ends_the_session_after_the_command(tmp_path: Path) -> None:
    eng, c = _three(tmp_path)
    try:
        out = c.all("Ana", "/kick Cy")
        assert out["Cy"].startswith("Staff ended your session") and out["Bob"] == "Cy falls asleep."
        assert not eng.sessions.is_online("Cy")
        assert c.text("Ana", "/kick Cy") == "Cy is not online."
    finally:
        eng.close()


def test_players_fits_eight_in_one_frame_and_pages_the_rest(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "p.duckdb", sysops=("Ana",), extra=False)
    c = Clock(eng)
    names = ["Ana", *(f"Player_with_long_name_{i}" for i in range(10))]
    try:
        for i, name in enumerate(names):
            c.all(name, ["look", "n", "e", "w", "u", "d"][i % 6])
        c.text("Ana", "/promote Player_with_long_name_1 admin")
        eng.handle_batch([])
        made = [o for o in eng.handle("Ana", "/players", c.now + 10) if o.to == "Ana"]
        assert len(made) == 1 and len(made[0].frames) == 1, made
        frame = made[0].frames[0]
        assert utf8_len(frame) <= 200 and frame.endswith(" [MORE]")
        lines = frame.removesuffix(" [MORE]").splitlines()
        assert lines[0] == "Online 11:" and len(lines) == 9
        assert any(line.endswith(" a") for line in lines)  # the admin's level
        rest = c.text("Ana", "more")
        assert len(rest.splitlines()) == 3
        c.text("Ana", "/kick Player_with_long_name_9")
        c.text("Ana", "/kick Player_with_long_name_8")
        c.text("Ana", "/kick Player_with_long_name_7")
        frame = c.text("Ana", "/players")
        assert frame.startswith("Online 8:") and "[MORE]" not in frame and utf8_len(frame) <= 200
    finally:
        eng.close()
