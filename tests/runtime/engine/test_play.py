"""``meshmush play`` / ``runtime.play``: script syntax, output formats, exit codes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.play import parse_duration, run_play
from runtime.store.db import Database
from tests.transcripts.runner import WORLDS, world

ROOT = Path(__file__).resolve().parents[3]


def _play(tmp_path: Path, script: str, *, fmt: str = "text", db: Path | None = None, stdin: str = "",
          player: str | None = None, use_script: bool = True, frame_bytes: int = 200) -> tuple[int, str]:
    path = tmp_path / "s.txt"
    path.write_text(script, encoding="utf-8")
    out = io.StringIO()
    code = run_play(world("lab"), "h", db_path=db, seed=3, player=player, script=path if use_script else None,
                    fmt=fmt, frame_bytes=frame_bytes, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_durations() -> None:
    assert parse_duration("10m") == 600_000
    assert parse_duration("1h30m") == 5_400_000
    assert parse_duration("90s") == 90_000
    assert parse_duration("250ms") == 250
    for bad in ("", "10", "m", "1x", "-5m"):
        assert parse_duration(bad) is None


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("Ana> look\nAna look\n", "s.txt:2: expected 'NAME> COMMAND', got 'Ana look'"),
        ("# ok\n> look\n", "s.txt:2: expected 'NAME> COMMAND'"),
        ("Ana Bee> look\n", "s.txt:1: player name 'Ana Bee' must be one word"),
        ("@wait\n", "s.txt:1: '@wait' needs a duration"),
        ("@sleep 1m\n", "s.txt:1: unknown directive '@sleep'"),
    ],
)
def test_a_malformed_line_is_a_usage_error_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str, message: str
) -> None:
    code, out = _play(tmp_path, script)
    assert code == 2 and out == ""  # nothing runs before the whole script is checked
    assert message in capsys.readouterr().err


def test_jsonl_frames(tmp_path: Path) -> None:
    code, out = _play(tmp_path, "Ana> look\nAna> ne\nAna> x book\n", fmt="jsonl")
    assert code == 0
    frames = [json.loads(line) for line in out.splitlines()]
    book = [f for f in frames if f["parts"] == 3]
    assert [f["part"] for f in book] == [1, 2, 3] and book[-1]["text"].endswith("[MORE]")
    for f in frames:
        assert f["to"] == "Ana" and f["bytes"] == len(f["text"].encode()) <= 200


def test_text_format_tags_parts(tmp_path: Path) -> None:
    code, out = _play(tmp_path, "Ana> look\nAna> ne\nAna> x book\n")
    assert code == 0
    assert "Ana> x book\n[Ana 1/3] The book" in out and "\n[Ana 3/3] " in out


def test_wait_runs_ticks(tmp_path: Path) -> None:
    code, out = _play(tmp_path, "Ana> u\n@wait 10m\n")
    assert code == 0 and out.endswith("@wait 10m\n[Ana] The clock ticks.\n")


def test_interactive_mode_reads_stdin(tmp_path: Path) -> None:
    code, out = _play(tmp_path, "", use_script=False, player="Zoe", stdin="take lamp\ni\nquit\nlook\n")
    assert code == 0
    assert "[Zoe] You take the brass lamp." in out and "[Zoe] You carry: brass lamp." in out
    assert "Bye, Zoe." in out and out.count("Hub") == 1  # stopped at quit; the welcome showed the hub


def test_state_persists_between_runs(tmp_path: Path) -> None:
    db = tmp_path / "state.duckdb"
    assert _play(tmp_path, "Ana> take lamp\n", db=db)[0] == 0
    code, out = _play(tmp_path, "Ana> i\n", db=db)
    assert code == 0 and "You carry: brass lamp." in out


def test_a_locked_database_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "state.duckdb"
    holder = Database.open(db)
    try:
        code, _ = _play(tmp_path, "Ana> look\n", db=db)
    finally:
        holder.close()
    assert code == 1
    assert "is in use by another meshmush process" in capsys.readouterr().err


def test_module_entry_point_plays_an_image(tmp_path: Path) -> None:
    from runtime.image.codec import write_image

    image = tmp_path / "lab.mmi"
    image.write_bytes(write_image(world("lab")))
    script = tmp_path / "s.txt"
    script.write_text("Ana> take lamp\nAna> i\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "runtime.play", str(image), "--script", str(script), "--seed", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "[Ana] You carry: brass lamp.\n" in proc.stdout and proc.stderr == ""
    bad = subprocess.run([sys.executable, "-m", "runtime.play", str(tmp_path / "none.mmi")],
                         capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 1 and "no such image file" in bad.stderr and "Traceback" not in bad.stderr


def test_the_cli_compiles_a_world_directory(tmp_path: Path) -> None:
    script = tmp_path / "s.txt"
    script.write_text("Ana> look\n", encoding="utf-8")
    exe = Path(sys.executable).parent / "meshmush"
    proc = subprocess.run([str(exe), "play", str(WORLDS / "lab"), "--script", str(script)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Ana> look\n[Ana] Welcome to Test Lab!")
