"""The only module that imports ``paho-mqtt`` (EPL-2.0 / EDL-1.0; see docs/gateways.md).

``MqttClient`` is one connection to the broker with what gateways and ``serve --mqtt`` need and
nothing else:

- QoS 1 both ways and a **persistent session** (MQTT 3.1.1 ``clean_session = false``; MQTT 5
  ``clean_start = false`` with a session expiry), so the broker keeps what is published for a
  client while it is away, and a client keeps (and sends again) what the broker has not
  acknowledged while the broker is away;
- **manual acknowledgement**: a received message is acknowledged to the broker only when the
  caller says it is done with it (``serve`` after the command's transaction committed), in the
  order the messages arrived, so a crash before that loses nothing — the broker delivers it again;
- TLS (``mqtts://``, CA and client certificate files) and username/password from ``[mqtt]``;
- a will (a gateway's retained "offline" status, published by the broker when the connection
  dies without a goodbye), and a last word on a clean stop;
- reconnection with backoff by paho's own thread after the first connection; the first
  connection fails with ``MqttError`` and a clear reason instead.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from runtime.transport.config import MqttConfig, MqttUrl

log = logging.getLogger("meshmush.mqtt")

OnMessage = Callable[[str, bytes, Callable[[], None]], None]


class MqttError(Exception):
    """The broker cannot be reached or refused us; the message says which and why."""


@dataclass(frozen=True)
class Will:
    topic: str
    payload: bytes
    retain: bool = True


class _Acks:
    """Acknowledgements in arrival order: a message is acknowledged when it and every message
    that arrived before it are done.  A lost session (the broker forgot us) voids the tickets."""

    def __init__(self, send: Callable[[int], None]) -> None:
        self._send = send
        self._pending: deque[list[int]] = deque()  # [mid, done, generation]
        self._generation = 0
        self._lock = threading.Lock()

    def ticket(self, mid: int) -> Callable[[], None]:
        with self._lock:
            entry = [mid, 0, self._generation]
            self._pending.append(entry)

        def done() -> None:
            ready: list[int] = []
            with self._lock:
                if entry[2] != self._generation or entry[1]:
                    return
                entry[1] = 1
                while self._pending and self._pending[0][1]:
                    ready.append(self._pending.popleft()[0])
            for m in ready:
                self._send(m)

        return done

    def void(self) -> None:
        with self._lock:
            self._generation += 1
            self._pending.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._pending)


def describe(url: MqttUrl) -> str:
    return f"{'mqtts' if url.tls else 'mqtt'}://{url.host}:{url.port}"


class MqttClient:
    def __init__(
        self,
        cfg: MqttConfig,
        url: MqttUrl,
        client_id: str,
        on_message: OnMessage,
        *,
        subscriptions: Sequence[str] = (),
        will: Will | None = None,
        on_connect: Callable[[bool], None] | None = None,
        receive_maximum: int = 64,
    ) -> None:
        self.cfg = cfg
        self.url = url
        self.client_id = client_id
        self.subscriptions = list(subscriptions)
        self._on_message_cb = on_message
        self._on_connect_cb = on_connect
        self.v5 = cfg.protocol == "5"
        if (cfg.ca_file or cfg.cert_file) and not url.tls:
            raise MqttError(f"[mqtt] has TLS files but the URL is {describe(url)}: use mqtts:// for TLS")
        if self.v5:
            self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                       protocol=MQTTProtocolVersion.MQTTv5, manual_ack=True)
        else:
            self._client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                                       protocol=MQTTProtocolVersion.MQTTv311, manual_ack=True)
        c = self._client
        c.reconnect_delay_set(cfg.reconnect_min_s, cfg.reconnect_max_s)
        c.max_queued_messages_set(cfg.max_queued)
        if cfg.username:
            c.username_pw_set(cfg.username, cfg.password or None)
        if url.tls:
            try:
                c.tls_set(ca_certs=cfg.ca_file or None, certfile=cfg.cert_file or None,
                          keyfile=cfg.key_file or None, cert_reqs=ssl.CERT_REQUIRED)
            except (OSError, ssl.SSLError, ValueError) as exc:
                raise MqttError(f"cannot set up TLS for {describe(url)}: {exc}") from None
        if will is not None:
            c.will_set(will.topic, will.payload, qos=1, retain=will.retain)
        self._receive_maximum = receive_maximum
        c.on_connect = self._on_connect
        c.on_disconnect = self._on_disconnect
        c.on_message = self._on_message
        c.on_publish = self._on_publish
        self._acks = _Acks(self._ack)
        self._connected = threading.Event()
        self._refused: str | None = None
        self._answered = threading.Event()
        self._cond = threading.Condition()
        self._unacked: set[int] = set()  # our QoS 1 messages the broker has not acknowledged
        self._acked_early: set[int] = set()  # acknowledged before publish() returned
        self._closing = False
        self._was_connected = False
        # counters
        self.published = 0
        self.received = 0
        self.connects = 0

    # ------------------------------------------------------------------ lifecycle
    def connect(self, timeout: float = 20.0) -> None:
        """Connect, subscribe, start the network thread; MqttError when that fails in time."""
        properties = None
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = self.cfg.session_expiry_s
            properties.ReceiveMaximum = self._receive_maximum
        self._client.connect_timeout = max(1.0, min(timeout, 30.0))
        try:
            if self.v5:
                self._client.connect(self.url.host, self.url.port, self.cfg.keepalive_s, clean_start=False,
                                     properties=properties)
            else:
                self._client.connect(self.url.host, self.url.port, self.cfg.keepalive_s)
        except ssl.SSLError as exc:
            raise MqttError(f"TLS with the broker at {describe(self.url)} failed: {exc.reason or exc}") from None
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise MqttError(f"cannot reach the broker at {describe(self.url)}: {reason}") from None
        self._client.loop_start()
        if not self._answered.wait(timeout):
            self._stop_loop()
            raise MqttError(f"the broker at {describe(self.url)} did not answer within {timeout:.0f} s")
        if self._refused is not None:
            self._stop_loop()
            raise MqttError(f"the broker at {describe(self.url)} refused the connection: {self._refused}")

    def close(self, last: Will | None = None, timeout: float = 5.0) -> None:
        """Publish ``last`` (e.g. a retained "offline"), wait for what is unacknowledged, disconnect
        cleanly (the broker then drops the will)."""
        if last is not None and self.connected:
            self.publish(last.topic, last.payload, retain=last.retain)
        self.flush(timeout if self.connected else 0.0)
        if self.connected:  # acknowledgements handed to paho are written before we say goodbye
            deadline = time.monotonic() + timeout
            while self._client.want_write() and time.monotonic() < deadline:
                time.sleep(0.01)
        self._closing = True
        with contextlib.suppress(Exception):
            self._client.disconnect()
        self._stop_loop()

    def _stop_loop(self) -> None:
        with contextlib.suppress(Exception):
            self._client.loop_stop()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout: float) -> bool:
        return self._connected.wait(timeout)

    # ------------------------------------------------------------------ publishing
    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> bool:
        """QoS 1.  True when the message is sent or kept to send when the broker is back; False
        when too many already wait (``[mqtt] max_queued``)."""
        try:
            info = self._client.publish(topic, payload, qos=1, retain=retain)
        except ValueError as exc:
            log.error("cannot publish on %s: %s", topic, exc)
            return False
        if info.rc == MQTTErrorCode.MQTT_ERR_QUEUE_SIZE:
            return False
        with self._cond:
            self.published += 1
            if info.mid in self._acked_early:  # the acknowledgement overtook us
                self._acked_early.discard(info.mid)
            else:
                self._unacked.add(info.mid)
        return True

    def pending_acks(self) -> int:
        """Received messages not yet acknowledged to the broker (not done, or behind one that is not)."""
        return len(self._acks)

    def unacknowledged(self) -> int:
        with self._cond:
            return len(self._unacked)

    def flush(self, timeout: float) -> int:
        """Wait until the broker has acknowledged everything we published; returns what is left."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._unacked:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(min(left, 0.2))
            return len(self._unacked)

    # ------------------------------------------------------------------ paho's thread
    def _ack(self, mid: int) -> None:
        self._client.ack(mid, 1)

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self._refused = str(reason)
            self._answered.set()
            if self._was_connected:
                log.error("the broker at %s refused us: %s; trying again", describe(self.url), reason)
            return
        session = bool(getattr(flags, "session_present", False))
        if not session:
            self._acks.void()
        for topic in self.subscriptions:
            client.subscribe(topic, qos=1)
        self.connects += 1
        first = not self._was_connected
        self._was_connected = True
        self._connected.set()
        self._answered.set()
        log.info("%s the broker at %s as %s (%s session)", "connected to" if first else "reconnected to",
                 describe(self.url), self.client_id, "resumed" if session else "new")
        if self._on_connect_cb is not None:
            self._on_connect_cb(session)

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self._connected.clear()
        if not self._closing:
            log.warning("lost the broker at %s (%s); reconnecting", describe(self.url), reason)

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason: Any, properties: Any) -> None:
        with self._cond:
            if mid in self._unacked:
                self._unacked.discard(mid)
            else:
                self._acked_early.add(mid)
            self._cond.notify_all()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.received += 1
        if message.qos == 0:
            def done() -> None:
                return None
        else:
            done = self._acks.ticket(message.mid)
        try:
            self._on_message_cb(message.topic, bytes(message.payload), done)
        except Exception:  # a bug in our handler must not kill paho's thread; the message is dropped
            log.exception("error handling a message on %s", message.topic)
            done()
