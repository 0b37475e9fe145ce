"""Both ends of the gateway protocol in this process, each against a real broker: the server's
link (a real engine and DuckDB file, the test playing the gateways) and a gateway (the fake node
and the real ``meshtastic`` library, the test playing the server)."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from meshmush.fakeradio.node import FakeNode, Faults
from meshmush.mqtt_broker import Broker
from runtime.engine.engine import Engine, EngineConfig
from runtime.engine.io import Incoming, Note, Outgoing
from runtime.image.codec import read_header, write_image
from runtime.store.db import Database
from runtime.transport import gateway_protocol as wire
from runtime.transport.config import ServeConfig, parse_config, parse_mqtt_url
from runtime.transport.gateway import Gateway
from runtime.transport.meshtastic_link import LinkSettings, MeshtasticLink, RadioTarget, TextIn
from runtime.transport.mqtt_link import MqttClient
from runtime.transport.mqtt_server import MqttServerLink
from runtime.transport.server import Link, Server

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "tests" / "e2e" / "world"
ANA, BOB = 0x11111111, 0x22222222
ANA_ID, BOB_ID = "!11111111", "!22222222"
TOPICS = wire.Topics("meshmush")


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with Broker(tmp_path_factory.mktemp("broker")) as b:
        yield b


def config(broker: Broker, **sections: dict[str, object]) -> ServeConfig:
    data: dict[str, dict[str, object]] = {
        "mqtt": {"protocol": broker.protocol, "keepalive_s": 5, "stats_interval_s": 1.0},
        "transport": {"pacing_s": 0.2},
        "rate_limit": {"burst": 50, "per_minute": 600},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return parse_config(data)


class Listener:
    """A test MQTT client: everything published on ``topics``, in order."""

    def __init__(self, broker: Broker, name: str, topics: Sequence[str]) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()
        cfg = parse_config({"mqtt": {"protocol": broker.protocol}}).mqtt
        self.client = MqttClient(cfg, parse_mqtt_url(broker.url), name, self._on, subscriptions=topics)
        self.client.connect(10)

    def _on(self, topic: str, payload: bytes, done: Callable[[], None]) -> None:
        with self.cond:
            self.got.append((topic, payload))
            self.cond.notify_all()
        done()

    def on(self, topic: str) -> list[dict[str, Any]]:
        with self.cond:
            return [json.loads(p) for t, p in self.got if t == topic]

    def wait(self, predicate: Callable[[], bool], timeout: float = 15) -> bool:
        """Until ``predicate()`` holds: checked on every message and every 50 ms."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.05))
            return True

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        assert self.client.publish(topic, payload, retain=retain)
        assert self.client.flush(10) == 0


