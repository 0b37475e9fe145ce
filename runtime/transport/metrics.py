"""The transport's figures for ``/stats`` and the metrics line: frames and bytes on air in the
last hour, drops, rate-limit hits, failed sends.  Thread-safe: the sender thread, the radio's
receive thread and the engine thread all count here."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable

from runtime.engine.stats import TransportFigures

HOUR_S = 3600.0


class AirMetrics:
    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: deque[tuple[float, int]] = deque()  # (time, bytes) of frames handed to the radio
        self.drops = 0
        self.limit_hits = 0
        self.failures = 0

    def sent(self, nbytes: int) -> None:
        with self._lock:
            now = self._clock()
            self._sent.append((now, nbytes))
            self._trim(now)

    def dropped(self, frames: int) -> None:
        with self._lock:
            self.drops += frames

    def limited(self) -> None:
        with self._lock:
            self.limit_hits += 1

    def failed(self) -> None:
        with self._lock:
            self.failures += 1

    def _trim(self, now: float) -> None:
        while self._sent and self._sent[0][0] <= now - HOUR_S:
            self._sent.popleft()

    def figures(self, queue_depth: int) -> TransportFigures:
        with self._lock:
            self._trim(self._clock())
            return TransportFigures(
                frames_last_hour=len(self._sent),
                bytes_last_hour=sum(b for _, b in self._sent),
                queue_depth=queue_depth,
                queue_drops=self.drops,
                rate_limit_hits=self.limit_hits,
                send_failures=self.failures,
            )
