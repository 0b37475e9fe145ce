"""Issue 11, items 7 and 8: files others can read or redirect, and a folder we cannot write.

The database, its write-ahead log, its lock file and serve's log file are created 0600 (and
older 0644 ones tightened); a symbolic link planted at any of them, or at ``build``'s temporary
``OUT.tmp``, is refused instead of followed; an existing database in a read-only folder is
refused at start instead of answering every command "could not save"."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from runtime.store.db import Database, StoreError
from tests.e2e.harness import config_text

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _run(*args: str, umask: int = 0o022) -> subprocess.CompletedProcess[str]:
    """A real subprocess with the usual umask (the test process may have tightened its own)."""
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          preexec_fn=lambda: os.umask(umask), stdin=subprocess.DEVNULL)


def test_database_wal_and_lock_are_private(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    script = tmp_path / "s.script"
    script.write_text("Ana> whisper Bob secret\nAna> say hello\n", encoding="utf-8")
    # a play killed before it checkpoints leaves its write-ahead log behind: check that one too
    proc = subprocess.Popen([*CMD, "play", str(WORLD), "--db", str(db), "--script", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT,
                            preexec_fn=lambda: os.umask(0o022))
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("Ana> say a secret\n")
    proc.stdin.flush()
    proc.stdout.readline()
    proc.stdout.readline()  # the reply: committed to the log
    wal = tmp_path / "w.duckdb.wal"
    assert wal.exists()
    for path in (db, wal, tmp_path / "w.duckdb.lock"):
        assert _mode(path) == 0o600, (path, oct(_mode(path)))
    proc.kill()
    proc.wait()


def test_older_wider_files_are_tightened(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    assert _run("play", str(WORLD), "--db", str(db), "--script", os.devnull).returncode == 0
    for path in (db, tmp_path / "w.duckdb.lock"):
        path.chmod(0o644)
    assert _run("play", str(WORLD), "--db", str(db), "--script", os.devnull).returncode == 0
    assert _mode(db) == 0o600 and _mode(tmp_path / "w.duckdb.lock") == 0o600


@pytest.mark.parametrize("link", ["w.duckdb", "w.duckdb.wal", "w.duckdb.lock"])
def test_a_symlink_at_the_database_wal_or_lock_is_refused(link: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / link).symlink_to(victim)
    res = _run("play", str(WORLD), "--db", str(tmp_path / "w.duckdb"), "--script", os.devnull)
    assert res.returncode == 1, res
    assert "is a symbolic link; refusing to follow it" in res.stderr.strip().splitlines()[-1], res.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_build_refuses_a_symlinked_temporary_file_and_cleans_a_stale_one(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "out.mmi"
    (tmp_path / "out.mmi.tmp").symlink_to(victim)
    res = _run("build", str(WORLD), "-o", str(out))
    assert res.returncode == 1
    assert res.stderr.strip().splitlines()[-1] == (
        f"meshmush build: temporary image {out}.tmp is a symbolic link; refusing to follow it"
        " (give the real path, or remove the link)")
    assert victim.read_text(encoding="utf-8") == "precious\n" and not out.exists()
    (tmp_path / "out.mmi.tmp").unlink()
    (tmp_path / "out.mmi.tmp").write_bytes(b"left behind by a killed build")
    assert _run("build", str(WORLD), "-o", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"\x89MMI") and not (tmp_path / "out.mmi.tmp").exists()
    assert _mode(out) == 0o644  # the image itself is no secret: the umask decides


@pytest.mark.slow
def test_serve_log_file_is_private_and_never_a_link(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    log = tmp_path / "serve.log"
    log.symlink_to(victim)
    cfg = tmp_path / "serve.toml"
    cfg.write_text(config_text({"log": {"file": str(log)}}), encoding="utf-8")
    # port 9 on loopback: nothing listens, so serve stops after opening its log (and the database)
    res = _run("serve", str(WORLD), "--tcp", "127.0.0.1:9", "--db", str(tmp_path / "w.duckdb"),
               "--config", str(cfg))
    assert res.returncode == 1
    assert "is a symbolic link; refusing to follow it" in res.stderr, res.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    log.unlink()
    cfg.write_text(config_text({"log": {"file": str(log)}, "radio": {"connect_timeout_s": 1}}), encoding="utf-8")
    res = _run("serve", str(WORLD), "--tcp", "127.0.0.1:9", "--db", str(tmp_path / "w.duckdb"),
               "--config", str(cfg))
    assert res.returncode == 1
    assert log.exists() and _mode(log) == 0o600
    # why it stopped: on the terminal, and as JSON in the log file
    assert res.stderr.strip().splitlines()[-1].startswith("meshmush serve: cannot connect to the TCP node"), res.stderr
    last = json.loads(log.read_text(encoding="utf-8").strip().splitlines()[-1])
    assert last["level"] == "critical" and str(last["msg"]).startswith("cannot connect to the TCP node"), last


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_an_existing_database_in_a_read_only_folder_is_refused_at_start(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "w.duckdb"
    assert _run("play", str(WORLD), "--db", str(db), "--script", os.devnull).returncode == 0
    folder.chmod(0o555)
    try:
        res = _run("play", str(WORLD), "--db", str(db), "--script", os.devnull)
        assert res.returncode == 1
        assert res.stderr.strip().splitlines()[-1].startswith(f"meshmush play: cannot write in folder {folder}")
    finally:
        folder.chmod(0o755)


def test_a_folder_that_refuses_writes_is_refused_in_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same check as above, for a root test run: the folder refuses the probe file."""
    import tempfile

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    Database.open(tmp_path / "w.duckdb").close()
    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    with pytest.raises(StoreError, match=r"^cannot write in folder .*: the database needs to write w.duckdb.wal there"):
        Database.open(tmp_path / "w.duckdb")


def test_the_sample_service_keeps_new_files_private() -> None:
    unit = (ROOT / "docs" / "meshmush.service").read_text(encoding="utf-8")
    assert "\nUMask=0077\n" in unit
