"""Radio transport benchmark: 10/50/100/500 simulated nodes play the demo world through the fake
node and the real ``meshtastic`` library, with the pacing shortened so the run takes minutes.

Every node first sends LOOK (first contact: a new player, a welcome), then one command a round
from an Evennia-style mix (moves, look, say, emote, inventory, who, examine), and waits for the
round's answers before the next (people read before they type).  Everyone starts in the same
room, so rooms are crowded and every move or word is news to many others.

Prints, per node count: commands, frames and bytes on air per command (the scarce resource: every
frame is ~2 s of LongFast airtime), the wait of each own reply's first frame in pacing slots
(p50/p99) next to the number of players whose replies were already waiting when it was queued
(fair service means the first is at most the second + 1, the frame already on the air), own reply frames dropped (handed
back for MORE; must be 0), notice lines coalesced/cancelled/aged out, the CPU time of the 500 (or
N) first-contact LOOKs, and the smallest gap between two transmissions.  Notices age out after
``--notice-slots`` pacing slots (the default 24 slots is 60 s at the real 2.5 s pacing).
``--write-docs`` records the table in docs/performance.md.

    python -m meshmush.bench.bench_transport [--nodes 10 50 100 500] [--commands 5] [--pacing 0.02]
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
MIX = ["look", "n", "s", "say hello", "emote waves", "i", "who", "x lantern", "e", "w", "look", "say bye"]


def _world() -> tuple[object, str]:
    from compiler.api import compile_world
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    world = compile_world(ROOT / "worlds" / "demo", diags)
    if world is None:
        raise SystemExit("the demo world does not compile")
    return world, read_header(write_image(world)).content_hash


def _server_cpu() -> dict[int, float]:
    """CPU seconds of each thread of the server side (the engine, the sender, the ``meshtastic``
    library's reader), leaving out the fake node's threads and this driver (the main thread)."""
    out: dict[int, float] = {}
    for t in threading.enumerate():
        if t is threading.main_thread() or t.name.startswith("fakeradio") or t.native_id is None:
            continue
        try:
            out[t.native_id] = time.clock_gettime(time.pthread_getcpuclockid(t.ident or 0))
        except (OSError, ProcessLookupError):  # the thread ended meanwhile
            continue
    return out


def run(nodes: int, per_node: int, pacing: float, notice_slots: float, seed: int) -> list[object]:
    logging.getLogger("meshmush").setLevel(logging.ERROR)
    world, image_hash = _world()
    rng = random.Random(seed)
    node = FakeNode(faults=None)
    nums = [0x10000000 + i for i in range(nodes)]
    for i, num in enumerate(nums):
        node.add_node(num, f"Player{i}")
    node.start()
    cfg: ServeConfig = parse_config({
        "transport": {"pacing_s": pacing, "queue_frames": max(64, nodes * 4),
                      "notice_max_age_s": notice_slots * pacing},
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
        started = time.monotonic()
        first_contact_cpu = 0.0
        for round_no in range(per_node):
            cpu = _server_cpu()
            for num in rng.sample(nums, len(nums)):
                node.send_text(num, "look" if round_no == 0 else rng.choice(MIX))
            want = (round_no + 1) * nodes
            node.wait_for(lambda want=want: server.stats.commands >= want and len(server.out) == 0,  # type: ignore[misc]
                          timeout=1800)
            if round_no == 0:
                first_contact_cpu = sum(t - cpu.get(i, 0.0) for i, t in _server_cpu().items())
        elapsed = time.monotonic() - started
        server.request_stop()
        runner.join(60)
        frames = list(node.sent)
        node.stop()
    texts = [s for s in frames if s.portnum == 1]
    waits = [slots for _, slots, _ in server.stats.reply_waits]
    ahead = [a for _, _, a in server.stats.reply_waits]
    fair = sum(1 for _, slots, a in server.stats.reply_waits if slots <= a + 1) / max(1, len(waits))
    gaps = [b.at - a.at for a, b in itertools.pairwise(texts)]
    out = server.out
    return [
        nodes,
        total,
        f"{len(texts) / total:.2f}",
        f"{sum(s.size for s in texts) / total:.0f}",
        f"{percentile(waits, 50):.0f} / {percentile(waits, 99):.0f}",
        f"{percentile(ahead, 50):.0f} / {percentile(ahead, 99):.0f}",
        f"{100 * fair:.1f} %",
        out.dropped_frames,
        f"{out.notes_sent} / {out.notes_cancelled} / {out.notes_expired + out.notes_overflowed}",
        f"{first_contact_cpu:.2f} s",
        f"{min(gaps):.3f} s" if gaps else "-",
        f"{elapsed:.1f} s",
    ]


HEADERS = ["nodes", "commands", "frames/cmd", "bytes/cmd", "own reply wait p50 / p99 (slots)",
           "players waiting ahead p50 / p99", "replies within ahead + 1 slots", "own reply frames dropped",
           "notice lines sent / cancelled / aged out", "CPU of first-contact LOOKs", "min gap", "run time"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, nargs="+", default=[10, 50, 100, 500])
    p.add_argument("--commands", type=int, default=5, help="commands per node")
    p.add_argument("--pacing", type=float, default=0.02, help="seconds between transmissions")
    p.add_argument("--notice-slots", type=float, default=24.0, help="notice age limit, in pacing slots")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--write-docs", action="store_true")
    args = p.parse_args()
    rows = []
    for n in args.nodes:
        row = run(n, args.commands, args.pacing, args.notice_slots, args.seed)
        print(" | ".join(str(c) for c in row), flush=True)
        rows.append(row)
    text = (
        f"Radio transport ({machine()}): `python -m meshmush.bench.bench_transport --commands {args.commands}"
        f" --pacing {args.pacing} --notice-slots {args.notice_slots:g}`.\nSimulated nodes play the demo world"
        " through the fake node and the real `meshtastic` TCPInterface, all starting in one room; each sends"
        " LOOK, then one command a round from an Evennia-style mix, and waits for the round's answers (people"
        " read before they type).  Waits are in pacing slots (multiply by 2.5 s for the real pacing); an own"
        " reply is fairly served when no more frames go before it than there were players with replies"
        " already waiting (+1: the frame already on the air).  The"
        " CPU column is the server's threads (engine, sender, the `meshtastic` library's reader) during the"
        " first-contact round, the fake node left out.\n\n" + table(HEADERS, rows)
    )
    print(text)
    if args.write_docs:
        write_section("transport", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
