"""``MqttClient`` against a real broker on 127.0.0.1: QoS 1 in persistent sessions, messages
acknowledged only when done and in order, what is published while someone is away kept, the
will on a death, clear errors."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from meshmush.mqtt_broker import Broker, broker_kind, free_port
from runtime.transport.config import MqttConfig, parse_mqtt_url
from runtime.transport.mqtt_link import MqttClient, MqttError, Will

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    with Broker(tmp_path_factory.mktemp("broker")) as b:
        yield b


def needs_sessions(broker: Broker) -> None:
    if not broker.keeps_sessions:
        pytest.skip(f"the {broker.kind} broker keeps no messages for absent clients; install mosquitto to run this")


class Inbox:
    """What a client received, with the ``done`` of each message."""

    def __init__(self, hold: Callable[[bytes], bool] = lambda p: False) -> None:
        self.items: list[tuple[str, bytes, Callable[[], None]]] = []
        self.hold = hold
        self.cond = threading.Condition()

    def __call__(self, topic: str, payload: bytes, done: Callable[[], None]) -> None:
        with self.cond:
            self.items.append((topic, payload, done))
            self.cond.notify_all()
        if not self.hold(payload):
            done()

    @property
    def payloads(self) -> list[bytes]:
        with self.cond:
            return [p for _, p, _ in self.items]

    def wait(self, count: int, timeout: float = 15) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: len(self.items) >= count, timeout)


def client(broker: Broker, name: str, inbox: Callable[[str, bytes, Callable[[], None]], None] | None = None, *,
           subscriptions: tuple[str, ...] = (), protocol: str | None = None, will: Will | None = None,
           **cfg: object) -> MqttClient:
    settings = MqttConfig(protocol=protocol or broker.protocol, keepalive_s=5, reconnect_min_s=1, reconnect_max_s=2,
                          **cfg)  # type: ignore[arg-type]
    c = MqttClient(settings, parse_mqtt_url(broker.url), name, inbox or Inbox(), subscriptions=subscriptions,
                   will=will)
    c.connect(10)
    return c


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_a_message_not_done_is_delivered_again(broker: Broker, protocol: str) -> None:
    needs_sessions(broker)
    topic = f"t/{protocol}/acks"
    first = Inbox(hold=lambda p: p == b"1")  # #1 is never done: #2 and #3 wait behind it
    sub = client(broker, f"sub-acks-{protocol}", first, subscriptions=(topic,), protocol=protocol)
    pub = client(broker, f"pub-acks-{protocol}", protocol=protocol)
    for n in (b"1", b"2", b"3"):
        assert pub.publish(topic, n)
    assert pub.flush(10) == 0
    assert first.wait(3) and first.payloads == [b"1", b"2", b"3"]
    sub.close()  # a clean goodbye, but nothing was acknowledged
    again = Inbox()
    sub = client(broker, f"sub-acks-{protocol}", again, subscriptions=(topic,), protocol=protocol)
    assert again.wait(3) and again.payloads[:3] == [b"1", b"2", b"3"]
    deadline = time.monotonic() + 15
    while sub.pending_acks() and time.monotonic() < deadline:  # every acknowledgement is out
        time.sleep(0.05)
    assert sub.pending_acks() == 0
    sub.close()
    third = Inbox()
    sub = client(broker, f"sub-acks-{protocol}", third, subscriptions=(topic,), protocol=protocol)
    time.sleep(1.0)
    assert third.payloads == []  # all done: nothing comes back
    sub.close()
    pub.close()


@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_what_is_published_while_a_client_is_away_waits_for_it(broker: Broker, protocol: str) -> None:
    needs_sessions(broker)
    topic = f"t/{protocol}/away"
    sub = client(broker, f"sub-away-{protocol}", subscriptions=(topic,), protocol=protocol)
    sub.close()
    pub = client(broker, f"pub-away-{protocol}", protocol=protocol)
    for n in range(20):
        pub.publish(topic, str(n).encode())
    assert pub.flush(10) == 0
    inbox = Inbox()
    sub = client(broker, f"sub-away-{protocol}", inbox, subscriptions=(topic,), protocol=protocol)
    assert inbox.wait(20)
    assert inbox.payloads == [str(n).encode() for n in range(20)]
    sub.close()
    pub.close()


def test_a_broker_restart_loses_nothing_published_on_either_side(tmp_path: Path) -> None:
    with Broker(tmp_path / "b") as b:
        needs_sessions(b)
        inbox = Inbox()
        sub = client(b, "sub-restart", inbox, subscriptions=("t/restart",))
        pub = client(b, "pub-restart")
        pub.publish("t/restart", b"before")
        assert inbox.wait(1)
        sub.close()
        pub.publish("t/restart", b"kept by the broker")
        assert pub.flush(10) == 0
        b.restart()
        pub.publish("t/restart", b"kept by the publisher")  # maybe before it reconnected
        sub = client(b, "sub-restart", inbox, subscriptions=("t/restart",))
        assert inbox.wait(3, 20), inbox.payloads
        assert sorted(inbox.payloads) == sorted([b"before", b"kept by the broker", b"kept by the publisher"])
        assert pub.flush(10) == 0 and pub.unacknowledged() == 0
        sub.close()
        pub.close()


DIES = textwrap.dedent("""
    import os, signal, sys, time
    sys.path.insert(0, {root!r})
    from runtime.transport.config import MqttConfig, parse_mqtt_url
    from runtime.transport.mqtt_link import MqttClient, Will
    c = MqttClient(MqttConfig(protocol={protocol!r}, keepalive_s=5), parse_mqtt_url({url!r}), "dies",
                   lambda t, p, d: d(), will=Will("t/status/dies", b"offline"))
    c.connect(10)
    c.publish("t/status/dies", b"online", retain=True)
    c.flush(10)
    print("up", flush=True)
    time.sleep(60)
