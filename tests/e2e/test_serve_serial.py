"""The serial path: the library's SerialInterface on a pseudo-terminal whose other side is the
fake node (a USB radio, without the radio)."""

from __future__ import annotations

import os
import time
import tty
from pathlib import Path

import pytest

from meshmush.fakeradio.node import FakeNode
from tests.e2e.harness import PACING, PLAYERS, expected_frames, play_like_people, received, serving

pytestmark = pytest.mark.slow  # a real serve process and radio library


def test_serial_port_play(tmp_path: Path) -> None:
    master, slave = os.openpty()
    tty.setraw(master)
    tty.setraw(slave)
    node = FakeNode()
    for name, num in PLAYERS.items():
        node.add_node(num, name)
    node.serve_fd(master)
    script = ["Ana> look", "Bob> look", "Ana> say hi"]
    expected = expected_frames(script)
    try:
        with serving(tmp_path, node, radio=["--serial", os.ttyname(slave)]) as served:
            play_like_people(node, script)
            time.sleep(PACING * 2)
            assert received(node) == expected
            assert served.stop() == 0, served.log_text()
    finally:
        node.stop()
        os.close(slave)
        os.close(master)
