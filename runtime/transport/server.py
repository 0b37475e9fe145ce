"""``meshmush serve`` at run time: link ↔ inbound filter ↔ engine ↔ link.

One ``Server`` runs the engine loop whatever feeds it; a *link* is where commands come from and
replies go.  ``RadioLink`` (below) is one radio: the fair two-class queue, pacing and the sender
thread; ``runtime.transport.mqtt_server.MqttServerLink`` is any number of radios behind
``meshmush gateway`` processes over MQTT (each gateway runs its own ``RadioLink``).

Threads:
- the *engine thread* (the caller of ``Server.run``, the main thread, so signals land there)
  takes commands from the inbox in batches, runs them (one durable write per batch), runs the
  housekeeping that is due (``housekeeping.py``: the engine's tick about once a second,
  scheduled backups, retention, the metrics line) and puts the replies on the outbound queue;
- the *sender thread* takes one frame at a time (round robin over players), waits for the
  pacing slot and hands it to the radio; a frame the radio did not take goes back to the
  front of the queue, so a link fault loses no reply;
- the radio library's threads deliver received texts to ``on_text``, which filters them
  (direct messages only, unless a public prefix is configured; duplicates; rate limits;
  length) and puts commands on the inbox — it never blocks and never calls the radio.  A text
  may carry ``done``, called once it needs nothing more (its command committed, or it was
  refused): the MQTT link acknowledges a message to the broker only then.

SIGTERM (``request_stop``): stop reading, run the commands already received, send what is
queued until the drain deadline, flush analytics, checkpoint, exit 0.  SIGHUP
(``request_reload``): load the new image; if it verifies and is the same world, the engine
switches to it between two batches, keeping sessions; otherwise the old one stays and the log
says why.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from runtime.engine.io import Incoming, Outgoing
from runtime.engine.stats import TransportFigures
from runtime.frames import split_frames
from runtime.image.model import World
from runtime.store.db import StoreError
from runtime.transport.airtime import airtime_s
from runtime.transport.config import ServeConfig
from runtime.transport.gateway_stats import GatewayStat
from runtime.transport.housekeeping import Housekeeper, tick_task
from runtime.transport.inbound import InboundFilter, InboundLimits, Verdict, player_name
from runtime.transport.metrics import AirMetrics
from runtime.transport.outbound import OutQueue

log = logging.getLogger("meshmush.serve")

EXIT_OK, EXIT_ERROR = 0, 1


class Radio(Protocol):
    receiving: bool

    @property
    def up(self) -> bool: ...

    def wait_up(self, timeout: float) -> bool: ...

    def send_text(self, to: str, text: str) -> bool: ...

    def close(self) -> None: ...


class Link(Protocol):
    """Where replies go: a local radio (``RadioLink``) or gateways over MQTT."""

    receiving: bool  # False: stop taking commands (on stop)

    @property
    def up(self) -> bool: ...

    def start(self) -> None: ...

    def send(self, replies: Sequence[Outgoing], requeue: Callable[[str, str], bool] | None) -> None:
        """Queue replies; ``requeue(player, text)`` keeps a reply that found no room, for MORE."""
        ...

    def drain(self, timeout: float) -> int:
        """Keep sending what is queued for up to ``timeout`` seconds; returns how much is left."""
        ...

    def close(self) -> None: ...

    def summary(self) -> str:
        """What was sent, for the last log line."""
        ...

    def gateway_stats(self) -> list[GatewayStat]:
        """Traffic, airtime and queue depth per radio."""
        ...

    def transport_figures(self) -> TransportFigures:
        """For ``/stats`` and the metrics line."""
        ...


class Engine(Protocol):
    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]: ...

    def tick(self, now_ms: int) -> Sequence[Outgoing]: ...

    def requeue(self, player: str, text: str) -> bool: ...

    def swap_world(self, world: World, image_hash: str, now_ms: int) -> None: ...

    def close(self) -> None: ...


@dataclass
class Stats:
    commands: int = 0
    received: int = 0  # texts the radio delivered (before filtering)
    frames_sent: int = 0
    bytes_sent: int = 0
    send_failures: int = 0
    queue_waits: deque[float] = field(default_factory=lambda: deque(maxlen=20_000))  # seconds, every frame
    # replies' first frames: (seconds waited, frames sent before it, players with replies waiting
    # ahead of it when it was queued)
    reply_waits: deque[tuple[float, int, int]] = field(default_factory=lambda: deque(maxlen=20_000))


@dataclass(frozen=True)
class TextCommand:
    """A received text after the radio module's decoding (what ``on_text`` needs of it)."""

    sender: str
    packet_id: int
    text: str
    direct: bool
    name: str | None = None  # the sender's long name, when the radio knows it
    pki: bool = False  # the radio reports a PKI-encrypted DM
    public_key: str = ""  # the sender's public key of that DM (base64)
    node_key: str = ""  # the sender's public key in the radio's node list (base64)
    done: Callable[[], None] | None = None  # called when the text needs nothing more (see above)


