"""The only module that imports ``meshtastic`` (GPL-3.0-only; see LICENSE and docs/transport.md).

``MeshtasticLink`` owns one interface to the radio — ``SerialInterface`` (USB serial, pyserial)
or ``TCPInterface`` (a networked node, port 4403) — and hides the library's sharp edges
(docs/transport.md):

- its pub/sub keeps weak references, so we subscribe *bound methods of this object*, which the
  server keeps alive; callbacks are filtered by interface, since the bus is process-wide;
- it reconnects a dropped TCP link by itself without telling anyone, and a send during the gap
  vanishes silently.  So a send is only counted as done when the radio accounts for the packet
  with a ``queueStatus`` (every firmware since 1.3 answers each packet with one); otherwise the
  caller keeps the frame and sends it again.  Repeated failures, or the library's
  ``connection.lost``, make us drop the interface and build a new one, with backoff;
- ``sendText`` can block for ~30 s on a dead serial port: callers use their own thread;
- it calls ``sys.exit`` on some bad destinations: we only pass validated node numbers;
- ``myInfo`` is None while a reconnect redoes the handshake: we keep the node number we read
  at the first connect.

Identity (docs/admin.md, "Who is talking: radio keys"): a packet's ``from`` proves
nothing.  For each text we pass on what the firmware reports — ``pki_encrypted`` and the
sender's ``public_key`` of a PKI DM (the firmware decrypts it with the key its node list holds
for ``from``), and the key in the node list itself (NODEINFO, ``user.publicKey``) — so the
engine can bind a node to the key it first saw (``runtime/systems/staff.py``).  The library
hands keys over as base64 text; anything else is dropped.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import logging
import random
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from meshtastic.serial_interface import SerialInterface
from meshtastic.tcp_interface import TCPInterface
from pubsub import pub

log = logging.getLogger("meshmush.radio")

BROADCAST_NUM = 0xFFFFFFFF
DEFAULT_TCP_PORT = 4403


class RadioError(Exception):
    """The radio cannot be reached or did not answer; the message says which and how."""


@dataclass(frozen=True)
class RadioTarget:
    kind: str  # "serial" | "tcp"
    address: str  # device path, or host
    port: int = DEFAULT_TCP_PORT

    def describe(self) -> str:
        return f"serial port {self.address}" if self.kind == "serial" else f"TCP node {self.address}:{self.port}"


@dataclass(frozen=True)
class TextIn:
    """A text message the radio received."""

    sender: str  # "!a1b2c3d4"
    sender_num: int
    to_num: int
    packet_id: int
    text: str
    channel: int
    direct: bool  # addressed to our node (a DM), not a channel broadcast
    name: str | None  # the sender's long name, when the radio knows it
    pki_encrypted: bool = False  # the firmware decrypted it with the sender's public key
    public_key: str = ""  # that key, base64 (only with pki_encrypted)
    node_key: str = ""  # the sender's key in the radio's node list (NODEINFO), base64
    snr: float | None = None  # dB, of the last hop as our radio heard it
    hops: int | None = None  # hops the packet took to reach us (None: the firmware does not say)


@dataclass(frozen=True)
class LinkSettings:
    connect_timeout_s: float = 20.0
    confirm_timeout_s: float = 5.0
    confirm_sends: bool = True
    want_ack: bool = True
    reconnect_min_s: float = 1.0
    reconnect_max_s: float = 60.0
    failures_before_reconnect: int = 2


def _key_text(value: Any) -> str:
    """A public key as the library gives it (base64 of 32 bytes), or "" for anything else."""
    if not isinstance(value, str) or not 40 <= len(value) <= 48:
        return ""
    try:
        raw = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return ""
    return value if len(raw) == 32 and any(raw) else ""


def parse_node_id(node: str) -> int:
    """``!a1b2c3d4`` → its number; ValueError for anything else (never reaches the library)."""
    if len(node) != 9 or node[0] != "!":
        raise ValueError(f"not a node id: {node!r}")
    num = int(node[1:], 16)
    if num in (0, BROADCAST_NUM):
        raise ValueError(f"not a node id: {node!r}")
    return num


def _snr(packet: dict[str, Any]) -> float | None:
    value = packet.get("rxSnr", 0.0)  # protobuf leaves out a zero
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _hops(packet: dict[str, Any]) -> int | None:
    """``hopStart - hopLimit`` (firmware 2.3 and later set ``hopStart``)."""
    start, limit = packet.get("hopStart"), packet.get("hopLimit", 0)
    if not isinstance(start, int) or not isinstance(limit, int) or start <= 0:
        return None
    return max(0, start - limit)


class MeshtasticLink:
    def __init__(
        self,
        target: RadioTarget,
        on_text: Callable[[TextIn], None],
        settings: LinkSettings = LinkSettings(),
    ) -> None:
        self.target = target
        self.settings = settings
        self._on_text = on_text
        self._iface: Any = None
        self._retired: weakref.WeakSet[Any] = weakref.WeakSet()  # interfaces we closed
        self._lock = threading.Lock()
        self._up = threading.Event()
        self._closing = threading.Event()
        self._confirm = threading.Condition()
        self._confirmed: dict[int, int] = {}  # packet id → res, from the radio's queueStatus
        self._failures = 0
        self._supervisor: threading.Thread | None = None
        self._wake = threading.Event()
        self.node_num: int | None = None
        self.receiving = True
        pub.subscribe(self._on_receive, "meshtastic.receive.text")
        pub.subscribe(self._on_lost, "meshtastic.connection.lost")

    # ------------------------------------------------------------------ lifecycle
    def connect(self) -> None:
        """First connection; RadioError with a clear reason after ``connect_timeout_s``."""
        self._iface = self._open()
        self._mark_up()
        self._supervisor = threading.Thread(target=self._supervise, name="radio-supervisor", daemon=True)
        self._supervisor.start()

    def close(self) -> None:
        self._closing.set()
        self._wake.set()
        self._up.clear()
        with self._lock:
            iface, self._iface = self._iface, None
        if iface is not None:
            self._close_iface(iface)
        for topic, fn in (("meshtastic.receive.text", self._on_receive), ("meshtastic.connection.lost", self._on_lost)):
            with contextlib.suppress(Exception):
                pub.unsubscribe(fn, topic)

    @property
    def up(self) -> bool:
        return self._up.is_set()

    def wait_up(self, timeout: float) -> bool:
        return self._up.wait(timeout)

    # ------------------------------------------------------------------ sending
    def send_text(self, to: str, text: str) -> bool:
        """Hand one frame to the radio.  True when the radio took it; False when the link is
        down or the radio did not account for it in time (the caller keeps the frame)."""
        num = parse_node_id(to)
        with self._lock:
            iface = self._iface
        if iface is None or not self._up.is_set():
            return False
        try:
            packet = iface.sendText(text, destinationId=num, wantAck=self.settings.want_ack)
        except (Exception, SystemExit) as exc:
            log.warning("radio send failed: %s", exc)
            self._failed(iface, f"send failed: {exc}")
            return False
        if not self.settings.confirm_sends:
            return True
        packet_id = int(getattr(packet, "id", 0) or 0)
        if self._wait_confirm(packet_id):
            self._failures = 0
            return True
        log.warning("the radio did not confirm packet %08x within %.1f s", packet_id,
                    self.settings.confirm_timeout_s)
        self._failed(iface, "no queue status for a packet")
        return False

    def _wait_confirm(self, packet_id: int) -> bool:
        deadline = time.monotonic() + self.settings.confirm_timeout_s
        with self._confirm:
            while packet_id not in self._confirmed:
                left = deadline - time.monotonic()
                if left <= 0 or self._closing.is_set():
                    return False
                self._confirm.wait(min(left, 0.1))
            res = self._confirmed.pop(packet_id)
        if res:
            log.warning("the radio refused packet %08x (queue status %d)", packet_id, res)
        return res == 0

    def _queue_status_hook(self, iface: Any) -> None:
        """Learn about the radio's queueStatus answers (the library does not publish them)."""
        original = iface._handleQueueStatusFromRadio

        def observe(status: Any) -> None:
            with self._confirm:
                self._confirmed[int(status.mesh_packet_id)] = int(status.res)
                while len(self._confirmed) > 1024:
                    self._confirmed.pop(next(iter(self._confirmed)))
                self._confirm.notify_all()
            original(status)

        iface._handleQueueStatusFromRadio = observe

    # ------------------------------------------------------------------ receiving
    def _on_receive(self, packet: dict[str, Any], interface: Any) -> None:
        if interface in self._retired or not self.receiving:
            return  # (a new interface publishes before its constructor returns: accept it)
        try:
            decoded = packet.get("decoded") or {}
            text = decoded.get("text")
            sender_num = int(packet.get("from", 0))
            info = getattr(interface, "myInfo", None)
            ours = int(getattr(info, "my_node_num", 0) or 0) or self.node_num
            if sender_num in (0, ours, BROADCAST_NUM):
                log.debug("ignored a text from node number %08x (not a sender)", sender_num & 0xFFFFFFFF)
                return
            if not isinstance(text, str):  # the library could not decode it: say so, once a packet
                payload = decoded.get("payload")
                size = len(payload) if isinstance(payload, (bytes, bytearray)) else 0
                log.warning("ignored a text of %d bytes from !%08x (packet %08x) that is not UTF-8",
                            size, sender_num, int(packet.get("id", 0) or 0) & 0xFFFFFFFF)
                return
            to_num = int(packet.get("to", BROADCAST_NUM))
            name = None
            node = (getattr(interface, "nodesByNum", None) or {}).get(sender_num) or {}
            user = node.get("user") or {}
            if isinstance(user.get("longName"), str):
                name = user["longName"]
            pki = packet.get("pkiEncrypted") is True
            msg = TextIn(
                sender=f"!{sender_num:08x}",
                sender_num=sender_num,
                to_num=to_num,
                packet_id=int(packet.get("id", 0) or 0),
                text=text,
                channel=int(packet.get("channel", 0) or 0),
                direct=ours is not None and to_num == ours,
                name=name,
                pki_encrypted=pki,
                public_key=_key_text(packet.get("publicKey")) if pki else "",
                node_key=_key_text(user.get("publicKey")),
                snr=_snr(packet),
                hops=_hops(packet),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            log.warning("ignored a malformed packet from the radio: %s", exc)
            return
        self._on_text(msg)

    def _on_lost(self, interface: Any) -> None:
        if interface is self._iface and not self._closing.is_set():
            log.warning("the radio link was lost")
            self._up.clear()
            self._wake.set()

    # ------------------------------------------------------------------ connection
    def _open(self) -> Any:
        """Build an interface in a helper thread, so that a radio that never answers (or a TCP
        connect that hangs) ends in RadioError after the timeout instead of a hang."""
        box: dict[str, Any] = {}
        lock = threading.Lock()
        timeout = self.settings.connect_timeout_s

        def build() -> None:
            try:
                if self.target.kind == "serial":
                    box["iface"] = SerialInterface(self.target.address, timeout=max(1, int(timeout)))
                else:
                    box["iface"] = TCPInterface(self.target.address, portNumber=self.target.port,
                                                timeout=max(1, int(timeout)))
            except BaseException as exc:
                box["error"] = exc
                return
            with lock:
                if box.get("abandoned"):  # we gave up on it: it must not deliver packets
                    self._close_iface(box["iface"])

        t = threading.Thread(target=build, name="radio-connect", daemon=True)
        t.start()
        t.join(timeout + 2)
        with lock:
            if t.is_alive():
                box["abandoned"] = True
        if box.get("abandoned"):
            raise RadioError(f"the {self.target.describe()} did not answer within {timeout:.0f} s")
        if "error" in box:
            exc = box["error"]
            reason = str(exc) or type(exc).__name__
            if "Timed out" in reason:
                reason = f"no answer to the configuration handshake within {timeout:.0f} s"
            raise RadioError(f"cannot connect to the {self.target.describe()}: {reason}")
        iface = box["iface"]
        info = getattr(iface, "myInfo", None)
        num = getattr(info, "my_node_num", None)
        if num:
            self.node_num = int(num)
        elif self.node_num is None:
            self._close_iface(iface)
            raise RadioError(f"the {self.target.describe()} did not say its node number")
        self._queue_status_hook(iface)
        return iface

    def _mark_up(self) -> None:
        self._failures = 0
        self._up.set()
        log.info("radio link up: %s, node !%08x", self.target.describe(), self.node_num or 0)

    def _failed(self, iface: Any, reason: str) -> None:
        self._failures += 1
        if self._failures >= self.settings.failures_before_reconnect and iface is self._iface:
            log.warning("radio link considered down (%s); reconnecting", reason)
            self._up.clear()
            self._wake.set()

    def _supervise(self) -> None:
        """Rebuild the interface whenever the link is down, with exponential backoff."""
        delay = self.settings.reconnect_min_s
        while not self._closing.is_set():
            self._wake.wait(1.0)
            self._wake.clear()
            if self._closing.is_set():
                return
            if self._up.is_set():
                delay = self.settings.reconnect_min_s
                continue
            with self._lock:
                old, self._iface = self._iface, None
            if old is not None:
                self._close_iface(old)
            while not self._closing.is_set():
                try:
                    iface = self._open()
                except RadioError as exc:
                    log.warning("%s; next try in %.1f s", exc, delay)
                    self._closing.wait(delay * random.uniform(0.8, 1.2))
                    delay = min(delay * 2, self.settings.reconnect_max_s)
                    continue
                with self._lock:
                    self._iface = iface
                self._mark_up()
                delay = self.settings.reconnect_min_s
                break

    def _close_iface(self, iface: Any) -> None:
        self._retired.add(iface)

        def close() -> None:
            with contextlib.suppress(BaseException):
                iface.close()

        t = threading.Thread(target=close, name="radio-close", daemon=True)
        t.start()
        t.join(5)
