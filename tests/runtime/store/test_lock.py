"""One process owns one database; a killed owner leaves nothing that blocks; what ``write``
acknowledged survives SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from runtime.store.db import Database, StoreError
from runtime.store.lock import FileLock, InUseError, lock_path

ROOT = Path(__file__).resolve().parents[3]

HOLD = """
import sys, time
from pathlib import Path
from runtime.store.db import Database
db = Database.open(Path(sys.argv[1]), read_only=sys.argv[2] == "ro")
print("ready", flush=True)
time.sleep(60)
"""

WRITE_FOREVER = """
import sys
from pathlib import Path
from runtime.store.db import CommandRecord, Database
db = Database.open(Path(sys.argv[1]))
tables = db.load()
n = 0
while True:
    batch = []
    for _ in range(1 + n % 5):
        txn = tables.begin()
        txn.put("players", (f"p{n % 37}", "P", "p", "r", n, "player", 0, n))
        txn.put("vars", ("world", "", f"world.v{n % 11}", str(n)))
        batch.append(CommandRecord(db.next_journal_seq(), n, "p", "c", True, txn.commit()))
        n += 1
    db.write(batch)
    print(batch[-1].seq, n - 1, flush=True)
"""


def spawn(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    if proc.stdout is not None:
        proc.stdout.close()


def test_a_second_process_is_refused_and_a_killed_holder_frees_the_database(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    holder = spawn(HOLD, str(path), "rw")
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(
            StoreError, match=rf"^database {path} is in use by another meshmush process \(pid {holder.pid}\)$"
        ):
            Database.open(path)
        with pytest.raises(StoreError, match=rf"pid {holder.pid}"):
            Database.open(path, read_only=True)
    finally:
        kill(holder)
    assert lock_path(path).exists()  # the stale file stays, and does not block
    with Database.open(path) as db:
        assert db.load().count("players") == 0
    assert lock_path(path).read_text().strip() == str(os.getpid())


def test_readers_share_and_keep_a_writer_out(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    Database.open(path).close()
    reader = spawn(HOLD, str(path), "ro")
    try:
        assert reader.stdout is not None and reader.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match=rf"in use by another meshmush process \(pid {reader.pid}\)"):
            Database.open(path)
        with Database.open(path, read_only=True) as db:
            assert db.applied_migrations()
    finally:
        kill(reader)


def test_the_same_process_cannot_open_twice(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Database.open(path), pytest.raises(StoreError, match=f"pid {os.getpid()}"):
        Database.open(path)
    Database.open(path).close()


def test_file_lock_alone(tmp_path: Path) -> None:
    db_path = tmp_path / "x.duckdb"
    first, second = FileLock(db_path), FileLock(db_path)
    with first:
        assert first.held
        with pytest.raises(InUseError, match=f"database {db_path} is in use"):
            second.acquire()
    assert not first.held
    second.acquire()
    second.release()
    second.release()  # idempotent


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    for _round in range(2):
        writer = spawn(WRITE_FOREVER, str(path))
        acked: list[tuple[int, int]] = []
        try:
            assert writer.stdout is not None
            while len(acked) < 60:
                line = writer.stdout.readline()
                assert line, "the writer stopped"
                seq, n = map(int, line.split())
                acked.append((seq, n))
        finally:
            kill(writer)
        last_seq, last_n = acked[-1]
        with Database.open(path) as db:
            seqs = [s for (s,) in db.query("SELECT seq FROM journal ORDER BY seq")]
            assert seqs[:last_seq] == list(range(1, last_seq + 1))  # every acknowledged one, no gap
            tables = db.load()
            txn = tables.begin()
            row = txn.get("players", (f"p{last_n % 37}",))
            assert row is not None and row[4] >= last_n
