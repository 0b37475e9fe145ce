"""Many radios, one world, end to end: two fake nodes behind two ``meshmush gateway`` processes,
one real broker, one ``meshmush serve --mqtt`` process on a DuckDB file.

- a player heard by both radios gets each reply once, through the radio that hears it best;
- killing a gateway (SIGKILL) moves its players to the other within one will interval;
- a broker restart loses no acknowledged command.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from meshmush.fakeradio.node import FakeNode
from meshmush.mqtt_broker import Broker
from tests.e2e.gateways import KEEPALIVE, Proc, fake_node, gateway, server, texts_to, wait_online, wait_texts
from tests.e2e.harness import PLAYERS, expected_frames, expected_steps

pytestmark = pytest.mark.slow

WILL_INTERVAL = 1.5 * KEEPALIVE  # the broker declares a silent client dead after this, at the latest


@dataclass
class World:
    tmp: Path
    broker: Broker
    a: FakeNode  # hears everyone well (SNR 9.5 dB)
    b: FakeNode  # hears everyone badly (-3 dB), unless told otherwise
    ga: Proc
    gb: Proc
    srv: Proc

    def say(self, line: str, *, via: str = "ab", snr_a: float | None = None, snr_b: float | None = None,
            packet_id: int | None = None) -> int:
        """``NAME> COMMAND`` heard by the radios in ``via``: one packet, the same id on each; its id."""
        name, _, command = line.partition("> ")
        num = PLAYERS[name]
        pid = packet_id
        if "a" in via:
            pid = self.a.send_text(num, command, snr=snr_a, packet_id=pid)
        if "b" in via:
            pid = self.b.send_text(num, command, packet_id=pid, snr=snr_b)
        assert pid is not None
        return pid

    def journal(self) -> list[tuple[str, str]]:
        con = duckdb.connect(str(self.tmp / "serve" / "world.duckdb"), read_only=True)
        try:
            rows = con.execute("SELECT player, command FROM journal WHERE player <> '' ORDER BY seq").fetchall()
        finally:
            con.close()
        names = {f"!{num:08x}": name for name, num in PLAYERS.items()}
        return [(names.get(str(p), str(p)), str(c)) for p, c in rows]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    broker = Broker(tmp_path / "broker").start()
    a, b = fake_node(0x4D450001, 9.5), fake_node(0x4D450002, -3.0)
    procs: list[Proc] = []
    try:
        ga = gateway(tmp_path, "hill-a", a, broker)
        procs.append(ga)
        gb = gateway(tmp_path, "hill-b", b, broker)
        procs.append(gb)
        srv = server(tmp_path, broker)
        procs.append(srv)
        w = World(tmp_path, broker, a, b, ga, gb, srv)
        wait_online(srv, ["hill-a", "hill-b"])
        yield w
    finally:
        for p in procs:
            p.kill()
        broker.stop()
        a.stop()
        b.stop()


MEET = [
    "Ana> look",
    "Bob> look",
    "Ana> say hello Bob",
    "Bob> whisper Ana psst",
    "Ana> take coin",
    "Ana> give coin to Bob",
    "Bob> i",
    "Bob> pay Ana 1.50",
    "Ana> bal",
    "Ana> who",
]


def test_a_player_heard_by_both_radios_gets_each_reply_once(world: World) -> None:
    expected = expected_frames(MEET)
    steps = expected_steps(MEET)
    nodes = (world.a, world.b)
    for line, counts in zip(MEET, steps, strict=True):
        if line.startswith("Bob>"):
            world.say(line, snr_a=-8.0, snr_b=6.0)  # Bob is nearer hill-b
        else:
            world.say(line)  # Ana is nearer hill-a
        for name, count in counts.items():
            assert wait_texts(nodes, name, count, 30), (line, name, texts_to(world.a, name), texts_to(world.b, name))
    time.sleep(1.0)  # nothing more should come
    for name in ("Ana", "Bob"):
        got = sorted((s.at, s.text) for node in nodes for s in node.texts_to(PLAYERS[name]))
        assert [t for _, t in got] == expected[name], name  # every reply once, in order
    # each through the radio that heard the player best (the very first reply may race the
    # second radio's copy of the first packet: a player is heard by one radio until the other's copy lands)
    assert len(texts_to(world.b, "Ana")) <= 1 and len(texts_to(world.a, "Ana")) >= len(expected["Ana"]) - 1
    assert len(texts_to(world.a, "Bob")) <= 1 and len(texts_to(world.b, "Bob")) >= len(expected["Bob"]) - 1
    assert world.srv.stop() == 0
    assert world.ga.stop() == 0 and world.gb.stop() == 0
    assert world.journal() == [tuple(line.split("> ", 1)) for line in MEET]  # every command ran once
    last = [m for m in world.srv.messages() if m.startswith("gateways: ")][-1]
    assert "hill-a" in last and "hill-b" in last and "airtime" in last


def test_killing_a_gateway_moves_its_players_to_the_other_within_one_will_interval(world: World) -> None:
    world.say("Ana> look")  # heard by both; hill-a better
    assert wait_texts([world.a, world.b], "Ana", 1, 30)
    b0 = len(texts_to(world.b, "Ana"))  # 0, unless hill-b's copy beat hill-a's by more than gather_s
    a0 = len(texts_to(world.a, "Ana"))
    world.say("Bob> look", via="b")  # only hill-b hears Bob
    assert wait_texts([world.b], "Bob", 1, 30)
    assert wait_texts([world.a], "Ana", a0 + 1, 30)  # "Bob appears." through hill-a, which hears Ana best
    assert texts_to(world.a, "Ana")[-1] == "Bob appears." and len(texts_to(world.b, "Ana")) == b0
    entries = len(world.srv.entries())
    killed = time.time()
    world.ga.kill()  # SIGKILL: no goodbye, only the will
    offline = world.srv.wait_log(lambda m: m.startswith("gateway hill-a is offline"), 60, after=entries)
    assert offline is not None, world.srv.log_text()
    assert offline - killed <= WILL_INTERVAL, f"the will took {offline - killed:.1f} s"
    assert any("its players move: 1 to hill-b" in m for m in world.srv.messages()[entries:])
    # what others do reaches Ana through hill-b now, and so do her own replies
    world.say("Bob> say hello", via="b")
    assert wait_texts([world.b], "Ana", b0 + 1, 30), texts_to(world.b, "Ana")
    assert texts_to(world.b, "Ana")[b0:] == ["Bob says: hello"]
    world.say("Ana> i", via="b")
    assert wait_texts([world.b], "Ana", b0 + 2, 30)
    assert texts_to(world.b, "Ana")[b0 + 1].startswith("You carry nothing")
    # hill-a comes back and hears Ana better again: her replies go through it again
    entries = len(world.srv.entries())
    world.ga.start()
    assert world.srv.wait_log(lambda m: m.startswith("gateway hill-a is online"), 60, after=entries) is not None
    before_a = len(texts_to(world.a, "Ana"))
    world.say("Ana> who")
    assert wait_texts([world.a], "Ana", before_a + 1, 30)
    time.sleep(0.5)
    assert len(texts_to(world.b, "Ana")) == b0 + 2
    assert world.srv.stop() == 0
    assert world.journal() == [("Ana", "look"), ("Bob", "look"), ("Bob", "say hello"), ("Ana", "i"), ("Ana", "who")]


def _acknowledged(gw: Proc, heard: int, after: int) -> bool:
    """The gateway's status line says it heard ``heard`` texts and the broker has them all."""
    ts = gw.wait_log(lambda m: ", 0 unacknowledged;" in m and f"heard {heard}," in m and "broker connected" in m,
                     30, after=after)
    return ts is not None


