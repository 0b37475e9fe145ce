"""Issue 11, item 6: damage the database cannot hide.  Bytes flipped in a block that start-up
does not read surface at the first write: the server must stop accepting commands at once,
acknowledge nothing more, exit non-zero and say how to recover — not answer "could not save"
to every command and exit 0."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from runtime.engine.engine import Engine, EngineConfig, EngineError
from runtime.store.db import RECOVER, Database, StoreError
from tests.e2e.harness import fake_node, say, serving

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]
HEADER = 3 * 4096  # DuckDB's file header, then blocks of block_size bytes


def _play(db: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, "play", str(WORLD), "--db", str(db), "--script", "-"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=300, cwd=ROOT)


def _flip(path: Path, block: int, block_size: int) -> None:
    with path.open("r+b") as f:
        f.seek(HEADER + block * block_size + 8)  # just past the block's checksum
        f.write(b"\xde\xad\xbe\xef" * 64)


def _hidden_block(good: Path, tmp: Path) -> tuple[Path, int]:
    """A copy of ``good`` with one damaged block that start-up does not read but a write does."""
    con = duckdb.connect(str(good), read_only=True)
    try:
        size_row = con.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchone()
    finally:
        con.close()
    assert size_row is not None
    block_size, blocks = int(size_row[0]), int(size_row[1])
    from compiler.api import compile_world
    from compiler.diagnostics import Diagnostics

    w = compile_world(WORLD, Diagnostics())
    assert w is not None
    for block in range(blocks):
        bad = tmp / f"bad{block}.duckdb"
        shutil.copy(good, bad)
        _flip(bad, block, block_size)
        try:
            eng = Engine(w, Database.open(bad), "h", config=EngineConfig(seed=1), now_ms=10**12)
        except (StoreError, EngineError):
            continue  # start-up reads this block: refused at once, as it should be
        try:
            eng.handle("Ana", "pay Bob 1.00", 10**12 + 1000)
        except StoreError as exc:
            assert exc.fatal
            eng.db._discard()
            return bad, block
        eng.close()
    pytest.skip("no block of this database is both skipped at start-up and read by a write")


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("corrupt")
    good = tmp / "good.duckdb"
    fill = ["Ana> look", "Bob> look"] + [f"Ana> say note {i} " + "x" * 100 for i in range(3000)]
    assert _play(good, fill).returncode == 0
    bad, _block = _hidden_block(good, tmp)
    return bad


@pytest.mark.slow
def test_play_stops_at_the_first_damaged_write_and_exits_1(damaged: Path, tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(damaged, db)
    res = _play(db, ["Ana> pay Bob 1.00", "Ana> bal", "Bob> bal"])
    assert res.returncode == 1, res
    assert "Traceback" not in res.stderr
    assert "You pay Bob" not in res.stdout and "You have" not in res.stdout  # nothing acknowledged
    assert "Ana> bal" not in res.stdout  # no further command was even read
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith(f"meshmush play: database {db} is damaged") and last.endswith(RECOVER), last


@pytest.mark.slow
def test_serve_stops_at_the_first_damaged_write_and_exits_1(damaged: Path, tmp_path: Path) -> None:
    shutil.copy(damaged, tmp_path / "world.duckdb")  # where serving() points serve's --db
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            say(node, "Ana> pay Bob 1.00")
            say(node, "Ana> bal")
            code = served.proc.wait(60)
            assert code == 1, served.log_text()
        assert node.texts_to(0x11111111) == []  # nothing acknowledged
        critical = [e for e in served.log_entries() if e["level"] == "critical"]
        assert critical, served.log_text()
        assert "is damaged" in str(critical[0]["msg"]) and RECOVER in str(critical[0]["msg"])
        assert "Traceback" not in served.log_text()
    finally:
        node.stop()


def test_a_fatal_error_refuses_every_later_write(tmp_path: Path) -> None:
    db = Database.open(tmp_path / "w.duckdb")
    try:
        db.failure = StoreError("database is damaged", fatal=True)
        with pytest.raises(StoreError) as err:
            db.set_meta({"k": "v"})
        assert err.value.fatal
    finally:
        db._discard()
