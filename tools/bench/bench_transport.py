"""Radio transport benchmark: 10/50/100 simulated nodes play the demo world through the fake
node and the real ``meshtastic`` library, with the pacing shortened so the run takes seconds.

Prints, per node count: commands, frames per command, bytes on air per command (the scarce
resource: every frame is ~2 s of LongFast airtime), queue wait p50/p99 in seconds and in pacing
slots (scale-free: multiply slots by 2.5 s for the real pacing), drops, and the smallest gap
between two transmissions.  ``--write-docs`` records the table in docs/performance.md.

    python -m meshmush.bench.bench_transport [--nodes 10 50 100] [--commands 5] [--pacing 0.02]
"""

from __future__ import annotations

import argparse
import itertools
import logging
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from runtime.engine.engine import Engine, EngineConfig
from runtime.image.codec import read_header, write_image
from runtime.store.db import Database
from runtime.transport.config import ServeConfig, parse_config
from runtime.transport.meshtastic_link import LinkSettings, MeshtasticLink, RadioTarget, TextIn
from runtime.transport.server import Server, TextCommand

from ..fakeradio.node import FakeNode
from .report import machine, percentile, table, write_section

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = ["look", "n", "s", "e", "w", "i", "who", "say hello", "x gazebo", "help", "take lamp", "drop lamp"]


def _world() -> tuple[object, str]:
    from compiler.api import compile_world
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    world = compile_world(ROOT / "worlds" / "demo", diags)
    if world is None:
        raise SystemExit("the demo world does not compile")
    return world, read_header(write_image(world)).content_hash


def run(nodes: int, per_node: int, pacing: float, seed: int) -> list[object]:
    logging.getLogger("meshmush").setLevel(logging.ERROR)
    world, image_hash = _world()
    rng = random.Random(seed)
    node = FakeNode(faults=None)
    nums = [0x10000000 + i for i in range(nodes)]
    for i, num in enumerate(nums):
        node.add_node(num, f"Player{i}")
    node.start()
    cfg: ServeConfig = parse_config({
        "transport": {"pacing_s": pacing, "queue_frames": max(64, nodes * 4)},
        "rate_limit": {"burst": 100, "per_minute": 6000},
        "engine": {"tick_s": 1.0},
    })
    with tempfile.TemporaryDirectory() as tmp:
        db = Database.open(Path(tmp) / "bench.duckdb")
        engine = Engine(world, db, image_hash, config=EngineConfig(frame_bytes=200))  # type: ignore[arg-type]

        def make_radio(deliver: Callable[[TextCommand], None]) -> MeshtasticLink:
            def on_text(msg: TextIn) -> None:
                deliver(TextCommand(msg.sender, msg.packet_id, msg.text, msg.direct, msg.name))

            link = MeshtasticLink(RadioTarget("tcp", "127.0.0.1", node.port), on_text, LinkSettings(want_ack=False))
            link.connect()
            return link

        server = Server(engine, make_radio, cfg)
        runner = threading.Thread(target=server.run, daemon=True)
        runner.start()
        total = nodes * per_node
        # Players act like people: one command, then wait for the answer before the next.
        answered = {num: 0 for num in nums}
        started = time.monotonic()
        for round_no in range(per_node):
            for num in rng.sample(nums, len(nums)):
                node.send_text(num, "look" if round_no == 0 else rng.choice(COMMANDS))
            want = (round_no + 1) * nodes
            node.wait_for(lambda want=want: server.stats.commands >= want and len(server.out) == 0,  # type: ignore[misc]
                          timeout=600)
            for num in nums:
                answered[num] = len(node.texts_to(num))
        elapsed = time.monotonic() - started
        server.request_stop()
        runner.join(60)
        frames = list(node.sent)
        node.stop()
    texts = [s for s in frames if s.portnum == 1]
    waits = list(server.stats.queue_waits)
    gaps = [b.at - a.at for a, b in itertools.pairwise(texts)]
    return [
        nodes,
        total,
        f"{len(texts) / total:.2f}",
        f"{sum(s.size for s in texts) / total:.0f}",
        f"{percentile(waits, 50):.3f} s / {percentile(waits, 50) / pacing:.1f}",
        f"{percentile(waits, 99):.3f} s / {percentile(waits, 99) / pacing:.1f}",
        server.out.dropped_frames,
        f"{min(gaps):.3f} s" if gaps else "-",
        f"{elapsed:.1f} s",
    ]


HEADERS = ["nodes", "commands", "frames/cmd", "bytes/cmd", "queue wait p50 (s / slots)",
           "queue wait p99 (s / slots)", "dropped frames", "min gap", "run time"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, nargs="+", default=[10, 50, 100])
    p.add_argument("--commands", type=int, default=5, help="commands per node")
    p.add_argument("--pacing", type=float, default=0.02, help="seconds between transmissions")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--write-docs", action="store_true")
    args = p.parse_args()
    rows = []
    for n in args.nodes:
        row = run(n, args.commands, args.pacing, args.seed)
        print(" | ".join(str(c) for c in row), flush=True)
        rows.append(row)
    text = (
        f"Radio transport ({machine()}): `python -m meshmush.bench.bench_transport --commands {args.commands}"
        f" --pacing {args.pacing}`.\nSimulated nodes play the demo world through the fake node and the real"
        " `meshtastic` TCPInterface; each node sends one command per round and waits for all answers"
        " (people read before they type).  Queue waits are also given in pacing slots: multiply by 2.5 s"
        " for the real pacing.\n\n" + table(HEADERS, rows)
    )
    print(text)
    if args.write_docs:
        write_section("transport", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
