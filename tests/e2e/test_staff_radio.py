"""Staff on the air, end to end (fake node ↔ real meshtastic library ↔ `meshmush serve` ↔ DuckDB):
a node number proves nothing, so staff commands count only in PKI-encrypted DMs from the key
first recorded for the node; a changed key holds the node's staff rights until a sysop trusts
it.  Also: a banned node gets one notice, then silence; the metrics line; a scheduled backup."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

import duckdb
import pytest

from meshmush.fakeradio import protocol as pb
from meshmush.fakeradio.node import FakeNode
from runtime.engine.permissions import DENIED, KEY_DENIED
from tests.e2e.harness import PACING, serving

ANA, BOB, CAI = 0x11111111, 0x22222222, 0x33333333
KEY_ANA = bytes(range(1, 33))
KEY_ANA_NEW = bytes(range(101, 133))
KEY_CAI = bytes(range(50, 82))

pytestmark = pytest.mark.slow


def _node() -> FakeNode:
    node = FakeNode()
    node.add_node(ANA, "Ana", public_key=KEY_ANA)
    node.add_node(BOB, "Bob")  # an old radio: no key
    node.add_node(CAI, "Cai", public_key=KEY_CAI)
    return node.start()


def _ask(node: FakeNode, sender: int, text: str, key: bytes | None = None, timeout: float = 20) -> str:
    """Send one DM and wait for the reply (the last frame to arrive for that node)."""
    before = len(node.texts_to(sender))
    node.send_text(sender, text, pki_key=key)
    assert node.wait_for(lambda: len(node.texts_to(sender)) > before, timeout), f"no reply to {text!r}"
    time.sleep(PACING * 2)  # a reply of several frames: let them all arrive
    return "\n".join(s.text for s in node.texts_to(sender)[before:])


def _audit(db: Path) -> list[tuple[str, str, str, str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT actor, action, target, detail, coalesce(result, 'ok') FROM audit ORDER BY seq")
        return [tuple(str(v) for v in r) for r in rows.fetchall()]  # type: ignore[misc]
    finally:
        con.close()


def test_staff_commands_need_pki_from_the_known_key(tmp_path: Path) -> None:
    staff = {"staff": {"sysop": [pb.node_id(ANA), pb.node_id(CAI)]}}
    node = _node()
    ana, cai = pb.node_id(ANA), pb.node_id(CAI)
    try:
        with serving(tmp_path, node, overrides=staff) as served:
            # A plain-text staff command (anyone can forge `from`) is refused and audited.
            assert _ask(node, ANA, "/players").endswith(KEY_DENIED)
            # A PKI DM from the key recorded for Ana (from the node list: trust on first use) works.
            assert _ask(node, ANA, "/players", KEY_ANA).startswith("Online 1:")
            # A player is refused with the one reply every staff command gives.
            assert _ask(node, BOB, "/players").endswith(DENIED)
            assert _ask(node, CAI, "look", KEY_CAI)
            # Ana's radio announces a new key: her staff rights are held, with the new key and
            # with the old one, until a sysop trusts it; the sysops online are told.
            node.send_node_info(ANA, KEY_ANA_NEW)
            time.sleep(0.5)
            assert _ask(node, ANA, "/players", KEY_ANA_NEW) == KEY_DENIED
            assert _ask(node, ANA, "/players", KEY_ANA) == KEY_DENIED
            told = [s.text for s in node.texts_to(CAI)]
            assert any("Radio key of Ana changed" in t for t in told), told
            assert _ask(node, ANA, "look", KEY_ANA_NEW)  # playing goes on meanwhile
            reply = _ask(node, CAI, "/trust Ana", KEY_CAI)
            assert reply.startswith("Ana's new key ") and reply.endswith(" is trusted."), reply
            assert _ask(node, ANA, "/players", KEY_ANA_NEW).startswith("Online 3:")
            assert served.stop() == 0
    finally:
        node.stop()
    rows = _audit(served.db)
    denied = [(actor, action, detail) for actor, action, _t, detail, result in rows if result == "denied"]
    assert (ana, "players", "not a PKI-encrypted DM") in denied
    assert (pb.node_id(BOB), "players", "needs moderator; has player") in denied
    assert (ana, "players", "the node's key changed; waiting for a sysop's /trust") in denied
    assert any(a == ana and act == "key_changed" for a, act, *_ in rows)
    assert [r[:3] for r in rows if r[1] == "trust"] == [(cai, "trust", "Ana")]
    assert ("@config", "promote", "Ana") in [r[:3] for r in rows]
    log = served.log_text()
    assert "public key changed" in log and "trusted by Cai" in log


def test_a_banned_node_gets_one_notice_then_silence(tmp_path: Path) -> None:
    overrides = {"staff": {"sysop": [pb.node_id(ANA)]}, "metrics": {"interval_s": 1.0}}
    node = _node()
    try:
        with serving(tmp_path, node, overrides=overrides) as served:
            assert _ask(node, BOB, "look")
            assert _ask(node, ANA, "/ban Bob 1h flooding", KEY_ANA).endswith(f"Banned Bob ({pb.node_id(BOB)}) for 1h.")
            notices = [s.text for s in node.texts_to(BOB)]
            assert notices[-1].endswith("You are banned for 1h: flooding"), notices
            count = len(node.texts_to(BOB))
            for _ in range(5):
                node.send_text(BOB, "look")
                time.sleep(0.05)
            assert _ask(node, ANA, "look", KEY_ANA)  # the server is alive and answering others
            time.sleep(PACING * 4)
            assert len(node.texts_to(BOB)) == count  # not one more frame on air for Bob
            assert node.wait_for(lambda: '"metrics"' in served.log_text(), 10), served.log_text()
            assert served.stop() == 0
    finally:
        node.stop()
    metrics = [e["metrics"] for e in served.log_entries() if "metrics" in e]
    assert metrics and isinstance(metrics[-1], dict)
    assert metrics[-1]["players"] == 2 and metrics[-1]["transport"]["frames_last_hour"] >= 3
    # the first scheduled backup was taken at start-up, privately
    folder = served.db.with_name(served.db.stem + ".backups")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    manifests = sorted(folder.glob("*.json"))
    assert manifests, os.listdir(folder)
    assert json.loads(manifests[0].read_text())["kind"] == "scheduled"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in folder.iterdir())
