"""kill -9 at random points: every command whose reply was printed is in the database after a
restart (and nothing that was never sent).  ``tools/bench/bench_crash.py`` runs 1,000+ trials."""

from __future__ import annotations

import random
from pathlib import Path

from meshmush.bench.bench_crash import run_trials


def test_sigkill_never_loses_an_acknowledged_command(tmp_path: Path) -> None:
    seed = random.randrange(2**32)
    report = run_trials(50, seed, tmp_path)
    assert report.trials == 50
    assert report.acked > 0, "no command was ever acknowledged: the harness is broken"
    assert report.problems == [], f"seed {seed}: {report.problems}"
    assert report.lost == 0 and report.phantom == 0
