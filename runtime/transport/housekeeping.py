"""The server's housekeeping: tasks run on the engine thread, between batches, on a schedule.

- ``tick`` (every ``[engine] tick_s``): the engine's tick — world and room ``tick`` triggers,
  shop restocks, the end of mutes and bans, idle sessions timing out — and the flush of
  analytics events;
- ``backup`` (checked every minute): a scheduled backup when the policy's interval has passed
  since the newest backup, then pruning to the policy (``runtime.store.retention``); pruning
  also runs once an hour, so a tighter policy takes effect without waiting a day;
- ``retention`` (hourly): journal, events and ledger rows older than ``[retention]`` allows go
  (0 keeps them forever); never a row a restart needs: the state tables are untouched, and the
  newest journal and ledger rows stay, since their numbers say where the next ones start;
- ``metrics`` (every ``[metrics] interval_s``): one log line with the figures of ``/stats``
  (a JSON object in JSON log mode) and the same figures as a ``metrics`` analytics event.

A failing task is logged and tried again later (after 30 s, doubling up to its period); it
never stops the server.  Time is injected (``clock``, ``wall_ms``) so tests drive it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runtime.durations import DAY_MS, HOUR_MS
from runtime.engine.io import Outgoing
from runtime.engine.stats import compact
from runtime.store.backup import BackupStore
from runtime.store.retention import META_EVERY, META_KEEP, Policy

if TYPE_CHECKING:
    from runtime.engine.context import WorldContext
    from runtime.engine.engine import Engine

log = logging.getLogger("meshmush.housekeeping")
metrics_log = logging.getLogger("meshmush.metrics")

RETRY_S = 30.0


@dataclass
class Task:
    name: str
    every_s: float
    run: Callable[[int], Sequence[Outgoing]]  # wall-clock ms -> replies to send
    start_s: float = 0.0  # first run this long after the housekeeper's first call
    next_at: float = 0.0  # on the monotonic clock
    failures: int = 0
    started: bool = False


@dataclass
class Housekeeper:
    tasks: list[Task]
    clock: Callable[[], float] = time.monotonic
    wall_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))

    def run_due(self) -> list[Outgoing]:
        """Run every task that is due; never raises for a task's failure."""
        out: list[Outgoing] = []
        for task in self.tasks:
            now = self.clock()
            if not task.started:
                task.started = True
                task.next_at = now + task.start_s
            if now < task.next_at:
                continue
            try:
                out.extend(task.run(self.wall_ms()))
            except Exception as exc:
                task.failures += 1
                delay = min(RETRY_S * 2 ** (task.failures - 1), max(task.every_s, RETRY_S))
                log.error("housekeeping task %s failed (%s); trying again in %.0f s", task.name,
                          str(exc).splitlines()[0] if str(exc) else type(exc).__name__, delay,
                          exc_info=not _expected(exc))
                task.next_at = now + delay
                continue
            task.failures = 0
            task.next_at = max(task.next_at + task.every_s, now)
        return out

    def seconds_to_next(self) -> float:
        if not self.tasks or not all(t.started for t in self.tasks):
            return 0.0
        return max(0.0, min(t.next_at for t in self.tasks) - self.clock())


def _expected(exc: Exception) -> bool:
    from runtime.store.backup import BackupError
    from runtime.store.db import StoreError

    return isinstance(exc, (StoreError, BackupError, OSError))


# ---------------------------------------------------------------------- the standard tasks
@dataclass(frozen=True)
class Retention:
    journal_days: float = 30.0
    events_days: float = 90.0
    ledger_days: float = 365.0


def tick_task(engine_tick: Callable[[int], Sequence[Outgoing]], every_s: float) -> Task:
    return Task("tick", every_s, engine_tick, start_s=every_s)


def policy_of(engine: Engine) -> Policy:
    txn = engine.tables.begin()
    try:
        meta = {k: str(row[1]) for k in (META_KEEP, META_EVERY) if (row := txn.get("meta", (k,))) is not None}
    finally:
        txn.rollback()
    return Policy.from_meta(meta)