""")


def test_a_client_that_dies_leaves_its_will_and_one_that_stops_does_not(broker: Broker) -> None:
    code = DIES.format(root=str(ROOT), protocol=broker.protocol, url=broker.url)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "up"
        proc.kill()  # SIGKILL: no goodbye
        proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
    inbox = Inbox()
    watcher = client(broker, "watcher", inbox, subscriptions=("t/status/#",))
    assert inbox.wait(1, 15), "no will"
    assert inbox.items[-1][:2] == ("t/status/dies", b"offline")  # retained: a late subscriber sees it
    clean = client(broker, "stops", will=Will("t/status/stops", b"offline"))
    clean.publish("t/status/stops", b"online", retain=True)
    clean.close(last=Will("t/status/stops", b"stopped"))
    assert inbox.wait(3, 10)
    time.sleep(0.5)
    assert [p for t, p, _ in inbox.items if t == "t/status/stops"] == [b"online", b"stopped"]  # no will
    watcher.close()


def test_no_broker_is_a_clear_error() -> None:
    port = free_port()
    c = MqttClient(MqttConfig(), parse_mqtt_url(f"mqtt://127.0.0.1:{port}"), "x", Inbox())
    with pytest.raises(MqttError, match=rf"cannot reach the broker at mqtt://127.0.0.1:{port}: Connection refused"):
        c.connect(5)


def test_tls_mistakes_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(MqttError, match="has TLS files but the URL is mqtt://broker:1883: use mqtts://"):
        MqttClient(MqttConfig(ca_file="ca.pem"), parse_mqtt_url("mqtt://broker"), "x", Inbox())
    with pytest.raises(MqttError, match="cannot set up TLS for mqtts://broker:8883"):
        MqttClient(MqttConfig(ca_file=str(tmp_path / "missing.pem")), parse_mqtt_url("mqtts://broker"), "x", Inbox())


def test_a_tls_handshake_with_a_plain_broker_fails_clearly(broker: Broker) -> None:
    url = parse_mqtt_url(f"mqtts://127.0.0.1:{broker.port}")
    c = MqttClient(MqttConfig(protocol=broker.protocol), url, "tls", Inbox())
    with pytest.raises(MqttError, match=f"mqtts://127.0.0.1:{broker.port}"):
        c.connect(5)


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.mark.slow
def test_tls_and_a_password_from_the_config(tmp_path: Path) -> None:
    """mosquitto with a TLS listener (a test CA signs its certificate) and a password file."""
    if broker_kind() != "mosquitto" or shutil.which("openssl") is None or shutil.which("mosquitto_passwd") is None:
        pytest.skip("needs mosquitto, mosquitto_passwd and openssl")
    certs = tmp_path / "certs"
    certs.mkdir()
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=meshmush test CA",
             "-keyout", "ca.key", "-out", "ca.pem", cwd=certs)
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "broker.key",
             "-out", "broker.csr", cwd=certs)
    (certs / "san.ext").write_text("subjectAltName = IP:127.0.0.1\n", encoding="utf-8")
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
             "-days", "2", "-extfile", "san.ext", "-out", "broker.pem", cwd=certs)
    subprocess.run(["mosquitto_passwd", "-b", "-c", str(certs / "passwd"), "hill-a", "s3cret"], check=True,
                   capture_output=True, timeout=30)
    conf = (f"cafile {certs / 'ca.pem'}\ncertfile {certs / 'broker.pem'}\nkeyfile {certs / 'broker.key'}\n"
            f"allow_anonymous false\npassword_file {certs / 'passwd'}\n")
    with Broker(tmp_path / "b", mosquitto_conf=conf) as b:
        url = parse_mqtt_url(f"mqtts://127.0.0.1:{b.port}")
        good = MqttConfig(username="hill-a", password="s3cret", ca_file=str(certs / "ca.pem"))
        inbox = Inbox()
        c = MqttClient(good, url, "tls-ok", inbox, subscriptions=("t/tls",))
        c.connect(10)
        assert c.publish("t/tls", b"over TLS") and c.flush(10) == 0
        assert inbox.wait(1)
        c.close()
        wrong = MqttConfig(username="hill-a", password="guess", ca_file=str(certs / "ca.pem"))
        with pytest.raises(MqttError, match=f"the broker at mqtts://127.0.0.1:{b.port} refused the connection: "
                                            "Not authorized"):
            MqttClient(wrong, url, "tls-wrong", Inbox()).connect(10)
        with pytest.raises(MqttError, match=r"TLS with the broker at .* failed: CERTIFICATE_VERIFY_FAILED"):
            MqttClient(MqttConfig(username="hill-a", password="s3cret"), url, "tls-unknown-ca", Inbox()).connect(10)
        with pytest.raises(MqttError, match="refused the connection: Not authorized"):
            MqttClient(MqttConfig(ca_file=str(certs / "ca.pem")), url, "anonymous", Inbox()).connect(10)
