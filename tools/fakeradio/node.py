"""A fake Meshtastic node: speaks the stream protocol to one client over TCP on 127.0.0.1 (or
over a pseudo-terminal, for the serial path), delivers text messages from simulated nodes and
records every packet the client sends, with the time it arrived.

Like a real node it answers the config handshake (``my_info``, ``node_info`` for itself and every
simulated node, a ``config`` with ``lora.hop_limit``, the primary ``channel``, then
``config_complete_id`` equal to the client's ``want_config_id``), answers every packet with a
``queueStatus`` (the client library keeps re-sending packets the node has not accounted for),
accepts one client at a time and keeps messages for the client while none is connected.

Every delivered packet says how the node heard it: ``rx_snr`` (``snr``, per node or per message)
and ``hop_start``/``hop_limit`` (``hops`` taken, 0 by default), as a real radio's do.

Identity: a simulated node may have a public key (``add_node(..., public_key=…)``), announced
in the handshake's node list and by ``send_node_info`` (a NODEINFO packet, as a radio sends when
a node appears or changes); ``send_text(..., pki_key=…)`` delivers a direct message the way the
firmware reports a PKI-encrypted one (``pki_encrypted`` set, the key in ``public_key``).

Faults for tests: ``loss`` (drop a fraction of the simulated nodes' messages), ``duplicate``
(deliver a fraction twice, same packet id, as mesh rebroadcasts do), ``delay_s`` (hold
deliveries), ``disconnect()`` (drop the client; optionally refuse reconnections for a while),
``mute`` (accept connections but never answer: a radio that hangs).
"""

from __future__ import annotations

import contextlib
import functools
import os
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import protocol as pb

DEFAULT_NODE_NUM = 0x4D455348  # "MESH"


@dataclass(frozen=True)
class Sent:
    """One packet the client asked the node to transmit."""

    at: float  # time.monotonic() when it arrived
    to: int
    packet_id: int
    text: str
    want_ack: bool
    portnum: int

    @property
    def to_id(self) -> str:
        return pb.node_id(self.to)

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


@dataclass
class Faults:
    loss: float = 0.0
    duplicate: float = 0.0
    delay_s: float = 0.0
    jitter_s: float = 0.0  # a further random delay of up to this much per packet: packets overtake each other
    mute: bool = False  # never answer the handshake
    seed: int | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)


class _Conn:
    """One client: a socket or a file descriptor (pty master)."""

    def __init__(self, sock: socket.socket | None = None, fd: int | None = None) -> None:
        self.sock, self.fd = sock, fd
        self.lock = threading.Lock()
        self.closed = False
        self.handshaken = False

    def recv(self) -> bytes:
        try:
            if self.sock is not None:
                return self.sock.recv(4096)
            assert self.fd is not None
            return os.read(self.fd, 4096)
        except OSError:
            return b""

    def send(self, data: bytes) -> bool:
        with self.lock:
            if self.closed:
                return False
            try:
                if self.sock is not None:
                    self.sock.sendall(data)
                else:
                    assert self.fd is not None
                    view = memoryview(data)
                    while view:
                        n = os.write(self.fd, view)
                        view = view[n:]
                return True
            except OSError:
                return False

    def close(self) -> None:
        with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.sock is not None:
                with contextlib.suppress(OSError):
                    self.sock.shutdown(socket.SHUT_RDWR)
                self.sock.close()


def _checked_key(key: bytes) -> bytes:
    if len(key) != 32:
        raise ValueError(f"a Curve25519 public key has 32 bytes, not {len(key)}")
    return bytes(key)


