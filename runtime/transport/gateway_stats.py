"""Per-radio figures — traffic, airtime, queue depth — for the log lines and ``/stats``.

``serve --mqtt`` has one ``GatewayStat`` per gateway it has heard of (what the server counted:
texts heard from it, messages routed through it; and what the gateway last reported of itself:
frames sent, estimated airtime, queue depth); ``serve`` with a local radio has one, named
``radio``.  ``Server.gateway_stats()`` returns them; ``stats_line`` is the one-line form used by
the periodic log lines, ``stats_lines`` a line per radio for a staff reply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class GatewayStat:
    gateway: str
    online: bool
    radio_up: bool
    heard: int  # texts received from its radio (counted by the server; by itself for a local radio)
    routed: int  # messages the server routed through it (replies and notices)
    frames_sent: int
    bytes_sent: int
    airtime_s: float  # estimated time on the air (runtime.transport.airtime)
    reply_frames: int  # waiting in its queue
    notice_lines: int
    dropped_frames: int  # replies its full queue handed back for MORE
    uptime_s: float = 0.0
    reported: bool = True  # False: no figures from this gateway yet (frames, airtime and queue unknown)

    @property
    def air_share(self) -> float:
        """The share of its uptime the radio spent transmitting (0..1)."""
        return self.airtime_s / self.uptime_s if self.uptime_s > 0 else 0.0


def _one(s: GatewayStat, compact: bool) -> str:
    state = ("up" if s.radio_up else "radio down") if s.online else "offline"
    head = f"{s.gateway} {state}: heard {s.heard}" + (f", routed {s.routed}" if s.routed or not compact else "")
    if not s.reported:
        return head + ", no figures yet"
    share = f" ({100 * s.air_share:.0f} %)" if s.uptime_s > 0 else ""
    return (f"{head}, sent {s.frames_sent} frames ({s.bytes_sent} B, airtime {s.airtime_s:.0f} s{share}), "
            f"queue {s.reply_frames}+{s.notice_lines}" + (f", dropped {s.dropped_frames}" if s.dropped_frames else ""))


def stats_line(stats: Sequence[GatewayStat]) -> str:
    """``gateways: hill-a up: heard 12, routed 30, sent 40 frames (5120 B, airtime 62 s (5 %)),
    queue 3+7; hill-b …`` — queue is reply frames + notice lines waiting."""
    if not stats:
        return "gateways: none yet"
    return "gateways: " + "; ".join(_one(s, True) for s in stats)


def stats_lines(stats: Sequence[GatewayStat]) -> list[str]:
    return [_one(s, False) for s in stats]
