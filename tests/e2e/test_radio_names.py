"""Players' names over the radio: a node the fake radio creates on first use is known by its
long name (not the library's "Meshtastic xxxx" stand-in), and a player created while its
NODEINFO was unknown takes the long name when it arrives — unique, sanitised, logged."""

from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pytest

from meshmush.fakeradio.__main__ import Console
from meshmush.fakeradio.node import FakeNode
from tests.e2e.harness import serving

pytestmark = pytest.mark.slow  # a real serve process and radio library


def _names(db: Path) -> dict[str, str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {str(k): str(n) for k, n in con.execute("SELECT key, name FROM players").fetchall()}
    finally:
        con.close()


def _replies(node: FakeNode, num: int, count: int) -> list[str]:
    assert node.wait_for(lambda: len(node.texts_to(num)) >= count, 30), [s.text for s in node.sent]
    return [s.text for s in node.texts_to(num)]


def test_names_come_from_the_radio_and_replace_placeholders(tmp_path: Path) -> None:
    node = FakeNode().start()
    try:
        with serving(tmp_path, node) as served:
            console = Console(node, io.StringIO())  # what `meshmush fakeradio` does with "Ana> look"
            assert console.line("Ana> look") is None
            ana = console.num("Ana")
            _replies(node, ana, 1)
            bob = 0x0000B0B5
            node.add_node(bob, "Bob the Builder", announce=False)  # its NODEINFO has not arrived
            node.send_text(bob, "look")
            _replies(node, bob, 1)
            node.send_text(ana, "who")
            assert "pb0b5" in _replies(node, ana, 2)[-1]
            node.announce(bob)  # now the radio hears who it is
            node.send_text(bob, "who")
            assert _replies(node, bob, 2)[-1] == "Online (2): Ana, Bob_the_Builder."
            twin = 0x0000C0C0
            node.add_node(twin, "Ana")  # the same long name again: made unique
            node.send_text(twin, "look")
            _replies(node, twin, 1)
            assert served.stop() == 0
        log = served.log_text()
    finally:
        node.stop()
    assert _names(served.db) == {"!" + f"{ana:08x}": "Ana", "!0000b0b5": "Bob_the_Builder", "!0000c0c0": "Ana2"}
    assert "Meshtastic" not in str(_names(served.db))
    assert "!0000b0b5 is now called Bob_the_Builder (was pb0b5)" in log, log
