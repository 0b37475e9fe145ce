"""Issue 11, items 5 and 9: ``play --script`` streams its script with a bound on each line, and a
hostile ``@wait`` is a clear usage error rather than a clock that breaks every later line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runtime.play import ScriptError, parse_line

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]


def _play(script: str, *, stdin: bytes | None = None, db: Path | None = None) -> subprocess.CompletedProcess[bytes]:
    args = [*CMD, "play", str(WORLD), "--script", script]
    if db is not None:
        args += ["--db", str(db)]
    return subprocess.run(args, input=stdin, capture_output=True, timeout=120, cwd=ROOT)


def _last_error(res: subprocess.CompletedProcess[bytes]) -> str:
    err = res.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err, err
    return err.strip().splitlines()[-1]


def test_dev_zero_as_a_script_is_refused_at_once() -> None:
    res = _play("/dev/zero")
    assert res.returncode == 2
    assert _last_error(res) == "meshmush play: /dev/zero:1: line is longer than 4096 characters"


def test_an_endless_line_on_stdin_is_refused() -> None:
    res = _play("-", stdin=b"Ana> look\n" + b"x" * 1_000_000)
    assert res.returncode == 2
    assert _last_error(res) == "meshmush play: <stdin>:2: line is longer than 4096 characters"
    assert b"[Ana] Welcome" in res.stdout  # the lines before it ran


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    script = tmp_path / "s.script"
    script.write_bytes(b"Ana> look\nAna> say caf\xe9\n")
    res = _play(str(script))
    assert res.returncode == 2
    assert _last_error(res) == f"meshmush play: {script}:2: not UTF-8 text (byte 0xe9)"
    assert res.stdout == b""  # a regular file is checked whole before anything runs


@pytest.mark.parametrize("wait", ["99999999999999h", "9" * 4000 + "s", "8785h", "527041m"])
def test_an_enormous_wait_is_a_clear_error(wait: str) -> None:
    with pytest.raises(ScriptError, match=r"^s:2: '@wait' is at most 366 days \(8784h\)$"):
        parse_line(f"@wait {wait}", 2, "s")


@pytest.mark.parametrize("wait", ["١s", "１m", "2²s", "9999d", "-1s"])
def test_a_wait_in_other_digits_is_refused(wait: str) -> None:
    with pytest.raises(ScriptError, match=r"^s:1: '@wait' needs a duration like 30s, 10m or 1h30m$"):
        parse_line(f"@wait {wait}", 1, "s")


def test_an_enormous_wait_stops_the_script_and_breaks_nothing_later(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    res = _play("-", stdin=b"Ana> look\n@wait 99999999999999h\nAna> bal\n", db=db)
    assert res.returncode == 2
    assert _last_error(res) == "meshmush play: <stdin>:2: '@wait' is at most 366 days (8784h)"
    again = _play("-", stdin=b"Ana> bal\n", db=db)  # nothing broke for later runs either
    assert again.returncode == 0 and b"You have $5.00." in again.stdout


def test_the_longest_wait_still_works() -> None:
    res = _play("-", stdin=b"Ana> look\n@wait 8784h\nAna> bal\n")
    assert res.returncode == 0, res.stderr
    assert b"You have $5.00." in res.stdout
