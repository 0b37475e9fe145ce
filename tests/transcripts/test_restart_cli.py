"""A server restart between two transcripts, through the real command line: ``meshmush play``
runs twice as separate processes on one ``--db``; the second run's frames (the unread-mail
notice at Bob's next login, the TinyHack game where it was) are the reviewed expected ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.transcripts.runner import CASES, WORLDS, load_case

ROOT = Path(__file__).resolve().parents[2]


def _cli(case_name: str, db: Path) -> str:
    case = load_case(CASES / f"{case_name}.script")
    exe = Path(sys.executable).parent / "meshmush"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "meshmush.cli"]
    proc = subprocess.run(
        [*cmd, "play", str(WORLDS / case.world), "--script", str(case.path), "--seed", str(case.seed),
         "--db", str(db)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("second", ["mail_restart_2", "games_tinyhack_save_2"])
def test_play_twice_on_one_database(tmp_path: Path, second: str) -> None:
    first = load_case(CASES / f"{second}.script").after
    assert first is not None
    db = tmp_path / "state.duckdb"
    assert _cli(first, db) == (CASES / f"{first}.expected").read_text(encoding="utf-8")
    assert _cli(second, db) == (CASES / f"{second}.expected").read_text(encoding="utf-8")