# --------------------------------------------------------------------------- the server's link
class HeldEngine:
    """The real engine, whose batches can be held (to look at acknowledgements meanwhile)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.go = threading.Event()
        self.go.set()

    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]:
        self.go.wait(20)
        return self.engine.handle_batch(commands)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.engine, name)


def _journal(db: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [(str(p), str(c)) for p, c in con.execute(
            "SELECT player, command FROM journal WHERE player <> '' ORDER BY seq").fetchall()]
    finally:
        con.close()


def _heard(gateway: str, node: str, packet_id: int, text: str, snr: float, hops: int = 0) -> bytes:
    return wire.encode_heard(wire.Heard(gateway, node, packet_id, text, int(time.time() * 1000), True, 0,
                                        "Ana" if node == ANA_ID else "Bob", snr, hops))


def _texts(payloads: list[dict[str, Any]], to: str) -> list[str]:
    return [m.get("text", "") for p in payloads for m in p["messages"] if m["to"] == to]


def test_the_server_link_dedupes_routes_fails_over_and_acknowledges_after_commit(
        broker: Broker, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="meshmush")
    diags = Diagnostics()
    world = compile_world(WORLD, diags)
    assert world is not None
    db_path = tmp_path / "world.duckdb"
    engine = HeldEngine(Engine(world, Database.open(db_path), read_header(write_image(world)).content_hash,
                               config=EngineConfig(frame_bytes=200)))
    cfg = config(broker, mqtt={"client_id": "serve-link-test"})
    gw = Listener(broker, "fake-gateways", [TOPICS.outbound("+")])
    for name in ("a", "b"):
        gw.publish(TOPICS.status(name), wire.encode_status(wire.Status(name, True, 1, True, "!4d450001")), retain=True)
    holder: dict[str, MqttServerLink] = {}

    def make_link(server: Server) -> Link:
        holder["link"] = MqttServerLink(server, cfg, parse_mqtt_url(broker.url))
        return holder["link"]

    server = Server(engine, None, cfg, link_factory=make_link)  # type: ignore[arg-type]
    link = holder["link"]
    runner = threading.Thread(target=server.run, daemon=True)
    runner.start()
    try:
        assert gw.wait(lambda: link.router.online("a") and link.router.online("b"))
        # the same packet, heard by both radios; a hears it better, b's copy comes first
        engine.go.clear()
        gw.publish(TOPICS.inbound("b"), _heard("b", ANA_ID, 7, "look", -2.0))
        gw.publish(TOPICS.inbound("a"), _heard("a", ANA_ID, 7, "look", 5.0))
        time.sleep(0.3)
        assert link.client.pending_acks() >= 1  # not committed: not acknowledged
        engine.go.set()
        assert gw.wait(lambda: bool(gw.on(TOPICS.outbound("a"))))
        assert gw.wait(lambda: link.client.pending_acks() == 0, 5)
        welcome = _texts(gw.on(TOPICS.outbound("a")), ANA_ID)
        assert len(welcome) == 1 and welcome[0].startswith("Welcome to Radio Test!")
        assert gw.on(TOPICS.outbound("b")) == []

        # hostile and broken messages are refused, logged, and change nothing
        gw.publish(TOPICS.inbound("a"), b"{not json")
        gw.publish(TOPICS.inbound("a"), _heard("b", ANA_ID, 8, "take coin", 9.0))  # forged gateway field
        gw.publish(TOPICS.inbound("a"), json.dumps({"v": 9}).encode())
        gw.publish("meshmush/v1/gw/no good/in", _heard("no good", ANA_ID, 9, "take coin", 9.0))

        # Bob, heard only by b; Ana's notice of him goes through a
        gw.publish(TOPICS.inbound("b"), _heard("b", BOB_ID, 20, "look", 1.0))
        assert gw.wait(lambda: bool(_texts(gw.on(TOPICS.outbound("b")), BOB_ID)))
        assert gw.wait(lambda: any(m.get("kind") == "notice" and m["to"] == ANA_ID
                                   for p in gw.on(TOPICS.outbound("a")) for m in p["messages"]))

        # a's will: Ana moves to b
        gw.publish(TOPICS.status("a"), wire.encode_status(wire.Status("a", False)), retain=True)
        assert gw.wait(lambda: not link.router.online("a"))
        gw.publish(TOPICS.inbound("b"), _heard("b", BOB_ID, 21, "say hi", 1.0))
        assert gw.wait(lambda: any(m["to"] == ANA_ID for p in gw.on(TOPICS.outbound("b")) for m in p["messages"]))

        # a reply b's full queue handed back is kept for Ana's MORE
        gw.publish(TOPICS.dropped("b"), wire.encode_dropped(wire.Dropped("b", ANA_ID, "THE LOST PAGE", 1)))
        gw.publish(TOPICS.inbound("b"), _heard("b", ANA_ID, 22, "more", 3.0))
        assert gw.wait(lambda: any("THE LOST PAGE" in t for t in _texts(gw.on(TOPICS.outbound("b")), ANA_ID)))

        # figures
        gw.publish(TOPICS.stats("b"), wire.encode_figures(wire.GatewayFigures(
            "b", 1, 100.0, True, 4, 9, 900, 17.5, 0, 2, 1, 5, 0)))
        assert gw.wait(lambda: any(s.reported for s in server.gateway_stats() if s.gateway == "b"))
        stats = {s.gateway: s for s in server.gateway_stats()}
        assert stats["a"].online is False and stats["b"].online is True
        assert stats["a"].heard == 1 and stats["b"].heard == 4
        assert stats["b"].airtime_s == 17.5 and stats["b"].reply_frames == 2 and stats["b"].routed >= 3
        # /stats and the metrics line: all radios together and each one
        figures = server.transport_figures()
        radios = {r.name: r for r in figures.radios}
        assert radios["a"].online is False and radios["b"].online is True
        assert (radios["b"].frames_last_hour, radios["b"].airtime_s_last_hour, radios["b"].queue_depth) == (9, 17.5, 3)
        assert figures.frames_last_hour == 9 and figures.queue_depth == 3
        engine.ops.transport = server.transport_figures
        summary = engine.ops.stats(int(time.time() * 1000)).summary()
        assert summary.endswith("\nRadios/h: a offline; b 9 frames, air 0%, queue 3."), summary
    finally:
        server.request_stop()
        runner.join(30)
        gw.client.close()
    assert _journal(db_path) == [(ANA_ID, "look"), (BOB_ID, "look"), (BOB_ID, "say hi"), (ANA_ID, "more")]
    logged = caplog.text
    assert "ignored a malformed message on in from gateway a: payload is not JSON" in logged
    assert "gateway a is offline; its players move: 1 to b" in logged
    assert "gateways: a offline: heard 1" in logged


# --------------------------------------------------------------------------- a gateway
@pytest.mark.slow
def test_a_gateway_publishes_what_it_hears_and_keeps_the_delivery_classes(broker: Broker) -> None:
    node = FakeNode(node_num=0x4D450007, snr=7.5, faults=Faults(duplicate=1.0, seed=3))
    node.add_node(ANA, "Ana")
    node.add_node(BOB, "Bob")
    node.start()
    cfg = config(broker, transport={"pacing_s": 0.3, "queue_frames": 8})
    server = Listener(broker, "fake-server", [f"meshmush/v1/gw/hill/{leaf}" for leaf in ("in", "dropped", "stats", "status")])

    def make_radio(deliver: Callable[[wire.Heard], None]) -> MeshtasticLink:
        def on_text(m: TextIn) -> None:
            deliver(wire.Heard("hill", m.sender, m.packet_id, m.text, int(time.time() * 1000), m.direct, m.channel,
                               m.name, m.snr, m.hops))

        radio = MeshtasticLink(RadioTarget("tcp", "127.0.0.1", node.port), on_text,
                               LinkSettings(connect_timeout_s=10, want_ack=False))
        radio.connect()
        return radio

    gateway = Gateway(cfg, "hill", parse_mqtt_url(broker.url), make_radio)
    gateway.start(10)
    try:
        assert server.wait(lambda: any(s["online"] for s in server.on(TOPICS.status("hill"))))
        assert server.on(TOPICS.status("hill"))[-1]["node"] == "!4d450007"

        # heard twice (a mesh rebroadcast), published once, with SNR and hops
        pid = node.send_text(ANA, "look", snr=-4.5, hops=2)
        assert server.wait(lambda: bool(server.on(TOPICS.inbound("hill"))))
        time.sleep(0.5)
        heard = server.on(TOPICS.inbound("hill"))
        assert len(heard) == 1
        assert {k: heard[0][k] for k in ("node", "packet_id", "text", "snr", "hops", "name", "direct")} == {
            "node": ANA_ID, "packet_id": pid, "text": "look", "snr": -4.5, "hops": 2, "name": "Ana", "direct": True}

        # one batch: Ana's notices first, then two replies: on the air the replies go first and
        # Ana's three notice lines share one frame
        notes = (Note("Bob arrives."), Note("Bob waves."), Note("Bob whispers: psst", personal=True))
        batch = [Outgoing(ANA_ID, "\n".join(n.text for n in notes), kind="notice", notes=notes),
                 Outgoing(BOB_ID, "You wave.", ("You wave.",)),
                 Outgoing(ANA_ID, "Square", ("Square",))]
        server.publish(TOPICS.outbound("hill"), wire.encode_outgoing(batch))
        assert node.wait_for(lambda: len(node.texts_to(ANA)) >= 2 and len(node.texts_to(BOB)) >= 1, 15)
        order = [(s.to, s.text) for s in node.sent if s.portnum == 1]
        assert order[:2] in ([(BOB, "You wave."), (ANA, "Square")], [(ANA, "Square"), (BOB, "You wave.")])
        assert order[2] == (ANA, "Bob arrives.\nBob waves.\nBob whispers: psst")

        # more replies than its queue holds: the oldest whole reply goes back to the server
        pages = [Outgoing(BOB_ID, " ".join([f"page{i}"] * 70)) for i in range(4)]  # 3 frames each
        server.publish(TOPICS.outbound("hill"), wire.encode_outgoing(pages))
        assert server.wait(lambda: bool(server.on(TOPICS.dropped("hill"))))
        dropped = server.on(TOPICS.dropped("hill"))[0]
        assert dropped["to"] == BOB_ID and dropped["text"] == pages[0].text and dropped["frames"] == 3

        # hostile messages from "the server" are refused; the gateway carries on
        server.publish(TOPICS.outbound("hill"), b'{"v": 1, "messages": [{"to": "everyone", "text": "x"}]}')
        server.publish(TOPICS.outbound("hill"), wire.encode_outgoing([Outgoing(ANA_ID, "still here")]))
        assert node.wait_for(lambda: any(s.text == "still here" for s in node.texts_to(ANA)), 20)

        assert server.wait(lambda: any(f["frames_sent"] >= 4 and f["airtime_s"] > 0
                                       for f in server.on(TOPICS.stats("hill"))))
    finally:
        gateway.stop()
        node.stop()
    assert server.wait(lambda: server.on(TOPICS.status("hill"))[-1]["online"] is False)
    server.client.close()