class FakeNode:
    def __init__(
        self,
        *,
        node_num: int = DEFAULT_NODE_NUM,
        long_name: str = "meshmush fake node",
        host: str = "127.0.0.1",
        port: int = 0,
        hop_limit: int = 3,
        snr: float = 6.0,
        queue_len: int = 16,
        faults: Faults | None = None,
        on_sent: Callable[[Sent], None] | None = None,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the fake node listens on the loopback interface only")
        self.node_num = node_num
        self.long_name = long_name
        self.host, self.port = host, port
        self.hop_limit = hop_limit
        self.snr = snr  # dB: how this node hears the simulated nodes (a message may say otherwise)
        self.queue_len = queue_len
        self.faults = faults or Faults()
        self.on_sent = on_sent
        self.sent: list[Sent] = []
        self.other: list[pb.ToRadio] = []  # non-text traffic (heartbeats, admin packets)
        self.handshakes = 0
        self.connections = 0
        self.nodes: dict[int, tuple[str, str]] = {}  # simulated nodes: num → (long, short)
        self.keys: dict[int, bytes] = {}  # simulated nodes' public keys (32 bytes)
        self._cond = threading.Condition()
        self._conn: _Conn | None = None
        self._pending: list[Any] = []  # MeshPackets waiting for a client
        self._refuse_until = 0.0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()
        self._msg_id = 0
        self._next_packet = random.Random(node_num).randrange(1, 1 << 31)
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> FakeNode:
        """Listen on TCP (``port`` 0 picks a free one; see ``self.port``)."""
        lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lst.bind((self.host if self.host != "localhost" else "127.0.0.1", self.port))
        lst.listen(4)
        lst.settimeout(0.2)
        self._listener = lst
        self.port = lst.getsockname()[1]
        self._spawn(self._accept_loop, "fakeradio-accept")
        return self

    def serve_fd(self, fd: int) -> None:
        """Serve one client on a file descriptor (the master side of a pty) until stopped."""
        self._spawn(functools.partial(self._serve, _Conn(fd=fd)), "fakeradio-fd")

    def stop(self) -> None:
        self._stop.set()
        with self._cond:
            conn = self._conn
        if conn is not None:
            conn.close()
        if self._listener is not None:
            self._listener.close()
        for t in self._threads:
            t.join(timeout=2)

    def __enter__(self) -> FakeNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    # ------------------------------------------------------------------ scripting
    def add_node(self, num: int, long_name: str, short_name: str | None = None,
                 public_key: bytes | None = None, *, announce: bool = True) -> str:
        """A simulated node (with its public key if given); returns its id ``!xxxxxxxx``.  Every
        handshake lists it; with ``announce`` a connected client also hears its NODEINFO now, as
        when a real node joins the mesh (without it, the client learns the name only at the next
        handshake or ``announce``: a node whose NODEINFO has not arrived yet)."""
        with self._cond:
            self.nodes[num] = (long_name, (short_name or long_name)[:4])
            if public_key is not None:
                self.keys[num] = _checked_key(public_key)
            connected = self._conn is not None and self._conn.handshaken and not self._conn.closed
        if announce and connected:
            self.announce(num)
        return pb.node_id(num)

    def announce(self, num: int) -> None:
        """Broadcast node ``num``'s NODEINFO (its names and key), as nodes do now and then."""
        self.send_node_info(num)

    def send_text(self, sender: int, text: str, *, to: int | None = None, packet_id: int | None = None,
                  channel: int = 0, pki_key: bytes | None = None, snr: float | None = None, hops: int = 0) -> int:
        """A text message from a simulated node, to our node (a DM) unless ``to`` says otherwise
        (``protocol.BROADCAST`` for the channel), heard at ``snr`` dB (default: the node's) after
        ``hops`` hops.  ``pki_key``: deliver it as the firmware reports a PKI-encrypted DM from
        that key.  Returns the packet id.  Faults apply."""
        return self.send_payload(sender, text.encode("utf-8"), to=to, packet_id=packet_id, channel=channel,
                                 pki_key=pki_key, snr=snr, hops=hops)

    def send_node_info(self, num: int, public_key: bytes | None = None) -> int:
        """A NODEINFO packet from a simulated node (its user record, with ``public_key`` — a
        new one replaces the node's key here too); returns the packet id."""
        if public_key is not None:
            self.keys[num] = _checked_key(public_key)
        long_name, short = self.nodes.get(num, (pb.node_id(num), pb.node_id(num)[-4:]))
        body = pb.user(pb.node_id(num), long_name, short, self.keys.get(num, b"")).SerializeToString()
        return self.send_payload(num, body, to=pb.BROADCAST, portnum=pb.NODEINFO_APP)

    def send_payload(self, sender: int, payload: bytes, *, to: int | None = None, packet_id: int | None = None,
                     channel: int = 0, portnum: int = pb.TEXT_MESSAGE_APP, pki_key: bytes | None = None,
                     snr: float | None = None, hops: int = 0) -> int:
        if packet_id is None:
            self._next_packet = (self._next_packet * 1103515245 + 12345) & 0x7FFFFFFF or 1
            packet_id = self._next_packet
        dest = self.node_num if to is None else to
        pkt = pb.Packet(sender, dest, packet_id, portnum, payload, channel, hop_limit=self.hop_limit,
                        public_key=_checked_key(pki_key) if pki_key is not None else b"",
                        pki_encrypted=pki_key is not None)
        body = pb.mesh_packet(pkt, rx_time=int(time.time()), hop_start=self.hop_limit,
                              rx_snr=self.snr if snr is None else snr, hops=min(max(0, hops), self.hop_limit))
        f = self.faults
        if f.loss and f.rng.random() < f.loss:
            return packet_id
        copies = 2 if f.duplicate and f.rng.random() < f.duplicate else 1
        for _ in range(copies):
            delay = f.delay_s + (f.rng.uniform(0, f.jitter_s) if f.jitter_s > 0 else 0.0)
            if delay > 0:
                timer = threading.Timer(delay, self._deliver, (body,))
                timer.daemon = True
                timer.start()
            else:
                self._deliver(body)
        return packet_id

    def disconnect(self, refuse_for: float = 0.0) -> None:
        """Drop the client now; refuse new connections for ``refuse_for`` seconds."""
        with self._cond:
            self._refuse_until = time.monotonic() + refuse_for
            conn = self._conn
        if conn is not None:
            conn.close()

    def texts_to(self, node: int) -> list[Sent]:
        with self._cond:
            return [s for s in self.sent if s.to == node and s.portnum == pb.TEXT_MESSAGE_APP]

    def wait_for(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait until ``predicate()`` holds (checked whenever a packet arrives, and every 50 ms)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return True

    def wait_handshakes(self, count: int, timeout: float) -> bool:
        return self.wait_for(lambda: self.handshakes >= count, timeout)

    @property
    def connected(self) -> bool:
        with self._cond:
            return self._conn is not None and self._conn.handshaken and not self._conn.closed

    # ------------------------------------------------------------------ internals
    def _deliver(self, body: Any) -> None:
        with self._cond:
            conn = self._conn
            if conn is None or not conn.handshaken or conn.closed:
                self._pending.append(body)
                return
        if not self._send(conn, packet=body):
            with self._cond:
                self._pending.append(body)

    def _send(self, conn: _Conn, **variant: Any) -> bool:
        """One ``FromRadio`` with one variant (``packet=…``, ``my_info=…`` …)."""
        with self._cond:
            self._msg_id += 1
            msg_id = self._msg_id
        return conn.send(pb.frame(pb.from_radio(msg_id, **variant)))

    def _accept_loop(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._cond:
                refuse = time.monotonic() < self._refuse_until or (
                    self._conn is not None and not self._conn.closed
                )
            if refuse:  # one client at a time; and a node that is "down" for a while
                sock.close()
                continue
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(functools.partial(self._serve, _Conn(sock=sock)), "fakeradio-client")

    def _serve(self, conn: _Conn) -> None:
        with self._cond:
            self._conn = conn
            self.connections += 1
            self._cond.notify_all()
        deframer = pb.Deframer()
        try:
            while not self._stop.is_set() and not conn.closed:
                data = conn.recv()
                if not data:
                    break
                for payload in deframer.feed(data):
                    try:
                        msg = pb.parse_to_radio(payload)
                    except pb.ProtocolError:
                        continue  # a real node ignores what it cannot parse
                    self._handle(conn, msg)
        finally:
            conn.close()
            with self._cond:
                if self._conn is conn:
                    self._conn = None
                self._cond.notify_all()

    def _handle(self, conn: _Conn, msg: pb.ToRadio) -> None:
        if msg.want_config_id is not None:
            if self.faults.mute:
                return
            self._handshake(conn, msg.want_config_id)
            return
        if msg.packet is not None:
            p = msg.packet
            sent = Sent(time.monotonic(), p.to, p.packet_id, p.text if p.portnum == pb.TEXT_MESSAGE_APP else "",
                        p.want_ack, p.portnum)
            with self._cond:
                self.sent.append(sent)
                self._cond.notify_all()
            self._send(conn, queueStatus=pb.queue_status(p.packet_id, self.queue_len, self.queue_len))
            if self.on_sent is not None and p.portnum == pb.TEXT_MESSAGE_APP:
                self.on_sent(sent)
            return
        with self._cond:
            self.other.append(msg)
        if msg.disconnect:
            conn.close()

    def _handshake(self, conn: _Conn, config_id: int) -> None:
        now = int(time.time())
        self._send(conn, my_info=pb.my_info(self.node_num))
        self._send(conn, node_info=pb.node_info(self.node_num, pb.node_id(self.node_num), self.long_name, "MMSH", now))
        for num, (long_name, short) in sorted(self.nodes.items()):
            self._send(conn, node_info=pb.node_info(num, pb.node_id(num), long_name, short, now,
                                                    self.keys.get(num, b"")))
        self._send(conn, config=pb.lora_config(self.hop_limit))
        self._send(conn, channel=pb.primary_channel())
        self._send(conn, config_complete_id=config_id)
        with self._cond:
            conn.handshaken = True
            self.handshakes += 1
            pending, self._pending = self._pending, []
            self._cond.notify_all()
        for body in pending:
            self._deliver(body)
