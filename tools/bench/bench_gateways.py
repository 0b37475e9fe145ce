"""Gateways benchmark: how many frames a minute the world delivers with 1, 2 and 4 radios.

Per run: a real broker (mosquitto, or amqtt), N fake nodes, N ``meshmush gateway`` processes
(the real ``meshtastic`` and paho libraries, each radio paced), and the world's server in this
process (``Server`` with ``MqttServerLink``, the demo world on a DuckDB file).  Each radio has its
own players (its hill); a quarter of them are heard by a neighbouring radio too, more weakly (the
server runs those commands once and answers through the better radio).  Every player keeps one
command in flight — the next goes when something arrives for it, or after a few pacing slots — so
every radio always has frames waiting: the figure is the airtime capacity, not the offered load.

The pacing is shortened (``--pacing``, default 0.25 s for the real 2.5 s): frames a minute are
given at the real pacing (measured frames per slot × 24 slots a minute).  Also per run: frames per
radio, the estimated airtime per radio (LongFast, ``runtime.transport.airtime``) as a share of the
measured window at the real pacing, commands run, and reply frames handed back for MORE.
``--write-docs`` records the table in docs/performance.md.

    python -m meshmush.bench.bench_gateways [--gateways 1 2 4] [--players 6] [--seconds 30] [--pacing 0.25]
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from runtime.engine.engine import Engine, EngineConfig
from runtime.image.codec import read_header, write_image
from runtime.store.db import Database
from runtime.transport.airtime import airtime_s
from runtime.transport.config import ServeConfig, parse_config, parse_mqtt_url
from runtime.transport.mqtt_server import MqttServerLink
from runtime.transport.server import Link, Server

from ..fakeradio.node import FakeNode
from ..mqtt_broker import Broker, broker_kind
from .report import machine, table, write_section

ROOT = Path(__file__).resolve().parents[2]
REAL_PACING = 2.5
MIX = ["look", "i", "who", "say hello", "x lantern", "emote waves", "look", "bal"]


def _world() -> tuple[object, str]:
    from compiler.api import compile_world
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    world = compile_world(ROOT / "worlds" / "demo", diags)
    if world is None:
        raise SystemExit("the demo world does not compile")
    return world, read_header(write_image(world)).content_hash


def _toml(sections: dict[str, dict[str, object]]) -> str:
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            lines.append(f"{key} = {value!r}" if not isinstance(value, str) else f'{key} = "{value}"')
    return "\n".join(lines).replace("True", "true").replace("False", "false") + "\n"


@dataclass
class Player:
    num: int
    home: int  # the radio that hears it best
    also: int | None  # a neighbour that hears it weakly
    seen: int = 0
    sent_at: float = 0.0


def run(gateways: int, players: int, seconds: float, pacing: float, seed: int) -> list[object]:
    logging.getLogger("meshmush").setLevel(logging.ERROR)
    rng = random.Random(seed)
    world, image_hash = _world()
    exe = Path(sys.executable).parent / "meshmush"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "meshmush.cli"]
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        broker = Broker(tmp / "broker").start()
        nodes = [FakeNode(node_num=0x4D470000 + i) for i in range(gateways)]
        crowd: list[Player] = []
        for g in range(gateways):
            for i in range(players):
                also = (g + 1) % gateways if gateways > 1 and i % 4 == 0 else None
                crowd.append(Player(0x20000000 + g * 1000 + i, g, also))
        for pl in crowd:
            nodes[pl.home].add_node(pl.num, f"P{pl.num & 0xFFFF:x}")
            if pl.also is not None:
                nodes[pl.also].add_node(pl.num, f"P{pl.num & 0xFFFF:x}")
        for node in nodes:
            node.start()
        sections: dict[str, dict[str, object]] = {
            "transport": {"pacing_s": pacing, "notice_max_age_s": 24 * pacing},
            "radio": {"want_ack": False, "connect_timeout_s": 20.0},
            "rate_limit": {"burst": 100, "per_minute": 6000.0},
            "mqtt": {"protocol": broker.protocol, "stats_interval_s": 1.0, "keepalive_s": 10},
            "log": {"level": "error"},
        }
        (tmp / "gw.toml").write_text(_toml(sections), encoding="utf-8")
        procs = [subprocess.Popen([*cmd, "gateway", "--tcp", f"127.0.0.1:{node.port}", "--mqtt", broker.url,
                                   "--id", f"g{i}", "--config", str(tmp / "gw.toml")],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
                 for i, node in enumerate(nodes)]
        cfg: ServeConfig = parse_config({k: v for k, v in sections.items() if k != "log"})
        db = Database.open(tmp / "bench.duckdb")
        engine = Engine(world, db, image_hash, config=EngineConfig(frame_bytes=200))  # type: ignore[arg-type]
        holder: dict[str, MqttServerLink] = {}

        def make_link(server: Server) -> Link:
            holder["link"] = MqttServerLink(server, cfg, parse_mqtt_url(broker.url))
            return holder["link"]

        server = Server(engine, None, cfg, link_factory=make_link)
        runner = threading.Thread(target=server.run, daemon=True)
        runner.start()
        try:
            deadline = time.monotonic() + 60
            while not all(holder["link"].router.online(f"g{i}") for i in range(gateways)):
                if time.monotonic() > deadline:
                    raise SystemExit("the gateways did not come online within 60 s")
                time.sleep(0.1)
            warm = time.monotonic() + 4 * pacing * players  # first contacts (welcomes) first
            start_counts: list[int] | None = None
            started = 0.0
            end = float("inf")
            commands_at_start = 0
            while time.monotonic() < end:
                now = time.monotonic()
                if start_counts is None and now >= warm:
                    start_counts = [sum(1 for s in n.sent if s.portnum == 1) for n in nodes]
                    started, end = now, now + seconds
                    commands_at_start = server.stats.commands
                for pl in crowd:
                    got = sum(len(n.texts_to(pl.num)) for n in nodes)
                    if got > pl.seen or now - pl.sent_at > 6 * pacing:
                        text = "look" if not pl.sent_at else rng.choice(MIX)
                        pl.seen = got
                        pl.sent_at = now
                        pid = nodes[pl.home].send_text(pl.num, text, snr=rng.uniform(2, 10))
                        if pl.also is not None:
                            nodes[pl.also].send_text(pl.num, text, packet_id=pid, snr=rng.uniform(-15, -5))
                time.sleep(0.02)
            elapsed = time.monotonic() - started
            assert start_counts is not None
            per_radio = [sum(1 for s in n.sent if s.portnum == 1 and s.at >= started) for n in nodes]
            air = [sum(airtime_s(s.size) for s in n.sent if s.portnum == 1 and s.at >= started) for n in nodes]
            commands = server.stats.commands - commands_at_start
            dropped = sum(s.dropped_frames for s in server.gateway_stats())
        finally:
            server.request_stop()
            runner.join(60)
            for proc in procs:
                proc.send_signal(signal.SIGTERM)
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for node in nodes:
                node.stop()
            broker.stop()
    slots = elapsed / pacing  # pacing slots in the window, per radio
    total = sum(per_radio)
    per_minute = total / slots * (60 / REAL_PACING)
    window_real = slots * REAL_PACING  # the window's length at the real pacing
    return [
        gateways,
        len(crowd),
        f"{per_minute:.1f}",
        f"{gateways * 60 / REAL_PACING:.0f}",
        " / ".join(f"{n / slots * 60 / REAL_PACING:.1f}" for n in per_radio),
        " / ".join(f"{100 * a / window_real:.0f} %" for a in air),
        f"{commands / slots * 60 / REAL_PACING:.1f}",
        dropped,
        f"{elapsed:.0f} s",
    ]


HEADERS = ["gateways", "players", "frames/min delivered", "ceiling (24 per radio)", "frames/min per radio",
           "airtime per radio (LongFast)", "commands/min run", "reply frames handed back", "window"]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--gateways", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--players", type=int, default=6, help="players per radio")
    p.add_argument("--seconds", type=float, default=30.0, help="measured window per run")
    p.add_argument("--pacing", type=float, default=0.25, help="seconds between transmissions (the real one is 2.5)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--write-docs", action="store_true")
    args = p.parse_args()
    try:
        broker_kind()  # fails early, saying how to get a broker
    except AssertionError as exc:
        print(f"bench_gateways: {exc}", file=sys.stderr)
        return 1
    rows = []
    for n in args.gateways:
        row = run(n, args.players, args.seconds, args.pacing, args.seed)
        print(" | ".join(str(c) for c in row), flush=True)
        rows.append(row)
    text = (
        f"Gateways ({machine()}; the broker, the gateways and the server share them):"
        f" `python -m meshmush.bench.bench_gateways --players {args.players} --seconds {args.seconds:g}"
        f" --pacing {args.pacing:g}`.\nN fake nodes behind N `meshmush gateway` processes, one broker, the"
        " server in the bench process; each radio has its own players, a quarter of them also heard weakly by a"
        " neighbouring radio (their commands run once and are answered through the better radio); every player"
        " keeps one command in flight, so every radio always has frames waiting.  Pacing shortened; per-minute"
        " figures are at the real 2.5 s pacing (frames per pacing slot × 24).  Airtime is the LongFast estimate of"
        " the frames sent, as a share of the window at the real pacing.\n\n" + table(HEADERS, rows)
    )
    print(text)
    if args.write_docs:
        write_section("gateways", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
