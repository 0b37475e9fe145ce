"""The server's housekeeping on a simulated clock: a failing task is logged and retried and
never stops the others; retention trims old journal, events and ledger rows but never what a
restart needs; scheduled backups follow the policy; the metrics line."""

from __future__ import annotations

import itertools
import json
import logging
from pathlib import Path

import pytest

from meshmush.serve import JsonFormatter
from runtime.durations import DAY_MS
from runtime.engine.io import Outgoing
from runtime.store.backup import BackupStore
from runtime.transport.housekeeping import (
    BackupSchedule,
    Housekeeper,
    MetricsLine,
    Retention,
    RetentionCleanup,
    Task,
)
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.staff_helpers import staff_engine


class Sim:
    def __init__(self) -> None:
        self.mono = 100.0
        self.wall = 1_735_689_600_000

    def advance(self, seconds: float) -> None:
        self.mono += seconds
        self.wall += int(seconds * 1000)


def test_a_failing_task_is_logged_retried_and_never_stops_the_others(caplog: pytest.LogCaptureFixture) -> None:
    sim = Sim()
    calls: dict[str, int] = {"bad": 0, "good": 0}

    def bad(now: int) -> list[Outgoing]:
        calls["bad"] += 1
        if calls["bad"] < 4:
            raise OSError("disk on fire")
        return [Outgoing("Ana", "fixed")]

    def good(now: int) -> list[Outgoing]:
        calls["good"] += 1
        return []

    keeper = Housekeeper([Task("bad", 10.0, bad), Task("good", 1.0, good)], clock=lambda: sim.mono,
                         wall_ms=lambda: sim.wall)
    with caplog.at_level(logging.ERROR, logger="meshmush.housekeeping"):
        out: list[Outgoing] = []
        for _ in range(400):
            out += keeper.run_due()
            sim.advance(1.0)
    assert calls["good"] >= 399  # unaffected
    assert calls["bad"] > 4 and out[0] == Outgoing("Ana", "fixed")
    failures = [r for r in caplog.records if "housekeeping task bad failed" in r.getMessage()]
    assert [r.getMessage().rsplit("in ", 1)[1] for r in failures] == ["30 s", "30 s", "30 s"]  # capped by the period
    assert keeper.seconds_to_next() <= 1.0


def test_retry_backs_off_to_the_period() -> None:
    sim = Sim()
    times: list[float] = []

    def fail(now: int) -> list[Outgoing]:
        times.append(sim.mono)
        raise RuntimeError("still broken")

    keeper = Housekeeper([Task("hourly", 3600.0, fail)], clock=lambda: sim.mono, wall_ms=lambda: sim.wall)
    for _ in range(20_000):
        keeper.run_due()
        sim.advance(1.0)
    gaps = [round(b - a) for a, b in itertools.pairwise(times)]
    assert gaps[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_retention_trims_old_rows_but_never_what_a_restart_needs(tmp_path: Path) -> None:
    path = tmp_path / "r.duckdb"
    eng = staff_engine(path, sysops=(), extra=False)
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Bob", "look")
    d.send("Ana", "pay Bob 1.00")
    d.send("Ana", "pay Bob 0.50")
    eng.tick(d.now)
    old_seq = eng.db.query("SELECT max(seq) FROM journal")[0][0]
    state_before = {t: eng.db.query(f"SELECT count(*) FROM {t}")[0][0] for t in ("players", "instances")}
    try:
        RetentionCleanup(eng, Retention(1, 1, 1))(d.now + 2 * DAY_MS)  # everything is two days old
        # the newest journal row stays, then the ledger trim adds its own
        assert eng.db.query("SELECT seq FROM journal ORDER BY seq") == [(old_seq,), (old_seq + 1,)]
        assert eng.db.query("SELECT count(*) FROM events")[0][0] == 0
        assert eng.db.query("SELECT count(*), max(seq) FROM ledger")[0] == (1, 2)
        assert {t: eng.db.query(f"SELECT count(*) FROM {t}")[0][0] for t in state_before} == state_before
        assert eng.db.query("SELECT command FROM journal ORDER BY seq DESC LIMIT 1") == [("@retention",)]
        RetentionCleanup(eng, Retention(0, 0, 0))(d.now + 9 * DAY_MS)  # 0 keeps everything
    finally:
        eng.close()
    eng = staff_engine(path, sysops=(), extra=False)  # a restart continues the numbers
    d = Driver(eng)
    d.now += 10 * DAY_MS
    try:
        d.send("Bob", "pay Ana 0.25")
        assert eng.db.query("SELECT max(seq) FROM ledger")[0][0] == 3
        assert eng.db.query("SELECT min(seq) FROM journal")[0][0] <= eng.db.query("SELECT max(seq) FROM journal")[0][0]
        assert d.text("Ana", "bal").endswith("You have $3.75.")
    finally:
        eng.close()


def test_scheduled_backups_follow_the_policy(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    eng = staff_engine(tmp_path / "s.duckdb", sysops=("Ana",), backup_dir=folder, extra=False)
    d = Driver(eng)
    d.send("Ana", "look")
    store = BackupStore(folder)
    schedule = BackupSchedule(eng, store)
    t0 = 1_735_689_600_000
    try:
        schedule(t0)
        assert [m.kind for m in store.listing()] == ["scheduled"]
        schedule(t0 + DAY_MS - 1)
        assert len(store.listing()) == 1  # not due yet
        schedule(t0 + DAY_MS)
        assert len(store.listing()) == 2
        d.send("Ana", "/backup_policy every off")
        schedule(t0 + 5 * DAY_MS)
        assert len(store.listing()) == 2
        d.send("Ana", "/backup_policy keep 1 0 0")
        schedule(t0 + 5 * DAY_MS + 3_600_000)  # pruning runs hourly even with no new backup
        assert [m.created_ms for m in store.listing()] == [t0 + DAY_MS]
    finally:
        eng.close()


def test_the_metrics_line_and_event(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    eng = staff_engine(tmp_path / "m.duckdb", sysops=(), extra=False)
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Bob", "look")
    try:
        with caplog.at_level(logging.INFO, logger="meshmush.metrics"):
            MetricsLine(eng)(d.now + 10)
        record = next(r for r in caplog.records if r.name == "meshmush.metrics")
        assert record.getMessage().startswith("metrics online=2 players=2 cmd_per_min=2 ")
        entry = json.loads(JsonFormatter().format(record))
        assert entry["metrics"]["online"] == 2 and entry["metrics"]["transport"] is None
        assert entry["metrics"]["top_rooms"] == [{"room": "lab.hub", "players": 2}]
        eng.db.flush_events()
        data = eng.db.query("SELECT data FROM events WHERE kind = 'metrics'")
        assert json.loads(data[0][0])["players"] == 2
    finally:
        eng.close()
