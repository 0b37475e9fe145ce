"""What the mesh sends us, filtered before the engine sees it: duplicates dropped, floods
slowed, over-long messages refused.  Pure logic with an injected clock (seconds, monotonic),
so tests drive time; used from the radio library's receive thread under one lock."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from enum import Enum

from runtime.engine import names


class Verdict(Enum):
    ACCEPT = "accept"
    DUPLICATE = "duplicate"  # the same packet again (a mesh rebroadcast): silently dropped
    SLOW_DOWN = "slow_down"  # the node just ran out of tokens: tell it once, then ignore it
    IGNORED = "ignored"  # the node is cooling down after a flood: silently dropped
    TOO_LONG = "too_long"  # tell the node the limit


@dataclass(frozen=True)
class InboundLimits:
    burst: int = 4  # commands a node may send back to back
    per_minute: float = 12.0  # sustained commands per minute per node
    cooldown_s: float = 60.0  # how long a flooding node is ignored after "slow down"
    max_bytes: int = 200  # longest accepted command, UTF-8 bytes
    dedupe_window_s: float = 600.0  # how long a (node, packet id) is remembered
    dedupe_max: int = 8192  # and how many of them, at most


class Deduper:
    """Remembers (node, packet id) pairs for a while; bounded in time and in size."""

    def __init__(self, window_s: float, max_entries: int) -> None:
        self.window_s = window_s
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple[str, int], float] = OrderedDict()

    def seen(self, node: str, packet_id: int, now: float) -> bool:
        """True when this packet was already seen (and not forgotten); records it otherwise."""
        while self._seen:
            _, first_at = next(iter(self._seen.items()))
            if now - first_at <= self.window_s and len(self._seen) < self.max_entries:
                break
            self._seen.popitem(last=False)
        key = (node, packet_id)
        if key in self._seen:
            return True
        self._seen[key] = now
        return False

    def __len__(self) -> int:
        return len(self._seen)


@dataclass
class _Bucket:
    tokens: float
    at: float
    quiet_until: float = 0.0


class RateLimiter:
    """A token bucket per node.  A node that runs dry gets one SLOW_DOWN and is then ignored
    for ``cooldown_s``; other nodes are never delayed by it."""

    def __init__(self, burst: int, per_minute: float, cooldown_s: float, max_nodes: int = 100_000) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0
        self.cooldown_s = cooldown_s
        self.max_nodes = max_nodes
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, node: str, now: float) -> Verdict:
        b = self._buckets.get(node)
        if b is None:
            b = _Bucket(float(self.burst), now)
            self._buckets[node] = b
            while len(self._buckets) > self.max_nodes:  # forget the longest-idle node
                self._buckets.popitem(last=False)
        self._buckets.move_to_end(node)
        if now < b.quiet_until:
            return Verdict.IGNORED
        b.tokens = min(float(self.burst), b.tokens + (now - b.at) * self.rate)
        b.at = now
        if b.tokens >= 1.0:
            b.tokens -= 1.0
            return Verdict.ACCEPT
        b.quiet_until = now + self.cooldown_s
        return Verdict.SLOW_DOWN


class InboundFilter:
    def __init__(self, limits: InboundLimits) -> None:
        self.limits = limits
        self._dedupe = Deduper(limits.dedupe_window_s, limits.dedupe_max)
        self._rate = RateLimiter(limits.burst, limits.per_minute, limits.cooldown_s)
        self._lock = threading.Lock()

    def check(self, node: str, packet_id: int, text: str, now: float) -> Verdict:
        with self._lock:
            return self._check(node, packet_id, text, now)

    def _check(self, node: str, packet_id: int, text: str, now: float) -> Verdict:
        if packet_id and self._dedupe.seen(node, packet_id, now):
            return Verdict.DUPLICATE
        verdict = self._rate.check(node, now)
        if verdict is not Verdict.ACCEPT:
            return verdict
        if len(text.encode("utf-8")) > self.limits.max_bytes:
            return Verdict.TOO_LONG
        return Verdict.ACCEPT

    def slow_down_text(self) -> str:
        return f"Slow down: you are sending too fast. I'll listen again in {int(self.limits.cooldown_s)} s."

    def too_long_text(self, size: int) -> str:
        return f"That is too long ({size} bytes); keep commands under {self.limits.max_bytes} bytes."


def player_name(long_name: str | None, node: str) -> str:
    """A typable player name from a radio's long name (``runtime.engine.names``), or the
    node's placeholder (``p`` + its last four hex digits) while the radio has not heard the
    node's NODEINFO; the engine makes it unique and renames a placeholder when it arrives."""
    return names.from_radio(long_name) or names.placeholder(node)