def test_a_broker_restart_loses_no_acknowledged_command(world: World) -> None:
    if not world.broker.keeps_sessions:
        pytest.skip(f"the {world.broker.kind} broker keeps no messages across a restart; install mosquitto to run this")
    looked = world.say("Ana> look", via="a")
    assert wait_texts([world.a], "Ana", 1, 30)

    # the server is away: the broker acknowledges the gateway's command and keeps it for the server
    assert world.srv.stop() == 0
    mark = len(world.ga.entries())
    world.say("Ana> take coin", via="a")
    assert _acknowledged(world.ga, 2, mark), world.ga.log_text()[-2000:]
    world.broker.restart()  # ... and keeps it through its own restart
    world.say("Ana> say one", via="a")  # the gateway keeps this one until the broker is back
    world.srv.start()
    assert wait_texts([world.a], "Ana", 3, 60), (texts_to(world.a, "Ana"), world.srv.log_text()[-3000:])
    took_text, said = texts_to(world.a, "Ana")[1:3]
    assert took_text.endswith("You take the old coin.") and said == "You say: one"  # (a new session shows the room)
    # a packet the previous server ran, again (through the other radio): this server never saw it,
    # but the engine recorded it with its command, so it does not run twice
    world.say("Ana> look", via="b", packet_id=looked)
    assert world.srv.wait_log(lambda m: m.startswith(f"replayed packet {looked:08x} from !11111111 ignored"), 30)

    # the broker goes away under a running server
    world.broker.stop()
    world.say("Ana> say two", via="a")
    time.sleep(1.0)
    world.broker.start()
    assert wait_texts([world.a], "Ana", 4, 60), (texts_to(world.a, "Ana"), world.srv.log_text()[-3000:])
    assert texts_to(world.a, "Ana")[3] == "You say: two"
    time.sleep(0.5)
    assert world.srv.stop() == 0
    assert world.journal() == [("Ana", "look"), ("Ana", "take coin"), ("Ana", "say one"), ("Ana", "say two")]
    assert len(texts_to(world.a, "Ana")) == 4 and texts_to(world.b, "Ana") == []