class BackupSchedule:
    """Scheduled backups and pruning (the ``backup`` task)."""

    def __init__(self, engine: Engine, store: BackupStore) -> None:
        self.engine = engine
        self.store = store
        self.last_prune_ms: int | None = None

    def __call__(self, now_ms: int) -> Sequence[Outgoing]:
        policy = policy_of(self.engine)
        backups = self.store.listing()
        took = False
        if policy.every_ms and (not backups or now_ms - backups[-1].created_ms >= policy.every_ms):
            m = self.engine.ops.backup("scheduled", now_ms, kind="scheduled")
            log.info("scheduled backup %s taken (%d bytes)", m.id, m.size)
            took = True
        if took or self.last_prune_ms is None or now_ms - self.last_prune_ms >= HOUR_MS:
            self.store.prune(policy)
            self.last_prune_ms = now_ms
        return ()


class RetentionCleanup:
    """Old journal, events and ledger rows (the ``retention`` task)."""

    def __init__(self, engine: Engine, retention: Retention) -> None:
        self.engine = engine
        self.retention = retention

    def __call__(self, now_ms: int) -> Sequence[Outgoing]:
        r = self.retention
        removed: dict[str, int] = {}
        for table, days in (("journal", r.journal_days), ("events", r.events_days)):
            if days > 0:
                if table == "events":
                    self.engine.db.flush_events()
                removed[table] = self.engine.db.delete_older(table, now_ms - int(days * DAY_MS))
        if r.ledger_days > 0:
            cutoff = now_ms - int(r.ledger_days * DAY_MS)
            removed["ledger"] = self.engine.maintain("retention", _trim_ledger(cutoff), now_ms)
        if any(removed.values()):
            log.info("retention: removed %s", ", ".join(f"{n} {t} rows" for t, n in removed.items() if n))
        return ()


def _trim_ledger(cutoff: int) -> Callable[[WorldContext], None]:
    def step(ctx: WorldContext) -> None:
        rows = list(ctx.state.txn.scan("ledger"))
        newest = max((int(r[0]) for r in rows), default=None)
        for row in rows:
            if int(row[1]) < cutoff and int(row[0]) != newest:
                ctx.state.txn.delete("ledger", (row[0],))

    return step


class MetricsLine:
    """The metrics line a minute (the ``metrics`` task)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, now_ms: int) -> Sequence[Outgoing]:
        stats = self.engine.ops.stats(now_ms)
        data = dict(compact(stats))
        t = stats.transport
        text = (
            f"metrics online={stats.online} players={stats.players} cmd_per_min={stats.commands_per_min:g}"
            f" errors_last_hour={stats.errors_last_hour} money={stats.money_supply} db_bytes={stats.db_bytes}"
        )
        if t is not None:
            text += (f" frames_last_hour={t.frames_last_hour} bytes_last_hour={t.bytes_last_hour}"
                     f" queue={t.queue_depth} drops={t.queue_drops} rate_limit_hits={t.rate_limit_hits}")
            if t.radios:  # gateways: name:frames_last_hour:airtime_s_last_hour:queue, or name:offline
                text += " radios=" + ",".join(
                    f"{r.name}:{r.frames_last_hour}:{r.airtime_s_last_hour:.0f}:{r.queue_depth}" if r.online
                    else f"{r.name}:offline" for r in t.radios)
        metrics_log.info("%s", text, extra={"metrics": data})
        self.engine.db.events.add(now_ms, "metrics", None, None, data)
        return ()


def standard_tasks(engine: Engine, store: BackupStore, *, tick_s: float, retention: Retention,
                   metrics_s: float) -> list[Task]:
    return [
        tick_task(engine.tick, tick_s),
        Task("backup", 60.0, BackupSchedule(engine, store)),
        Task("retention", 3600.0, RetentionCleanup(engine, retention)),
        Task("metrics", metrics_s, MetricsLine(engine), start_s=metrics_s),
    ]
