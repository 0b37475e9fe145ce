"""Crowds on one radio, through a real ``meshmush serve`` and the fake node: a flood of invented
node numbers neither becomes a crowd of players nor delays a regular player's answer."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.harness import PACING, PLAYERS, fake_node, serving, wait_counts

pytestmark = pytest.mark.slow

SPOOFED = 1000
ADMISSION = {"new_per_minute": 1.0, "new_burst": 3, "max_newcomers": 5, "established_after_min": 0.01}


def test_a_flood_of_invented_nodes_does_not_delay_an_established_player(tmp_path: Path) -> None:
    node = fake_node()
    ana = PLAYERS["Ana"]
    try:
        with serving(tmp_path, node, overrides={"admission": ADMISSION}) as served:
            node.send_text(ana, "look")
            assert wait_counts(node, {"Ana": 1}, 20)
            time.sleep(1.0)  # Ana is established after 0.6 s
            for i in range(SPOOFED):  # one "say" from each of a thousand invented node numbers
                node.send_text(0x50000000 + i, "say hello everyone")
            wall_offset = time.time() - time.monotonic()
            node.send_text(ana, "bal")
            assert node.wait_for(lambda: any("$" in s.text for s in node.texts_to(ana)), 60), served.log_text()
            time.sleep(PACING * 6)
            assert served.stop() == 0
    finally:
        node.stop()
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        players = con.execute("SELECT count(*) FROM players").fetchone()
        (received_ms,) = con.execute(
            "SELECT max(at_ms) FROM journal WHERE player = ? AND command = 'bal'", [f"!{ana:08x}"]
        ).fetchone() or (None,)
    finally:
        con.close()
    assert players is not None and players[0] <= 1 + ADMISSION["new_burst"] + 1, players
    assert received_ms is not None
    # Frames sent between the moment the server took Ana's command and her reply: at most 3 slots.
    reply = next(s for s in node.texts_to(ana) if "$" in s.text)
    received_at = received_ms / 1000 - wall_offset  # on this process's monotonic clock
    before = [s for s in node.sent if s.portnum == 1 and received_at < s.at < reply.at]
    assert len(before) <= 3, [(hex(s.to), s.text[:30]) for s in before]
    # The invented nodes that got in were served too, but nothing else answered the flood.
    answered = {s.to for s in node.sent if s.portnum == 1 and s.to >= 0x50000000}
    assert len(answered) <= ADMISSION["new_burst"] + 1
