"""``meshmush fakeradio``: a fake Meshtastic node to play against without a radio.

    meshmush fakeradio --port 4403          # then: meshmush serve worlds/demo --tcp 127.0.0.1:4403
    meshmush fakeradio --pty                # prints a device path for: meshmush serve … --serial PATH

Type ``NAME> COMMAND`` to send a direct message from a simulated node called NAME (created on
first use), ``NAME>> TEXT`` to send it on the channel instead; everything the server transmits
is printed as ``[NAME] TEXT`` with the time since the previous transmission.  Each simulated
node has a public key made from its name, announced in the node list, and its direct messages
arrive as PKI-encrypted ones (as from a current phone app), so staff commands work; ``--plain``
sends plain-text DMs instead.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import threading
import time
import tty
from collections.abc import Sequence
from typing import TextIO

from . import protocol as pb
from .node import FakeNode, Sent


class Console:
    def __init__(self, node: FakeNode, out: TextIO, pki: bool = True) -> None:
        self.node = node
        self.out = out
        self.pki = pki
        self.names: dict[int, str] = {}
        self.last: float | None = None
        self.lock = threading.Lock()

    def num(self, name: str) -> int:
        for num, known in self.names.items():
            if known.lower() == name.lower():
                return num
        num = int.from_bytes(hashlib.sha256(name.lower().encode()).digest()[:4], "big") | 1
        while num in self.names or num in (self.node.node_num, pb.BROADCAST):
            num = (num + 2) & 0xFFFFFFFF
        self.names[num] = name
        self.node.add_node(num, name, public_key=key_of(name))  # a connected client hears its NODEINFO
        return num

    def on_sent(self, s: Sent) -> None:
        with self.lock:
            gap = "" if self.last is None else f" +{s.at - self.last:.1f}s"
            self.last = s.at
            who = self.names.get(s.to, s.to_id)
            body = s.text.replace("\n", "\n    ")
            self.out.write(f"[{who}{gap}, {s.size} B] {body}\n")
            self.out.flush()

    def line(self, text: str) -> str | None:
        """Handle one typed line; an error message for a line that is not ``NAME> TEXT``."""
        text = text.rstrip("\n")
        if not text.strip() or text.lstrip().startswith("#"):
            return None
        channel = ">>" in text and text.index(">>") == text.index(">")
        name, sep, rest = text.partition(">>" if channel else ">")
        name = name.strip()
        if not sep or not name or " " in name:
            return "type NAME> COMMAND (a direct message) or NAME>> TEXT (on the channel)"
        num = self.num(name)
        key = key_of(name) if self.pki and not channel else None
        self.node.send_text(num, rest.strip(), to=pb.BROADCAST if channel else None, pki_key=key)
        return None


def key_of(name: str) -> bytes:
    """A simulated node's public key: 32 bytes made from its name (stable across runs)."""
    return hashlib.sha256(b"meshmush fakeradio key " + name.lower().encode("utf-8")).digest()


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="meshmush fakeradio",
        description="A fake Meshtastic node to play against without a radio. Type NAME> COMMAND to send "
                    "a direct message from a simulated node called NAME, or NAME>> TEXT to send on the "
                    "channel; everything the server transmits is printed.",
        epilog="then, in another terminal: meshmush serve WORLD --tcp 127.0.0.1:4403 "
               "(or --serial PATH with --pty)",
    )
    p.add_argument("--port", type=int, default=4403, help="TCP port on 127.0.0.1 (default 4403)")
    p.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal instead of TCP")
    p.add_argument("--plain", action="store_true", help="send plain-text DMs, not PKI-encrypted ones")
    args = p.parse_args(argv)
    node = FakeNode(port=args.port)
    console = Console(node, sys.stdout, pki=not args.plain)
    node.on_sent = console.on_sent
    master = slave = -1
    try:
        if args.pty:
            master, slave = os.openpty()
            tty.setraw(master)
            tty.setraw(slave)
            node.serve_fd(master)
            print(f"fake node !{node.node_num:08x} on {os.ttyname(slave)}: "
                  f"meshmush serve WORLD --serial {os.ttyname(slave)}", flush=True)
        else:
            node.start()
            print(f"fake node !{node.node_num:08x} on 127.0.0.1:{node.port}: "
                  f"meshmush serve WORLD --tcp 127.0.0.1:{node.port}", flush=True)
    except OSError as exc:
        print(f"meshmush fakeradio: cannot listen on port {args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print("type NAME> COMMAND; Ctrl-D to quit", flush=True)
    try:
        for text in sys.stdin:
            problem = console.line(text)
            if problem:
                print(problem, file=sys.stderr, flush=True)
        time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        node.stop()
        for fd in (master, slave):
            if fd >= 0:
                os.close(fd)
    return 0


if __name__ == "__main__":
    sys.exit(main())
