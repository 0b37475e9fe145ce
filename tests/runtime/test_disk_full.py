"""A full disk: `meshmush play --db F` whose files may not grow past a limit (RLIMIT_FSIZE, as
a full file system behaves for DuckDB: writes fail with an I/O error).  Every command answered
normally must be in the database after a restart; every command answered "could not save"
must have changed nothing; no traceback, one clear line per failure."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow  # hundreds of commands through real processes

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]
SAVE_FAILED = "Sorry, the server could not save that. Please try again."


def _play(db: Path, lines: list[str], limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def preexec() -> None:
        if limit is not None:
            signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run([*CMD, "play", str(WORLD), "--db", str(db), "--script", "-"],
                          input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=300,
                          preexec_fn=preexec, cwd=ROOT)


def _replies(stdout: str) -> dict[str, str]:
    """Each echoed command (by its unique text) → the first line of the reply it got."""
    out: dict[str, str] = {}
    current: str | None = None
    for line in stdout.splitlines():
        if line.startswith("Ana> "):
            current = line[len("Ana> "):]
        elif current is not None and line.startswith("[Ana"):
            out.setdefault(current, line.split("] ", 1)[1])
    return out


def test_a_full_disk_loses_no_acknowledged_command(tmp_path: Path) -> None:
    db = tmp_path / "world.duckdb"
    assert _play(db, ["Ana> look"]).returncode == 0
    assert not (tmp_path / "world.duckdb.wal").exists()  # checkpointed at close
    says = [f"say note {i:05d} " + "x" * 120 for i in range(1200)]
    res = _play(db, [f"Ana> {s}" for s in says], limit=150_000)  # the write-ahead log fills up first
    assert "Traceback" not in res.stderr
    assert res.returncode in (0, 1), res.stderr
    replies = _replies(res.stdout)
    acked = [s for s in says if replies.get(s, "").startswith("You say: note")]
    failed = [s for s in says if replies.get(s) == SAVE_FAILED]
    assert acked and failed, (len(acked), len(failed), res.stderr[-500:])  # the limit was reached
    assert "the disk is full" in res.stderr
    # Back with room to write: everything acknowledged is there, nothing refused is.
    after = _play(db, ["Ana> say after the disk was freed"])
    assert after.returncode == 0, after.stderr
    con = duckdb.connect(str(db), read_only=True)
    try:
        journal = {r[0] for r in con.execute("SELECT command FROM journal WHERE player = 'Ana'").fetchall()}
    finally:
        con.close()
    assert all(s in journal for s in acked), [s[:10] for s in acked if s not in journal][:5]
    assert not any(s in journal for s in failed), [s[:10] for s in failed if s in journal][:5]
    assert "say after the disk was freed" in journal
