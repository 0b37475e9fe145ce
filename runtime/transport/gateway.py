"""``meshmush gateway``: one radio, bridged to the world's server through an MQTT broker.

The gateway owns its radio through the same ``RadioLink`` as ``serve`` (the fair two-class queue,
chunking, pacing: airtime is per radio).  Upward it publishes every direct message its radio
hears — node, packet id, text, SNR, hops, time — to ``PREFIX/v1/gw/ID/in`` (QoS 1; the mesh's
own rebroadcasts of one packet are dropped here already).  Downward it takes the server's
``Outgoing`` messages from ``PREFIX/v1/gw/ID/out`` into its queue, replies before notices; a reply
its full queue hands back goes back to the server on ``dropped`` (kept for MORE there).

Liveness: the connection carries a will — a retained ``status`` saying "offline" that the broker
publishes when the gateway vanishes (a kill, a crash, a cut cable: after 1.5 × ``keepalive_s`` at
the latest).  Online, the gateway says so (retained), and again whenever its radio link goes up
or down.  Every ``stats_interval_s`` it publishes its figures (``stats``) and logs a status line.

SIGTERM: stop taking texts, say "offline" (the server routes elsewhere from then on), send what
is queued (up to ``drain_timeout_s``), disconnect.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from runtime.frames import split_frames
from runtime.transport import gateway_protocol as wire
from runtime.transport.config import MqttUrl, ServeConfig
from runtime.transport.gateway_stats import GatewayStat, stats_line
from runtime.transport.inbound import Deduper
from runtime.transport.mqtt_link import MqttClient, Will, describe
from runtime.transport.server import Radio, RadioLink, Stats

log = logging.getLogger("meshmush.gateway")


class Gateway:
    def __init__(
        self,
        cfg: ServeConfig,
        gateway_id: str,
        url: MqttUrl,
        radio_factory: Callable[[Callable[[wire.Heard], None]], Radio],
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.cfg = cfg
        self.id = gateway_id
        self.url = url
        self.clock = clock
        self.wall_ms = wall_ms
        self.topics = wire.Topics(cfg.mqtt.topic_prefix)
        self.stats = Stats()
        self.heard = 0
        self.receiving = True
        self._dedupe = Deduper(600.0, 8192)
        self._dedupe_lock = threading.Lock()
        self._stop = threading.Event()
        self._started = clock()
        self._radio_up: bool | None = None
        self._ticker: threading.Thread | None = None
        self.client = MqttClient(
            cfg.mqtt, url, cfg.mqtt.client_id or f"meshmush-gw-{gateway_id}", self._on_message,
            subscriptions=[self.topics.outbound(gateway_id)],
            will=Will(self.topics.status(gateway_id), wire.encode_status(wire.Status(gateway_id, False))),
            on_connect=self._on_connect,
        )
        self._radio_factory = radio_factory
        self.link: RadioLink | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self, connect_timeout_s: float = 20.0) -> None:
        """Connect the radio, then the broker (RadioError or MqttError with a clear reason)."""
        radio = self._radio_factory(self._on_heard)
        self.link = RadioLink(radio, self.cfg, self.stats, self.clock)
        self.link.start()
        try:
            self.client.connect(connect_timeout_s)
        except Exception:
            self.link.close()
            raise
        log.info("gateway %s: radio %s bridged to %s (topics %s/)", self.id, self.node or "?", describe(self.url),
                 self.topics.base(self.id))
        self._ticker = threading.Thread(target=self._tick, name="gateway-status", daemon=True)
        self._ticker.start()

    def request_stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """Until ``request_stop``; then drain, say goodbye and close."""
        self._stop.wait()
        self.stop()

    def stop(self) -> None:
        """Say "offline" first (the server routes elsewhere from then on), send what is queued,
        then disconnect."""
        self._stop.set()
        self.receiving = False
        if self._ticker is not None:
            self._ticker.join(2)
        goodbye = Will(self.topics.status(self.id), self._status_payload(online=False))
        if self.client.connected:
            self.client.publish(goodbye.topic, goodbye.payload, retain=True)
        link = self.link
        left = 0
        if link is not None:
            link.receiving = False
            left = link.drain(self.cfg.transport.drain_timeout_s)
        self.client.close(goodbye)
        if link is not None:
            link.close()
        log.info("gateway %s stopped: %d texts heard, %s, %d frame(s) unsent", self.id, self.heard,
                 link.summary() if link is not None else "no radio", left)

    @property
    def node(self) -> str | None:
        num = getattr(self.link.radio if self.link is not None else None, "node_num", None)
        return f"!{num:08x}" if isinstance(num, int) and num else None

    # ------------------------------------------------------------------ radio → broker
    def _on_heard(self, h: wire.Heard) -> None:
        if not self.receiving:
            return
        if not h.direct and not self.cfg.transport.public_prefix.strip():
            return  # channel chatter is nobody's command here
        if h.packet_id:
            with self._dedupe_lock:
                if self._dedupe.seen(h.node, h.packet_id, self.clock()):
                    return  # the mesh delivered the same packet again
        self.heard += 1
        if not self.client.publish(self.topics.inbound(self.id), wire.encode_heard(h)):
            log.error("the broker has been away too long: a text from %s was dropped ([mqtt] max_queued)", h.node)

    # ------------------------------------------------------------------ broker → radio
    def _on_message(self, topic: str, payload: bytes, done: Callable[[], None]) -> None:
        link = self.link
        if topic != self.topics.outbound(self.id) or link is None:
            done()
            return
        try:
            messages = wire.decode_outgoing(payload)
        except wire.WireError as exc:
            log.warning("ignored a malformed message from the server: %s", exc)
            done()
            return
        link.send(messages, self._dropped)
        done()  # queued: the broker may forget it

    def _dropped(self, to: str, text: str) -> bool:
        frames = len(split_frames(text, self.cfg.transport.frame_bytes))
        return self.client.publish(self.topics.dropped(self.id),
                                   wire.encode_dropped(wire.Dropped(self.id, to, text, frames)))

    # ------------------------------------------------------------------ status
    def _status_payload(self, online: bool) -> bytes:
        radio_up = self.link.up if self.link is not None else None
        return wire.encode_status(wire.Status(self.id, online, self.wall_ms(), radio_up, self.node))

    def _on_connect(self, session_present: bool) -> None:
        self._publish_status()

    def _publish_status(self) -> None:
        self._radio_up = self.link.up if self.link is not None else None
        self.client.publish(self.topics.status(self.id), self._status_payload(online=True), retain=True)

    def figures(self) -> wire.GatewayFigures:
        link = self.link
        out = link.out if link is not None else None
        return wire.GatewayFigures(
            gateway=self.id,
            time_ms=self.wall_ms(),
            uptime_s=self.clock() - self._started,
            radio_up=link is not None and link.up,
            heard=self.heard,
            frames_sent=self.stats.frames_sent,
            bytes_sent=self.stats.bytes_sent,
            airtime_s=link.airtime_s if link is not None else 0.0,
            send_failures=self.stats.send_failures,
            reply_frames=out.reply_frames if out is not None else 0,
            notice_lines=out.notice_lines if out is not None else 0,
            queue_peak=out.peak if out is not None else 0,
            dropped_frames=out.dropped_frames if out is not None else 0,
        )

    def gateway_stats(self) -> list[GatewayStat]:
        f = self.figures()
        return [GatewayStat(self.id, self.client.connected, f.radio_up, f.heard, 0, f.frames_sent, f.bytes_sent,
                            f.airtime_s, f.reply_frames, f.notice_lines, f.dropped_frames, f.uptime_s)]

    def _tick(self) -> None:
        """Every second: republish the status when the radio link went up or down; every
        ``stats_interval_s``: publish the figures and log the status line."""
        interval = self.cfg.mqtt.stats_interval_s
        next_stats = self.clock()
        while not self._stop.wait(1.0 if interval > 1.0 else interval):
            if self.link is not None and self.link.up != self._radio_up and self.client.connected:
                self._publish_status()
            now = self.clock()
            if now >= next_stats:
                next_stats = now + interval
                log.info("status: broker %s, %d unacknowledged; %s", "connected" if self.client.connected else "away",
                         self.client.unacknowledged(), stats_line(self.gateway_stats()).removeprefix("gateways: "))
                self.client.publish(self.topics.stats(self.id), wire.encode_figures(self.figures()))
