"""kill -9 at random points: every command whose reply was printed is in the database after a
restart (and nothing that was never sent).  ``tools/bench/bench_crash.py`` runs 1,000+ trials."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshmush.bench.bench_crash import run_trials
from tests.seeds import CRASH_SEED_ENV, crash_seed


@pytest.mark.slow
def test_sigkill_never_loses_an_acknowledged_command(tmp_path: Path) -> None:
    seed = crash_seed()  # fixed (printed in pytest's header); MESHMUSH_CRASH_SEED=N tries another
    print(f"crash trials with seed {seed} ({CRASH_SEED_ENV}={seed} replays them)")
    report = run_trials(50, seed, tmp_path)
    assert report.trials == 50
    assert report.acked > 0, "no command was ever acknowledged: the harness is broken"
    assert report.problems == [], f"seed {seed}: {report.problems}"
    assert report.lost == 0 and report.phantom == 0
