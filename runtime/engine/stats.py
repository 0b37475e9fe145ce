"""Figures for operators: ``/stats``, ``meshmush admin stats`` and the metrics line the server
logs (and records as a ``metrics`` analytics event) once a minute.

A running engine counts commands and errors itself (``EngineMetrics``) and gets the
transport's figures (frames and bytes on air in the last hour, queue depth, drops, rate-limit
hits) from the server; ``from_database`` computes what a stopped server's database can say:
its players and money, the command rate and errors of the last hour it recorded, and the
transport's figures from its last ``metrics`` event.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from runtime.store.db import Database

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
TOP_ROOMS = 3


class EngineMetrics:
    """Commands and errors with their times, for rates over a sliding window."""

    def __init__(self) -> None:
        self._commands: deque[int] = deque()
        self._errors: deque[int] = deque()
        self.commands_total = 0
        self.errors_total = 0

    def command(self, now_ms: int) -> None:
        self.commands_total += 1
        self._commands.append(now_ms)
        _trim(self._commands, now_ms - MINUTE_MS)

    def error(self, now_ms: int) -> None:
        self.errors_total += 1
        self._errors.append(now_ms)
        _trim(self._errors, now_ms - HOUR_MS)

    def commands_last_minute(self, now_ms: int) -> int:
        _trim(self._commands, now_ms - MINUTE_MS)
        return len(self._commands)

    def errors_last_hour(self, now_ms: int) -> int:
        _trim(self._errors, now_ms - HOUR_MS)
        return len(self._errors)


def _trim(times: deque[int], oldest: int) -> None:
    while times and times[0] <= oldest:
        times.popleft()


@dataclass(frozen=True)
class RadioFigures:
    """One radio's share of the air, when the world has several (gateways, docs/gateways.md)."""

    name: str
    online: bool = True
    frames_last_hour: int = 0
    airtime_s_last_hour: float = 0.0  # estimated time on the air (LongFast)
    queue_depth: int = 0  # reply frames and notice lines waiting on that radio

    @staticmethod
    def from_json(data: Any) -> RadioFigures | None:
        if not isinstance(data, dict) or not isinstance(data.get("name"), str):
            return None
        air = data.get("airtime_s_last_hour", 0.0)
        return RadioFigures(
            name=data["name"],
            online=data.get("online") is not False,
            frames_last_hour=int(data["frames_last_hour"]) if isinstance(data.get("frames_last_hour"), int) else 0,
            airtime_s_last_hour=float(air) if isinstance(air, (int, float)) and not isinstance(air, bool) else 0.0,
            queue_depth=int(data["queue_depth"]) if isinstance(data.get("queue_depth"), int) else 0,
        )


@dataclass(frozen=True)
class TransportFigures:
    frames_last_hour: int = 0
    bytes_last_hour: int = 0
    queue_depth: int = 0
    queue_drops: int = 0  # frames dropped since the server started
    rate_limit_hits: int = 0  # commands refused or ignored for flooding, since the start
    send_failures: int = 0
    radios: tuple[RadioFigures, ...] = ()  # per radio, with gateways (empty with one local radio)

    @staticmethod
    def from_json(data: Any) -> TransportFigures | None:
        if not isinstance(data, dict):
            return None
        known = {k: int(v) for k, v in data.items()
                 if k in TransportFigures.__dataclass_fields__ and isinstance(v, int) and not isinstance(v, bool)}
        radios = data.get("radios")
        parsed = tuple(r for r in (RadioFigures.from_json(x) for x in radios) if r is not None) \
            if isinstance(radios, list) else ()
        return TransportFigures(**known, radios=parsed)


@dataclass(frozen=True)
class Stats:
    at_ms: int
    live: bool  # figures of a running engine (else: of a database at rest)
    online: int
    players: int
    commands_per_min: float
    errors_last_hour: int
    money_supply: int  # minor units
    top_rooms: tuple[tuple[str, int], ...]  # (room id, players there), most first
    db_bytes: int
    transport: TransportFigures | None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["top_rooms"] = [{"room": r, "players": n} for r, n in self.top_rooms]
        out["transport"] = asdict(self.transport) if self.transport is not None else None
        return out

    def summary(self, money: Callable[[int], str] = str) -> str:
        """Two short lines (they fit one 200-byte frame)."""
        rooms = ", ".join(f"{r.rsplit('.', 1)[-1]} {n}" for r, n in self.top_rooms) or "none"
        head = (
            f"Online {self.online}/{self.players}, {self.commands_per_min:g} cmd/min, "
            f"{self.errors_last_hour} errors/h, money {money(self.money_supply)}, "
            f"db {_size(self.db_bytes)}. Top: {rooms}."
        )
        t = self.transport
        if t is None:
            return head + "\nAir: no radio."
        out = head + (
            f"\nAir/h: {t.frames_last_hour} frames {_size(t.bytes_last_hour)}; queue {t.queue_depth}, "
            f"drops {t.queue_drops}, limits {t.rate_limit_hits}, resends {t.send_failures}."
        )
        if t.radios:
            out += "\nRadios/h: " + "; ".join(_radio(r) for r in t.radios) + "."
        return out


def _radio(r: RadioFigures) -> str:
    if not r.online:
        return f"{r.name} offline"
    return f"{r.name} {r.frames_last_hour} frames, air {100 * r.airtime_s_last_hour / 3600:.0f}%, queue {r.queue_depth}"


def _size(n: int) -> str:
    if n < 1024:
        return f"{n}B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f}kB"
    return f"{n / 1024 / 1024:.1f}MB"


def from_database(db: Database) -> Stats:
    """What a database at rest says (the server is stopped: nobody is online)."""
    players = db.query("SELECT count(*), coalesce(sum(balance), 0) FROM players")[0]
    rooms = db.query(
        "SELECT room, count(*) AS n FROM players GROUP BY room ORDER BY n DESC, room LIMIT ?", [TOP_ROOMS]
    )
    last = db.query("SELECT max(at_ms) FROM events")[0][0]
    cpm, errors, transport = 0.0, 0, None
    at = int(last) if last is not None else 0
    if last is not None:
        since = int(last) - HOUR_MS
        commands = db.query("SELECT count(*) FROM events WHERE kind = 'command' AND at_ms > ?", [since])[0][0]
        cpm = round(int(commands) / 60, 1)
        errors = int(db.query("SELECT count(*) FROM events WHERE kind = 'error' AND at_ms > ?", [since])[0][0])
        metrics = db.query("SELECT data FROM events WHERE kind = 'metrics' ORDER BY at_ms DESC LIMIT 1")
        if metrics:
            try:
                transport = TransportFigures.from_json(json.loads(str(metrics[0][0])).get("transport"))
            except (ValueError, AttributeError):
                transport = None
    return Stats(
        at_ms=at,
        live=False,
        online=0,
        players=int(players[0]),
        commands_per_min=cpm,
        errors_last_hour=errors,
        money_supply=int(players[1]),
        top_rooms=tuple((str(r), int(n)) for r, n in rooms),
        db_bytes=db.size_bytes(),
        transport=transport,
    )


def compact(stats: Stats) -> Mapping[str, Any]:
    """The metrics event's data: the figures without the time (the event has it)."""
    data = stats.to_json()
    data.pop("at_ms", None)
    return data
