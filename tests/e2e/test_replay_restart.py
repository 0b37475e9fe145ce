"""Issue 11, item 2, end to end: ``pay Bob 1.00`` with packet id 0x5150, the server killed
(SIGKILL) after the reply and started again on the same database, the same packet again: no
second payment and no reply — the (node, packet id) was written with the payment itself."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.harness import PACING, PLAYERS, fake_node, received, serving, wait_counts


def _balances(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {str(n): int(b) for n, b in con.execute("SELECT name, balance FROM players").fetchall()}
    finally:
        con.close()


@pytest.mark.slow
def test_the_same_packet_after_a_restart_does_not_pay_twice(tmp_path: Path) -> None:
    ana, bob = PLAYERS["Ana"], PLAYERS["Bob"]
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            node.send_text(bob, "look", packet_id=0x1001)
            node.send_text(ana, "look", packet_id=0x1002)
            assert wait_counts(node, {"Ana": 1, "Bob": 1}, 30), served.log_text()
            node.send_text(ana, "pay Bob 1.00", packet_id=0x5150)
            assert wait_counts(node, {"Ana": 2}, 30), (received(node), served.log_text())
            served.proc.kill()  # the reply went out, so the payment had committed
            served.proc.wait()
    finally:
        node.stop()
    assert received(node)["Ana"][1].startswith("You pay Bob $1.00."), received(node)
    assert _balances(served.db) == {"Ana": 400, "Bob": 600}

    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            node.send_text(ana, "pay Bob 1.00", packet_id=0x5150)  # the replay
            node.send_text(ana, "bal", packet_id=0x5152)
            assert wait_counts(node, {"Ana": 1}, 30), served.log_text()
            time.sleep(PACING * 4)  # anything more would have come by now
            texts = received(node)["Ana"]
            assert served.stop() == 0
    finally:
        node.stop()
    assert len(texts) == 1 and texts[0].endswith("You have $4.00."), texts
    assert _balances(served.db) == {"Ana": 400, "Bob": 600}
    assert any("replayed packet 00005150" in str(e["msg"]) for e in served.log_entries()), served.log_text()