class Server:
    def __init__(
        self,
        engine: Engine,
        radio_factory: Callable[[Callable[[TextCommand], None]], Radio] | None,
        cfg: ServeConfig,
        *,
        reload: Callable[[], tuple[World, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        link_factory: Callable[[Server], Link] | None = None,
        housekeeping: Housekeeper | None = None,
    ) -> None:
        """``radio_factory(on_text)`` gives a local radio; ``link_factory(server)`` any other link."""
        self.engine = engine
        self.cfg = cfg
        self.reload = reload
        self.clock = clock
        self.wall_ms = wall_ms
        rl = cfg.rate_limit
        self.filter = InboundFilter(InboundLimits(rl.burst, rl.per_minute, rl.cooldown_s, rl.max_inbound_bytes))
        self.inbox: queue.Queue[tuple[Incoming, Callable[[], None] | None] | None] = queue.Queue()
        self.stats = Stats()
        self.air = AirMetrics(clock)
        self.housekeeping = housekeeping or Housekeeper([tick_task(engine.tick, cfg.engine.tick_s)], clock, wall_ms)
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._chores: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self.link: Link
        if link_factory is not None:
            self.link = link_factory(self)
        elif radio_factory is not None:
            self.link = RadioLink(radio_factory(self.on_text), cfg, self.stats, clock, air=self.air)
        else:
            raise ValueError("a server needs a radio or a link")

    @property
    def radio(self) -> Radio:
        """The local radio (``serve --serial/--tcp`` only)."""
        if not isinstance(self.link, RadioLink):
            raise AttributeError("this server has no local radio")
        return self.link.radio

    @property
    def out(self) -> OutQueue:
        """The local radio's outbound queue (``serve --serial/--tcp`` only; gateways have their own)."""
        if not isinstance(self.link, RadioLink):
            raise AttributeError("this server has no local outbound queue")
        return self.link.out

    def gateway_stats(self) -> list[GatewayStat]:
        """Per radio (the local one, or each gateway): traffic, airtime and queue depth."""
        return self.link.gateway_stats()

    def call_soon(self, chore: Callable[[], None]) -> None:
        """Run ``chore`` on the engine thread between two batches (for a link's threads)."""
        self._chores.put(chore)
        self.inbox.put(None)

    def transport_figures(self) -> TransportFigures:
        """Frames and bytes on air in the last hour, queue depth, drops, rate-limit hits (and,
        with gateways, the same per radio)."""
        return self.link.transport_figures()

    # ------------------------------------------------------------------ signals
    def request_stop(self) -> None:
        self._stop.set()
        self.inbox.put(None)

    def request_reload(self) -> None:
        self._reload.set()
        self.inbox.put(None)

    # ------------------------------------------------------------------ inbound (radio thread)
    def on_text(self, msg: TextCommand) -> None:
        if self._stop.is_set():
            return  # not done: a broker gives it to the next run
        self.stats.received += 1
        if not self._take_text(msg) and msg.done is not None:
            msg.done()

    def _take_text(self, msg: TextCommand) -> bool:
        """True when the command went to the inbox (``done`` is called after its commit)."""
        text = msg.text
        if not msg.direct:
            prefix = self.cfg.transport.public_prefix.strip().lower()
            if not prefix:
                return False
            head, _, rest = text.strip().partition(" ")
            if head.lower() != prefix or not rest.strip():
                return False
            text = rest
        verdict = self.filter.check(msg.sender, msg.packet_id, text, self.clock())
        if verdict is Verdict.ACCEPT:
            self.inbox.put((Incoming(msg.sender, text, self.wall_ms(), player_name(msg.name, msg.sender),
                                     packet_id=msg.packet_id, pki=msg.pki, public_key=msg.public_key,
                                     node_key=msg.node_key), msg.done))
            return True
        if verdict in (Verdict.SLOW_DOWN, Verdict.IGNORED):
            self.air.limited()
        if verdict is Verdict.SLOW_DOWN:
            log.info("rate limit: %s is flooding; ignoring it for %.0f s", msg.sender, self.cfg.rate_limit.cooldown_s)
            self._notice(msg.sender, self.filter.slow_down_text())
        elif verdict is Verdict.TOO_LONG:
            self._notice(msg.sender, self.filter.too_long_text(len(text.encode("utf-8"))))
        elif verdict is Verdict.DUPLICATE:
            log.debug("duplicate packet %08x from %s dropped", msg.packet_id, msg.sender)
        return False

    def _notice(self, to: str, text: str) -> None:
        self._enqueue([Outgoing(to, text)], from_engine=False)

    # ------------------------------------------------------------------ the engine thread
    def run(self) -> int:
        self.link.start()
        code = EXIT_OK
        try:
            while not self._stop.is_set():
                batch = self._take(min(self.housekeeping.seconds_to_next(), self.cfg.engine.tick_s))
                if self._reload.is_set():
                    self._reload.clear()
                    self._do_reload()
                self._run_chores()
                if batch:
                    self._run_batch(batch)
                self._enqueue(self.housekeeping.run_due())  # ticks, backups, retention, metrics
            self.link.receiving = False
            self._drain_inbox()
        except StoreError as exc:
            log.critical("the database failed: %s; stopping (committed commands are safe)", exc)
            code = EXIT_ERROR
        except Exception:  # a bug: log it whole, stop cleanly, let the service manager restart us
            log.exception("internal error in the engine loop; stopping (committed commands are safe)")
            code = EXIT_ERROR
        finally:
            self.link.receiving = False
            self._finish()
        return code

    def _take(self, timeout: float) -> list[tuple[Incoming, Callable[[], None] | None]]:
        batch: list[tuple[Incoming, Callable[[], None] | None]] = []
        try:
            item = self.inbox.get(timeout=timeout)
        except queue.Empty:
            return batch
        if item is not None:
            batch.append(item)
        while len(batch) < self.cfg.engine.batch:
            try:
                item = self.inbox.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                batch.append(item)
        return batch

    def _run_batch(self, batch: list[tuple[Incoming, Callable[[], None] | None]]) -> None:
        replies = self.engine.handle_batch([command for command, _ in batch])
        self.stats.commands += len(batch)
        for _, done in batch:  # committed: a broker may forget them now
            if done is not None:
                done()
        self._enqueue(replies)

    def _run_chores(self) -> None:
        while True:
            try:
                chore = self._chores.get_nowait()
            except queue.Empty:
                return
            chore()

    def _drain_inbox(self) -> None:
        """On stop: the commands already received are run (and answered), not dropped."""
        while True:
            batch = self._take(0.0)
            if not batch:
                return
            self._run_batch(batch)

    def _enqueue(self, replies: Sequence[Outgoing], from_engine: bool = True) -> None:
        self.link.send(replies, self.engine.requeue if from_engine else None)

    def _do_reload(self) -> None:
        if self.reload is None:
            log.warning("SIGHUP: no image to reload from")
            return
        try:
            world, image_hash = self.reload()
            self.engine.swap_world(world, image_hash, self.wall_ms())
        except StoreError:
            raise
        except Exception as exc:
            log.error("SIGHUP: kept the running image: %s", exc)
            return
        log.info("SIGHUP: now running image %s", image_hash[:16])

    def _finish(self) -> None:
        self._run_chores()
        left = self.link.drain(self.cfg.transport.drain_timeout_s)
        try:
            self.engine.close()
        except StoreError as exc:
            log.error("closing the database: %s", exc)
        self.link.close()
        log.info("stopped: %d commands, %s, %d %s unsent", self.stats.commands, self.link.summary(), left,
                 "frame(s)" if isinstance(self.link, RadioLink) else "message(s)")


class RadioLink:
    """One radio: the fair two-class outbound queue, pacing and the sender thread.  ``serve`` with
    a local radio runs one, and so does each ``meshmush gateway`` (airtime is per radio)."""

    def __init__(self, radio: Radio, cfg: ServeConfig, stats: Stats, clock: Callable[[], float] = time.monotonic,
                 *, air: AirMetrics | None = None) -> None:
        self.radio = radio
        self.air = air or AirMetrics(clock)
        self.cfg = cfg
        self.stats = stats
        self.clock = clock
        t = cfg.transport
        self.out = OutQueue(t.queue_frames, clock, frame_bytes=t.frame_bytes, max_notes=t.queue_notes,
                            notice_max_age_s=t.notice_max_age_s or None)
        self._sender_stop = threading.Event()
        self._sender: threading.Thread | None = None
        self._drops: dict[str, int] = {}
        self._drops_logged = float("-inf")
        self._lock = threading.Lock()  # drop counts: send() may run on a gateway's MQTT thread
        self.airtime_s = 0.0  # estimated time on the air of what was sent (runtime.transport.airtime)
        self.started: float | None = None

    @property
    def receiving(self) -> bool:
        return self.radio.receiving

    @receiving.setter
    def receiving(self, value: bool) -> None:
        self.radio.receiving = value

    @property
    def up(self) -> bool:
        return self.radio.up

    def start(self) -> None:
        self.started = self.clock()
        self._sender = threading.Thread(target=self._send_loop, name="sender", daemon=True)
        self._sender.start()

    def send(self, replies: Sequence[Outgoing], requeue: Callable[[str, str], bool] | None) -> None:
        fb = self.cfg.transport.frame_bytes
        self.out.put_many_notes((o.to, o.notes) for o in replies if o.kind == "notice" and o.notes)
        for o in replies:
            if o.kind == "notice" and o.notes:
                continue
            frames = list(o.frames) if o.frames else split_frames(o.text, fb)
            for d in self.out.put(o.to, frames, o.text, newcomer=o.newcomer):
                kept = requeue is not None and requeue(d.to, "\n".join(d.texts))
                log.debug("outbound queue full: dropped %d frame(s) for %s%s", d.frames, d.to,
                          " (kept for MORE)" if kept else "")
                self.air.dropped(d.frames)
                with self._lock:
                    self._drops[d.to] = self._drops.get(d.to, 0) + d.frames
        self._report_drops()

    def _report_drops(self, force: bool = False) -> None:
        """One warning a minute at most while the air is saturated, not one per drop."""
        now = self.clock()
        with self._lock:
            if self._drops and (force or now - self._drops_logged >= 60.0):
                log.warning("outbound queue full: dropped %d frame(s) for %d player(s) (kept for MORE)",
                            sum(self._drops.values()), len(self._drops))
                self._drops.clear()
                self._drops_logged = now

    def drain(self, timeout: float) -> int:
        if len(self.out) and self.radio.up:
            log.info("stopping: sending %d queued frame(s) (up to %.0f s)", len(self.out), timeout)
            self.out.wait_empty(timeout)
        return len(self.out)

    def close(self) -> None:
        self._report_drops(force=True)
        self._sender_stop.set()
        self.out.close()
        if self._sender is not None:
            self._sender.join(self.cfg.radio.confirm_timeout_s + 1)
        self.radio.close()

    def summary(self) -> str:
        st = self.stats
        return f"{st.frames_sent} frames sent ({st.bytes_sent} bytes, {st.send_failures} resent)"

    def transport_figures(self) -> TransportFigures:
        return self.air.figures(len(self.out))

    def gateway_stats(self) -> list[GatewayStat]:
        st, out = self.stats, self.out
        return [GatewayStat("radio", True, self.radio.up, st.received, 0, st.frames_sent, st.bytes_sent,
                            self.airtime_s, out.reply_frames, out.notice_lines, out.dropped_frames,
                            uptime_s=self.clock() - self.started if self.started is not None else 0.0)]

    # ------------------------------------------------------------------ the sender thread
    def _send_loop(self) -> None:
        """Wait for the pacing slot first, then choose the frame: whoever is next in the round
        robin *at transmission time* goes, so a reply queued during the wait is not held
        behind a frame chosen earlier."""
        pacing = self.cfg.transport.pacing_s
        last: float | None = None
        while not self._sender_stop.is_set():
            if last is not None:
                wait = last + pacing - self.clock()
                if wait > 0 and self._sender_stop.wait(wait):
                    return
            if not self.radio.up:
                self.radio.wait_up(0.5)
                continue
            frame = self.out.pop(timeout=0.5)
            if frame is None:
                continue
            try:
                ok = self.radio.send_text(frame.to, frame.text)
            except ValueError as exc:  # not a node id (cannot happen for radio players): drop it
                log.error("cannot send to %s: %s", frame.to, exc)
                continue
            now = self.clock()
            if ok:
                size = len(frame.text.encode("utf-8"))
                self.stats.frames_sent += 1
                self.stats.bytes_sent += size
                self.airtime_s += airtime_s(size)
                self.stats.queue_waits.append(now - frame.queued_at)
                self.air.sent(size)
                if frame.kind == "reply" and frame.part == 1 and not frame.notice:
                    slots = self.out.popped - 1 - frame.popped_before  # frames that went before it
                    self.stats.reply_waits.append((now - frame.queued_at, slots, frame.ahead))
            else:
                self.stats.send_failures += 1
                self.air.failed()
                self.out.push_front(frame)
            last = now  # a failed send may still have gone out: keep the pacing either way
