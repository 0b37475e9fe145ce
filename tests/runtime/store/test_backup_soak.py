"""A soak of the backup folder through the server's scheduler (``runtime.transport.housekeeping``)
on a simulated clock: 1,000 daily scheduled backups of a real database.  After every pruning
the folder holds at most DAILY + WEEKLY + MONTHLY backups; after a year exactly the backups the
policy names remain (the same calendar as ``test_retention.py``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from runtime.durations import DAY_MS
from runtime.engine.engine import Engine, EngineConfig
from runtime.store.backup import BackupStore
from runtime.store.db import Database
from runtime.store.retention import Policy, select_keep
from runtime.transport.housekeeping import Housekeeper, Retention, standard_tasks
from tests.runtime.engine.helpers import lab
from tests.runtime.store.test_retention import YEAR_END_7_4_6

START = dt.datetime(2025, 1, 1, 3, tzinfo=dt.UTC)


class SimClock:
    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = int(START.timestamp() * 1000)

    def advance(self, ms: int) -> None:
        self.mono += ms / 1000
        self.wall += ms


def _day(backup_id: str) -> str:
    return f"{backup_id[:4]}-{backup_id[4:6]}-{backup_id[6:8]}"


@pytest.mark.slow
def test_a_thousand_daily_backups_stay_within_the_policy(tmp_path: Path) -> None:
    clock = SimClock()
    folder = tmp_path / "backups"
    eng = Engine(lab(), Database.open(tmp_path / "w.duckdb"), "h",
                 config=EngineConfig(seed=1, backup_dir=folder), now_ms=clock.wall)
    eng.handle("Ana", "look", clock.wall)
    store = BackupStore(folder)
    tasks = [t for t in standard_tasks(eng, store, tick_s=1.0, retention=Retention(), metrics_s=60.0)
             if t.name == "backup"]
    keeper = Housekeeper(tasks, clock=lambda: clock.mono, wall_ms=lambda: clock.wall)
    policy = Policy()  # every 1d; keep 7 daily, 4 weekly, 6 monthly
    taken: list[tuple[str, int]] = []
    try:
        for day in range(1000):
            assert keeper.run_due() == []
            found = store.listing()
            newest = found[-1]
            assert newest.kind == "scheduled" and newest.created_ms == clock.wall, day
            taken.append((newest.id, newest.created_ms))
            assert len(found) <= policy.most, (day, len(found))
            assert len(list(folder.iterdir())) == 2 * len(found)  # no leftovers, no orphans
            if day == 364:  # 2025-12-31: a year of daily backups
                assert {_day(m.id) for m in found} == YEAR_END_7_4_6
            clock.advance(DAY_MS)
            if day % 97 == 0:
                eng.handle("Ana", "look", clock.wall)  # the state moves on between backups
    finally:
        eng.close()
    assert len(taken) == 1000
    assert {m.id for m in store.listing()} == select_keep(taken, policy)
    assert all(store.verify(m.id).ok for m in store.listing()[-3:])
