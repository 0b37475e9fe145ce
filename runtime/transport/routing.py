"""Which gateway carries a reply to a node: the one that heard it best, most recently.

Every text a gateway publishes says how that gateway's radio heard the sender: the signal to
noise ratio of the last hop (``snr``) and the hops the packet took (``hops``, 0: heard
directly).  A node heard by several radios — the same packet, or different ones — has one
*hearing* per gateway: the latest.  The best route to a node is chosen among the gateways that
are online (their retained status says so and their will has not fired), whose radio is up,
and whose hearing is recent — at most ``window_s`` older than the newest hearing of that node by
any of them — by:

1. fewest hops: a radio that hears the node directly can answer it directly; the SNR of a relayed
   packet measures the last relay, not the node;
2. then highest SNR (a missing SNR counts as the lowest);
3. then the most recent hearing.

When no online gateway has heard the node, any online gateway carries the reply (a direct message
floods the mesh: a neighbouring radio may still reach it), the one that heard anyone most recently;
when no gateway is online at all, the one that heard the node last (the broker keeps the message
in that gateway's session until it is back).  When a gateway goes offline its players simply
route elsewhere from then on.

Bounded: at most ``max_nodes`` nodes are remembered (the least recently heard are forgotten).
Thread-safe: hearings and status arrive on the MQTT thread, routes are asked for on the engine
thread.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Hearing:
    gateway: str
    snr: float | None
    hops: int | None
    at: float  # the server's monotonic clock when it arrived


@dataclass
class _Gateway:
    online: bool = False
    radio_up: bool = True
    last_heard: float = -math.inf  # the last time it heard anyone


class Router:
    def __init__(self, window_s: float = 120.0, *, max_nodes: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.window_s = window_s
        self.max_nodes = max_nodes
        self.clock = clock
        self._nodes: OrderedDict[str, dict[str, Hearing]] = OrderedDict()
        self._gateways: dict[str, _Gateway] = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ what gateways tell us
    def heard(self, node: str, gateway: str, snr: float | None, hops: int | None, at: float | None = None) -> None:
        when = self.clock() if at is None else at
        with self._lock:
            hearings = self._nodes.get(node)
            if hearings is None:
                hearings = self._nodes[node] = {}
                while len(self._nodes) > self.max_nodes:
                    self._nodes.popitem(last=False)
            else:
                self._nodes.move_to_end(node)
            hearings[gateway] = Hearing(gateway, snr, hops, when)
            g = self._gateways.setdefault(gateway, _Gateway(online=True))
            g.last_heard = max(g.last_heard, when)

    def set_status(self, gateway: str, online: bool, radio_up: bool | None = None) -> bool:
        """Record a gateway's status; True when its being online changed."""
        with self._lock:
            g = self._gateways.get(gateway)
            if g is None:  # a gateway we never heard of starts offline
                g = self._gateways[gateway] = _Gateway(online=False)
            changed = g.online != online
            g.online = online
            if radio_up is not None:
                g.radio_up = radio_up
            return changed

    # ------------------------------------------------------------------ questions
    def route(self, node: str) -> str | None:
        """The gateway to carry a message to ``node`` (None: no gateway is known at all)."""
        with self._lock:
            return self._route(node)

    def routes(self, nodes: list[str]) -> dict[str, str | None]:
        with self._lock:
            return {n: self._route(n) for n in nodes}

    def online(self, gateway: str) -> bool:
        with self._lock:
            g = self._gateways.get(gateway)
            return g is not None and g.online

    def gateways(self) -> list[str]:
        with self._lock:
            return sorted(self._gateways)

    def heard_by(self, gateway: str) -> list[str]:
        """Nodes ``gateway`` has heard (O(nodes): for logging a failover)."""
        with self._lock:
            return [n for n, hearings in self._nodes.items() if gateway in hearings]

    def players_of(self, gateway: str) -> list[str]:
        """Nodes whose route is ``gateway`` now (for logging a failover; O(nodes))."""
        with self._lock:
            return [n for n in self._nodes if self._route(n) == gateway]

    def hearings(self, node: str) -> list[Hearing]:
        with self._lock:
            return sorted(self._nodes.get(node, {}).values(), key=lambda h: h.gateway)

    def __len__(self) -> int:
        with self._lock:
            return len(self._nodes)

    # ------------------------------------------------------------------ internals (lock held)
    def _usable(self, gateway: str, radio: bool) -> bool:
        g = self._gateways.get(gateway)
        return g is not None and g.online and (g.radio_up or not radio)

    def _route(self, node: str) -> str | None:
        hearings = self._nodes.get(node, {})
        for need_radio in (True, False):
            usable = [h for h in hearings.values() if self._usable(h.gateway, need_radio)]
            if usable:
                newest = max(h.at for h in usable)
                recent = [h for h in usable if h.at >= newest - self.window_s]
                best = max(recent, key=lambda h: (-(h.hops if h.hops is not None else 99),
                                                   h.snr if h.snr is not None else -math.inf, h.at, h.gateway))
                return best.gateway
        for need_radio in (True, False):
            online = [(g.last_heard, name) for name, g in self._gateways.items() if g.online and (g.radio_up or not need_radio)]
            if online:
                return max(online)[1]
        if hearings:
            return max(hearings.values(), key=lambda h: (h.at, h.gateway)).gateway
        return None
