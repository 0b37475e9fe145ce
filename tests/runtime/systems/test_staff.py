"""Staff levels, grants, the first sysop and radio keys, through the engine."""

from __future__ import annotations

import base64
from pathlib import Path

from runtime.engine.io import Incoming
from runtime.engine.permissions import DENIED, KEY_DENIED
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.staff_helpers import audit_of, staff_engine

K1 = base64.b64encode(bytes(range(32))).decode()
K2 = base64.b64encode(bytes(range(1, 33))).decode()


def test_the_first_sysop_comes_from_the_configuration_and_stays(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "s.duckdb", sysops=("Ana",), extra=False)
    d = Driver(eng)
    try:
        d.send("Ana", "look")
        d.send("Bob", "look")
        assert eng.db.query("SELECT level FROM players WHERE key = 'Ana'") == [("sysop",)]
        assert audit_of(eng)[0][1:] == ("@config", "promote", "Ana", "ok")
        assert d.text("Bob", "/promote Bob sysop") == DENIED
        assert d.text("Ana", "/promote Bob sysop") == "Bob is now sysop."
        assert d.text("Bob", "/demote Ana player") == "Ana is a sysop by the server's configuration; change it there."
        assert d.text("Ana", "/demote Bob admin") == "Bob is now admin."
        assert d.text("Bob", "/promote Bob sysop") == DENIED
        assert d.text("Bob", "/ban Ana") == "You can't ban Ana: sysop is not below your level."
    finally:
        eng.close()
    # the configuration no longer names Ana: her stored level stays, and another sysop may demote her
    eng = staff_engine(tmp_path / "s.duckdb", sysops=("Cy",), extra=False)
    d = Driver(eng)
    try:
        d.send("Cy", "look")
        assert d.text("Cy", "/demote Ana player") == "Ana is now player."
    finally:
        eng.close()


def test_audit_lists_the_newest_rows_with_their_results(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "a.duckdb", sysops=("Ana",), extra=False)
    d = Driver(eng)
    try:
        d.send("Ana", "look")
        d.send("Bob", "look")
        d.send("Bob", "/kick Ana")
        d.send("Ana", "/promote Ana admin")
        d.send("Ana", "/mute Bob 5m")
        lines = d.text("Ana", "/audit 3").splitlines()
        assert lines == ["#2 3s ago Bob kick Ana: needs moderator; has player DENIED",
                         "#3 2s ago Ana promote Ana admin: You can't promote yourself. REFUSED",
                         "#4 1s ago Ana mute Bob: for 5m"]
        assert d.text("Ana", "/audit x") == "Usage: /audit [N] (N up to 50)"
        assert len(d.text("Ana", "/audit 500").splitlines()) == 6
    finally:
        eng.close()



def test_radio_staff_need_pki_from_the_first_key(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "r.duckdb", sysops=("!a1b2c3d4", "!00000002"), verify_keys=True, extra=False)
    now = [0]

    def say(who: str, text: str, pki: bool = False, key: str = "", node_key: str = "") -> str:
        now[0] += 1000
        out = eng.handle_batch([Incoming(who, text, now[0], None, pki=pki, public_key=key, node_key=node_key)])
        return "\n".join(o.text for o in out if o.to == who)

    try:
        say("!a1b2c3d4", "look", node_key=K1)  # NODEINFO gave K1: recorded
        assert eng.db.query("SELECT public_key FROM node_keys WHERE node = '!a1b2c3d4'") == [(K1,)]
        assert say("!a1b2c3d4", "/players") == KEY_DENIED
        assert say("!a1b2c3d4", "/players", pki=True, key=K1, node_key=K1).startswith("Online 1:")
        say("!00000002", "look", pki=True, key=K2, node_key=K2)  # the other sysop
        # the key changes: held until a sysop trusts it
        assert say("!a1b2c3d4", "/players", pki=True, key=K2, node_key=K2) == KEY_DENIED
        assert say("!a1b2c3d4", "/players", pki=True, key=K1, node_key=K1) == KEY_DENIED
        assert say("!a1b2c3d4", "look", pki=True, key=K2).startswith("Hub")  # playing goes on
        row = eng.db.query("SELECT public_key, pending_key FROM node_keys WHERE node = '!a1b2c3d4'")
        assert row == [(K1, K2)]
        trusted = say("!00000002", "/trust !a1b2c3d4", pki=True, key=K2, node_key=K2)
        assert trusted.endswith("is trusted."), trusted
        assert say("!a1b2c3d4", "/players", pki=True, key=K2, node_key=K2).startswith("Online 2:")
        assert say("!a1b2c3d4", "/players", pki=True, key=K1, node_key=K2) == KEY_DENIED
        actions = [(a, act, r) for _s, a, act, _t, r in audit_of(eng)]
        assert ("!a1b2c3d4", "key_recorded", "ok") in actions
        assert ("!a1b2c3d4", "key_changed", "ok") in actions
        assert ("!a1b2c3d4", "players", "denied") in actions
        assert ("!00000002", "trust", "ok") in actions
    finally:
        eng.close()


def test_play_has_no_keys(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "p.duckdb", sysops=("Ana",), verify_keys=False, extra=False)
    d = Driver(eng)
    try:
        assert d.text("Ana", "/players").endswith("Online 1:\nAna hub 0s s")
        assert d.text("Ana", "/trust Ana") == "No radio key is recorded for Ana."
    finally:
        eng.close()
