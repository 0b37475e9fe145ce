"""Transcripts: every core verb and event, played through ``meshmush play``'s code path and
compared with reviewed expected output.  Adding a case: write ``cases/NAME.script``, run
``UPDATE_TRANSCRIPTS=1 .venv/bin/pytest tests/transcripts``, read ``cases/NAME.expected``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.engine.engine import default_modules
from runtime.engine.registry import Registry
from tests.transcripts.runner import CASES, WORLDS, Case, all_cases, command_words, play

CASE_LIST = all_cases()
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_transcript(case: Case, tmp_path: Path) -> None:
    got = play(case, tmp_path / "state.duckdb")
    if os.environ.get("UPDATE_TRANSCRIPTS"):
        case.expected.write_text(got, encoding="utf-8")
    assert case.expected.exists(), f"{case.expected.name} missing: run with UPDATE_TRANSCRIPTS=1 and review it"
    assert got == case.expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASE_LIST, ids=[c.name for c in CASE_LIST])
def test_every_frame_fits(case: Case) -> None:
    lines = play(case, None, fmt="jsonl").splitlines()
    assert lines
    for line in lines:
        frame = json.loads(line)
        assert set(frame) == {"to", "text", "bytes", "part", "parts"}
        assert frame["bytes"] == len(frame["text"].encode("utf-8")) <= case.frame_bytes
        assert 1 <= frame["part"] <= frame["parts"] <= 3


def test_every_verb_in_help_has_a_transcript() -> None:
    registry = Registry.collect(default_modules())
    typed: set[str] = set()
    for case in CASE_LIST:
        typed |= command_words(case)
    missing = [v.name for v in registry.verbs if not ({v.name, *v.aliases} & typed)]
    assert not missing, f"verbs without a transcript in {CASES}: {missing}"


def test_the_cli_prints_the_same_frames(tmp_path: Path) -> None:
    case = next(c for c in CASE_LIST if c.name == "social3")
    exe = Path(sys.executable).parent / "meshmush"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "meshmush.cli"]
    proc = subprocess.run(
        [*cmd, "play", str(WORLDS / case.world), "--script", str(case.path), "--seed", str(case.seed),
         "--format", "jsonl", "--db", str(tmp_path / "cli.duckdb")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == play(case, tmp_path / "inproc.duckdb", fmt="jsonl")
