"""``meshmush serve`` at run time: radio ↔ inbound filter ↔ engine ↔ fair paced queue ↔ radio.

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
  length) and puts commands on the inbox — it never blocks and never calls the radio.

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
from runtime.transport.config import ServeConfig
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


class Engine(Protocol):
    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]: ...

    def tick(self, now_ms: int) -> Sequence[Outgoing]: ...

    def requeue(self, player: str, text: str) -> bool: ...

    def swap_world(self, world: World, image_hash: str, now_ms: int) -> None: ...

    def close(self) -> None: ...


@dataclass
class Stats:
    commands: int = 0
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


class Server:
    def __init__(
        self,
        engine: Engine,
        radio_factory: Callable[[Callable[[TextCommand], None]], Radio],
        cfg: ServeConfig,
        *,
        reload: Callable[[], tuple[World, str]] | None = None,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        housekeeping: Housekeeper | None = None,
    ) -> None:
        self.engine = engine
        self.cfg = cfg
        self.reload = reload
        self.clock = clock
        self.wall_ms = wall_ms
        t = cfg.transport
        self.out = OutQueue(t.queue_frames, clock, frame_bytes=t.frame_bytes, max_notes=t.queue_notes,
                            notice_max_age_s=t.notice_max_age_s or None)
        rl = cfg.rate_limit
        self.filter = InboundFilter(InboundLimits(rl.burst, rl.per_minute, rl.cooldown_s, rl.max_inbound_bytes))
        self.inbox: queue.Queue[Incoming | None] = queue.Queue()
        self.stats = Stats()
        self.air = AirMetrics(clock)
        self.housekeeping = housekeeping or Housekeeper([tick_task(engine.tick, cfg.engine.tick_s)], clock, wall_ms)
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._sender_stop = threading.Event()
        self._sender: threading.Thread | None = None
        self._drops: dict[str, int] = {}
        self._drops_logged = float("-inf")
        self.radio = radio_factory(self.on_text)

    def transport_figures(self) -> TransportFigures:
        """Frames and bytes on air in the last hour, queue depth, drops, rate-limit hits."""
        return self.air.figures(len(self.out))

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
            return
        text = msg.text
        if not msg.direct:
            prefix = self.cfg.transport.public_prefix.strip().lower()
            if not prefix:
                return
            head, _, rest = text.strip().partition(" ")
            if head.lower() != prefix or not rest.strip():
                return
            text = rest
        verdict = self.filter.check(msg.sender, msg.packet_id, text, self.clock())
        if verdict is Verdict.ACCEPT:
            self.inbox.put(Incoming(msg.sender, text, self.wall_ms(), player_name(msg.name, msg.sender),
                                    packet_id=msg.packet_id, pki=msg.pki, public_key=msg.public_key,
                                    node_key=msg.node_key))
            return
        if verdict in (Verdict.SLOW_DOWN, Verdict.IGNORED):
            self.air.limited()
        if verdict is Verdict.SLOW_DOWN:
            log.info("rate limit: %s is flooding; ignoring it for %.0f s", msg.sender, self.cfg.rate_limit.cooldown_s)
            self._notice(msg.sender, self.filter.slow_down_text())
        elif verdict is Verdict.TOO_LONG:
            self._notice(msg.sender, self.filter.too_long_text(len(text.encode("utf-8"))))
        elif verdict is Verdict.DUPLICATE:
            log.debug("duplicate packet %08x from %s dropped", msg.packet_id, msg.sender)

    def _notice(self, to: str, text: str) -> None:
        self._enqueue([Outgoing(to, text)], from_engine=False)

    # ------------------------------------------------------------------ the engine thread
    def run(self) -> int:
        self._sender = threading.Thread(target=self._send_loop, name="sender", daemon=True)
        self._sender.start()
        code = EXIT_OK
        try:
            while not self._stop.is_set():
                batch = self._take(min(self.housekeeping.seconds_to_next(), self.cfg.engine.tick_s))
                if self._reload.is_set():
                    self._reload.clear()
                    self._do_reload()
                if batch:
                    self._run_batch(batch)
                self._enqueue(self.housekeeping.run_due())  # ticks, backups, retention, metrics
            self.radio.receiving = False
            self._drain_inbox()
        except StoreError as exc:
            log.critical("the database failed: %s; stopping (committed commands are safe)", exc)
            code = EXIT_ERROR
        except Exception:  # a bug: log it whole, stop cleanly, let the service manager restart us
            log.exception("internal error in the engine loop; stopping (committed commands are safe)")
            code = EXIT_ERROR
        finally:
            self.radio.receiving = False
            self._finish()
        return code

    def _take(self, timeout: float) -> list[Incoming]:
        batch: list[Incoming] = []
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

    def _run_batch(self, batch: list[Incoming]) -> None:
        replies = self.engine.handle_batch(batch)
        self.stats.commands += len(batch)
        self._enqueue(replies)

    def _drain_inbox(self) -> None:
        """On stop: the commands already received are run (and answered), not dropped."""
        while True:
            batch = self._take(0.0)
            if not batch:
                return
            self._run_batch(batch)

    def _enqueue(self, replies: Sequence[Outgoing], from_engine: bool = True) -> None:
        fb = self.cfg.transport.frame_bytes
        self.out.put_many_notes((o.to, o.notes) for o in replies if o.kind == "notice" and o.notes)
        for o in replies:
            if o.kind == "notice" and o.notes:
                continue
            frames = list(o.frames) if o.frames else split_frames(o.text, fb)
            for d in self.out.put(o.to, frames, o.text, newcomer=o.newcomer):
                kept = from_engine and self.engine.requeue(d.to, "\n".join(d.texts))
                log.debug("outbound queue full: dropped %d frame(s) for %s%s", d.frames, d.to,
                          " (kept for MORE)" if kept else "")
                self.air.dropped(d.frames)
                self._drops[d.to] = self._drops.get(d.to, 0) + d.frames
        self._report_drops()

    def _report_drops(self, force: bool = False) -> None:
        """One warning a minute at most while the air is saturated, not one per drop."""
        now = self.clock()
        if self._drops and (force or now - self._drops_logged >= 60.0):
            log.warning("outbound queue full: dropped %d frame(s) for %d player(s) (kept for MORE)",
                        sum(self._drops.values()), len(self._drops))
            self._drops.clear()
            self._drops_logged = now

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
        deadline = self.cfg.transport.drain_timeout_s
        if len(self.out) and self.radio.up:
            log.info("stopping: sending %d queued frame(s) (up to %.0f s)", len(self.out), deadline)
            self.out.wait_empty(deadline)
        left = len(self.out)
        self._report_drops(force=True)
        self._sender_stop.set()
        self.out.close()
        if self._sender is not None:
            self._sender.join(self.cfg.radio.confirm_timeout_s + 1)
        try:
            self.engine.close()
        except StoreError as exc:
            log.error("closing the database: %s", exc)
        self.radio.close()
        log.info("stopped: %d commands, %d frames sent (%d bytes, %d resent), %d frame(s) unsent",
                 self.stats.commands, self.stats.frames_sent, self.stats.bytes_sent, self.stats.send_failures, left)

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
                self.stats.frames_sent += 1
                self.stats.bytes_sent += len(frame.text.encode("utf-8"))
                self.stats.queue_waits.append(now - frame.queued_at)
                self.air.sent(len(frame.text.encode("utf-8")))
                if frame.kind == "reply" and frame.part == 1 and not frame.notice:
                    slots = self.out.popped - 1 - frame.popped_before  # frames that went before it
                    self.stats.reply_waits.append((now - frame.queued_at, slots, frame.ahead))
            else:
                self.stats.send_failures += 1
                self.air.failed()
                self.out.push_front(frame)
            last = now  # a failed send may still have gone out: keep the pacing either way
