"""A bad mesh between the players and our radio — packets lost, duplicated, delayed by seconds and
overtaking each other — through a real ``meshmush serve``: nothing is applied twice, every
acknowledged command's reply reaches the radio (or its loss is logged), and a quiet player's reply
still goes out in its turn."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from meshmush.fakeradio.node import Faults
from tests.e2e.harness import PLAYERS, fake_node, serving

pytestmark = pytest.mark.slow

ROUNDS = 8
PACING = 0.5  # a slot long enough that the engine's own delay on a busy machine stays inside one


def test_loss_duplicates_delay_and_reordering(tmp_path: Path) -> None:
    node = fake_node(Faults(loss=0.15, duplicate=0.3, delay_s=1.0, jitter_s=2.0, seed=5))
    ana, bob, cai = PLAYERS["Ana"], PLAYERS["Bob"], PLAYERS["Cai"]
    try:
        with serving(tmp_path, node, overrides={"transport": {"pacing_s": PACING}}) as served:
            for i in range(ROUNDS):
                node.send_text(ana, f"say ana {i}")
                node.send_text(bob, f"say bob {i}")
                time.sleep(0.05)
            time.sleep(3.5)  # every delayed packet has arrived
            node.faults.loss = node.faults.duplicate = node.faults.jitter_s = node.faults.delay_s = 0.0
            wall_offset = time.time() - time.monotonic()
            node.send_text(cai, "say cai here")  # the quiet one
            assert node.wait_for(lambda: any("cai here" in s.text for s in node.texts_to(cai)), 30)
            node.wait_for(lambda: False, 2.0)  # the queue empties
            assert served.stop() == 0
            log = served.log_text()
    finally:
        node.stop()
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        rows = con.execute("SELECT player, command, ok, at_ms FROM journal WHERE command LIKE 'say %'").fetchall()
    finally:
        con.close()
    commands = [(p, c) for p, c, _, _ in rows]
    assert len(commands) == len(set(commands)), "a duplicated packet was applied twice"
    assert len(commands) < 2 * ROUNDS + 1, "loss was simulated: some commands never arrived"
    # every acknowledged command's reply went to the radio (nothing was dropped: no loss logged)
    assert "dropped" not in log
    for player, command, ok, _ in rows:
        assert ok
        said = command.removeprefix("say ")
        num = int(player[1:], 16)
        assert any(f"You say: {said}" in s.text for s in node.texts_to(num)), (player, command)
    # The quiet player's reply: after the server had his command, at most one frame for each of
    # the two others whose replies may still wait (round robin), plus the frame already on the air.
    cai_at = next(at for p, c, _, at in rows if c == "say cai here") / 1000 - wall_offset
    reply = next(s for s in node.texts_to(cai) if "cai here" in s.text)
    before = [s for s in node.sent if s.portnum == 1 and cai_at < s.at < reply.at]
    assert len(before) <= 3, [(hex(s.to), s.text[:30]) for s in before]
