"""``meshmush serve --mqtt``: the server's link to any number of gateways through a broker.

Inbound, every gateway's ``in`` messages feed the one ``Server.on_text`` (docs/gateways.md):
the inbound filter there drops a (node, packet id) already seen — a direct message heard by two
radios runs once — and rate-limits per node across gateways.  Before that, every copy tells the
``Router`` how that gateway heard the node at once, and the text waits ``[mqtt] gather_s`` (in
arrival order) so that the copies other radios heard arrive before its reply is routed.  A message is acknowledged to the broker only when
its command has committed (or was refused): until then the broker keeps it, through a broker
restart or ours.

Outbound, each engine batch's messages are grouped by the gateway that hears each player best
(``runtime.transport.routing``) and published to that gateway's ``out`` topic as they are —
``Outgoing`` with its delivery class (reply or notice lines, newcomer) — so the gateway's own
fair queue keeps replies before notices on its radio.  A reply a gateway's full queue hands back
comes back on ``dropped`` and is kept for MORE.  A gateway whose will fires (retained status
"offline") gets nothing more; its players route through the others that heard them.

Every ``[mqtt] stats_interval_s`` the link logs a line with each gateway's traffic, airtime and
queue depth (``gateway_stats()``; the gateways report their own figures on ``stats``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from runtime.engine.io import Outgoing
from runtime.engine.stats import RadioFigures, TransportFigures
from runtime.transport import gateway_protocol as wire
from runtime.transport.config import MqttUrl, ServeConfig, valid_gateway_id
from runtime.transport.gateway_stats import GatewayStat, stats_line
from runtime.transport.mqtt_link import MqttClient, describe
from runtime.transport.routing import Router
from runtime.transport.server import Server, TextCommand

log = logging.getLogger("meshmush.serve")

BATCH_MESSAGES = 256  # messages per published batch (a crowd's notices are split into several)
HOUR_S = 3600.0


@dataclass
class _Counts:
    heard: int = 0
    routed: int = 0
    bad: int = 0


class _LastHour:
    """What a gateway sent in the last hour, from its cumulative reports (a restarted gateway
    counts from zero again: a drop in its totals starts a new run)."""

    def __init__(self) -> None:
        self._steps: deque[tuple[float, int, int, float]] = deque()  # (time, frames, bytes, airtime) added
        self._last: tuple[int, int, float] | None = None

    def report(self, now: float, frames: int, nbytes: int, air: float, uptime_s: float) -> None:
        last = self._last
        if last is None:  # the first report: all of it is recent if the gateway is young
            last = (0, 0, 0.0) if uptime_s <= HOUR_S else (frames, nbytes, air)
        elif frames < last[0] or nbytes < last[1]:  # it restarted
            last = (0, 0, 0.0)
        step = (frames - last[0], nbytes - last[1], max(0.0, air - last[2]))
        self._last = (frames, nbytes, air)
        if any(step):
            self._steps.append((now, *step))
        self.trim(now)

    def trim(self, now: float) -> None:
        while self._steps and self._steps[0][0] <= now - HOUR_S:
            self._steps.popleft()

    def totals(self, now: float) -> tuple[int, int, float]:
        self.trim(now)
        return (sum(s[1] for s in self._steps), sum(s[2] for s in self._steps), sum(s[3] for s in self._steps))


class MqttServerLink:
    def __init__(self, server: Server, cfg: ServeConfig, url: MqttUrl, *,
                 clock: Callable[[], float] = time.monotonic, connect_timeout_s: float = 20.0) -> None:
        self.server = server
        self.cfg = cfg
        self.clock = clock
        self.topics = wire.Topics(cfg.mqtt.topic_prefix)
        self.router = Router(cfg.mqtt.route_window_s, clock=clock)
        self.receiving = True
        self._counts: dict[str, _Counts] = {}
        self._figures: dict[str, wire.GatewayFigures] = {}
        self._hour: dict[str, _LastHour] = {}
        self._lock = threading.Lock()
        self._unroutable = 0
        self._unroutable_logged = float("-inf")
        self._lost = 0
        self._bad_logged: dict[str, float] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._gathering: deque[tuple[float, TextCommand]] = deque()
        self._gather_cond = threading.Condition()
        self._gatherer: threading.Thread | None = None
        self.client = MqttClient(cfg.mqtt, url, cfg.mqtt.client_id or "meshmush-serve", self._on_message,
                                 subscriptions=self.topics.server_subscriptions())
        self.client.connect(connect_timeout_s)
        log.info("taking commands from gateways through %s (topics %s/v%d/gw/+/…)", describe(url),
                 cfg.mqtt.topic_prefix, wire.VERSION)

    # ------------------------------------------------------------------ Link
    @property
    def up(self) -> bool:
        return self.client.connected

    def start(self) -> None:
        self._ticker = threading.Thread(target=self._tick, name="gateway-stats", daemon=True)
        self._ticker.start()
        self._gatherer = threading.Thread(target=self._gather, name="gather", daemon=True)
        self._gatherer.start()

    def send(self, replies: Sequence[Outgoing], requeue: Callable[[str, str], bool] | None) -> None:
        if not replies:
            return
        routes = self.router.routes(sorted({o.to for o in replies}))
        batches: dict[str, list[Outgoing]] = {}
        unroutable = 0
        for o in replies:
            gateway = routes.get(o.to)
            if gateway is None:
                unroutable += 1
                continue
            batches.setdefault(gateway, []).append(o)
        for gateway, messages in batches.items():
            topic = self.topics.outbound(gateway)
            for i in range(0, len(messages), BATCH_MESSAGES):
                chunk = messages[i:i + BATCH_MESSAGES]
                if self.client.publish(topic, wire.encode_outgoing(chunk)):
                    with self._lock:
                        self._count(gateway).routed += len(chunk)
                else:
                    with self._lock:
                        self._lost += len(chunk)
                    log.error("the broker has been away too long: %d message(s) for gateway %s dropped "
                              "([mqtt] max_queued)", len(chunk), gateway)
        if unroutable:
            self._report_unroutable(unroutable)

    def drain(self, timeout: float) -> int:
        left = self.client.unacknowledged()
        if left:
            log.info("stopping: waiting for the broker to take %d message(s) (up to %.0f s)", left, timeout)
        return self.client.flush(timeout)

    def close(self) -> None:
        self._stop.set()
        with self._gather_cond:
            self._gather_cond.notify_all()
        for thread in (self._ticker, self._gatherer):
            if thread is not None:
                thread.join(2)
        self.client.close(timeout=0.0)
        log.info(stats_line(self.gateway_stats()))

    def summary(self) -> str:
        with self._lock:
            routed = sum(c.routed for c in self._counts.values())
            gateways = len(self._counts)
        return f"{routed} messages routed through {gateways} gateway(s)"

    def gateway_stats(self) -> list[GatewayStat]:
        with self._lock:
            names = sorted(set(self._counts) | set(self._figures) | set(self.router.gateways()))
            out = []
            for name in names:
                c = self._counts.get(name, _Counts())
                f = self._figures.get(name)
                online = self.router.online(name)
                if f is None:
                    out.append(GatewayStat(name, online, True, c.heard, c.routed, 0, 0, 0.0, 0, 0, 0, reported=False))
                else:
                    out.append(GatewayStat(name, online, f.radio_up, c.heard, c.routed, f.frames_sent, f.bytes_sent,
                                           f.airtime_s, f.reply_frames, f.notice_lines, f.dropped_frames, f.uptime_s))
            return out

    def transport_figures(self) -> TransportFigures:
        """All radios together and each one: frames, bytes and airtime of the last hour (from the
        gateways' reports), queue depth, drops and resends (their latest reports), and the
        server's rate-limit hits."""
        now = self.clock()
        radios: list[RadioFigures] = []
        frames = nbytes = depth = drops = failures = 0
        with self._lock:
            names = sorted(set(self._figures) | set(self._counts) | set(self.router.gateways()))
            for name in names:
                f = self._figures.get(name)
                fr, nb, air = self._hour[name].totals(now) if name in self._hour else (0, 0, 0.0)
                queue = f.reply_frames + f.notice_lines if f is not None else 0
                frames, nbytes, depth = frames + fr, nbytes + nb, depth + queue
                if f is not None:
                    drops += f.dropped_frames
                    failures += f.send_failures
                radios.append(RadioFigures(name, self.router.online(name), fr, round(air, 1), queue))
        return TransportFigures(frames_last_hour=frames, bytes_last_hour=nbytes, queue_depth=depth, queue_drops=drops,
                                rate_limit_hits=self.server.air.limit_hits, send_failures=failures,
                                radios=tuple(radios))

    # ------------------------------------------------------------------ MQTT thread
    def _count(self, gateway: str) -> _Counts:
        c = self._counts.get(gateway)
        if c is None:
            c = self._counts[gateway] = _Counts()
        return c

    def _on_message(self, topic: str, payload: bytes, done: Callable[[], None]) -> None:
        parsed = self.topics.parse(topic)
        if parsed is None or not valid_gateway_id(parsed[0]):
            done()
            return
        gateway, leaf = parsed
        try:
            if leaf == "in":
                if not self.receiving:
                    return  # not acknowledged: the broker gives it to the next run
                self._heard(wire.decode_heard(payload, gateway), done)
                return
            if leaf == "status":
                self._status(wire.decode_status(payload, gateway))
            elif leaf == "stats":
                figures = wire.decode_figures(payload, gateway)
                with self._lock:
                    self._figures[gateway] = figures
                    self._hour.setdefault(gateway, _LastHour()).report(
                        self.clock(), figures.frames_sent, figures.bytes_sent, figures.airtime_s, figures.uptime_s)
            elif leaf == "dropped":
                self._dropped(wire.decode_dropped(payload, gateway))
        except wire.WireError as exc:
            self._bad(gateway, leaf, str(exc))
        done()

    def _heard(self, h: wire.Heard, done: Callable[[], None]) -> None:
        self.router.heard(h.node, h.gateway, h.snr, h.hops)
        with self._lock:
            self._count(h.gateway).heard += 1
        command = TextCommand(h.node, h.packet_id, h.text, h.direct, h.name, h.pki, h.public_key, h.node_key,
                              done=done)
        if self.cfg.mqtt.gather_s <= 0:
            self.server.on_text(command)
            return
        with self._gather_cond:
            self._gathering.append((self.clock() + self.cfg.mqtt.gather_s, command))
            self._gather_cond.notify_all()

    def _gather(self) -> None:
        """Hand texts to the server ``gather_s`` after they arrived, in arrival order (a copy of one
        already handed over is a duplicate there, and is dropped)."""
        while not self._stop.is_set():
            with self._gather_cond:
                if not self._gathering:
                    self._gather_cond.wait(0.5)
                    continue
                due, command = self._gathering[0]
                wait = due - self.clock()
                if wait > 0:
                    self._gather_cond.wait(wait)
                    continue
                self._gathering.popleft()
            self.server.on_text(command)

    def _status(self, s: wire.Status) -> None:
        if not self.router.set_status(s.gateway, s.online, s.radio_up):
            return
        if s.online:
            log.info("gateway %s is online (radio %s%s)", s.gateway, s.node or "?",
                     "" if s.radio_up is not False else ", link down")
            return
        moved = self.router.routes(self.router.heard_by(s.gateway))
        where: dict[str, int] = {}
        for gateway in moved.values():
            key = f"to {gateway}" if gateway not in (None, s.gateway) else "waiting (no gateway online)"
            where[key] = where.get(key, 0) + 1
        detail = ", ".join(f"{n} {g}" for g, n in sorted(where.items()))
        log.warning("gateway %s is offline; its players move: %s", s.gateway, detail or "none heard")

    def _dropped(self, d: wire.Dropped) -> None:
        engine = self.server.engine
        self.server.call_soon(lambda: log.debug("gateway %s dropped %d frame(s) for %s%s", d.gateway, d.frames, d.to,
                                                " (kept for MORE)" if engine.requeue(d.to, d.text) else ""))

    def _bad(self, gateway: str, leaf: str, reason: str) -> None:
        with self._lock:
            self._count(gateway).bad += 1
        now = self.clock()
        key = f"{gateway}/{leaf}"
        if now - self._bad_logged.get(key, float("-inf")) >= 60.0:
            self._bad_logged[key] = now
            log.warning("ignored a malformed message on %s from gateway %s: %s", leaf, gateway, reason)

    def _report_unroutable(self, count: int) -> None:
        now = self.clock()
        with self._lock:
            self._unroutable += count
            if now - self._unroutable_logged < 60.0:
                return
            count, self._unroutable = self._unroutable, 0
            self._unroutable_logged = now
        log.warning("no gateway known yet: %d message(s) had nowhere to go", count)

    def _tick(self) -> None:
        interval = self.cfg.mqtt.stats_interval_s
        while not self._stop.wait(interval):
            log.info(stats_line(self.gateway_stats()))
