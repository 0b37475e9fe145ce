"""Issue 11, item 8: junk from the air.  A packet from 0xffffffff, telemetry (port 67) that is
not telemetry, a text that is not UTF-8: serve's JSON log stays one JSON object per line (the
radio library's tracebacks are routed through our log), the bad text gets a log line naming its
sender, and the players who behave are answered as usual."""

from __future__ import annotations

import json
import time
from pathlib import Path

import duckdb
import pytest

from tests.e2e.harness import PACING, PLAYERS, fake_node, received, serving, wait_counts

TELEMETRY_APP = 67


@pytest.mark.slow
def test_junk_packets_keep_the_log_json_and_the_server_answering(tmp_path: Path) -> None:
    ana = PLAYERS["Ana"]
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            node.send_payload(0xFFFFFFFF, b"\xff\x00junk\x99", portnum=TELEMETRY_APP)
            node.send_payload(ana, b"\x08" + b"\xff" * 11 + b"junk", portnum=TELEMETRY_APP)
            node.send_payload(ana, b"caf\xe9 \xff", packet_id=0xBAD)  # a text, but not UTF-8
            node.send_text(0xFFFFFFFF, "look")  # "from" the broadcast address
            node.send_text(ana, "look")
            assert wait_counts(node, {"Ana": 1}, 30), served.log_text()
            time.sleep(PACING * 4)
            assert served.stop() == 0
    finally:
        node.stop()
    assert received(node)["Ana"][0].startswith("Welcome to Radio Test!\nSquare"), received(node)
    entries = []
    for line in served.log_text().splitlines():
        entries.append(json.loads(line))  # every line: fails on a raw traceback
    assert any(e["logger"] == "meshmush.stray" and "DecodeError" in str(e["msg"]) and "exc" in e
               for e in entries), entries
    assert any("not UTF-8" in str(e["msg"]) and "!11111111" in str(e["msg"]) and "00000bad" in str(e["msg"])
               for e in entries), entries
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        players = [r[0] for r in con.execute("SELECT key FROM players").fetchall()]
    finally:
        con.close()
    assert players == ["!11111111"]
