"""``meshmush admin`` on real database files: every subcommand, the contract's JSON shape and
exit codes, restore of a truncated database, a backup id naming a path refused, a running
server's lock refused, read-only queries (and the five documented ones run)."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from meshmush.cli import main
from runtime.store.db import Database
from runtime.store.migrations import CORE_SPECS
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.staff_helpers import staff_engine

ROOT = Path(__file__).resolve().parents[2]


def _played(path: Path) -> None:
    eng = staff_engine(path, sysops=(), extra=False)
    d = Driver(eng)
    for who, cmd in (("Ana", "look"), ("Bob", "look"), ("Ana", "say hello"), ("Bob", "pay Ana 1.00"), ("Bob", "n")):
        d.send(who, cmd)
    eng.ops.stats(d.now)  # figures exist; the metrics event as the server writes it:
    from runtime.engine.stats import compact

    eng.db.events.add(d.now, "metrics", None, None, compact(eng.ops.stats(d.now)))
    eng.close()


def _admin(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["admin", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _state(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with Database.open(path, read_only=True) as db:
        return {s.name: sorted(db.query(f"SELECT * FROM {s.name}"), key=repr) for s in CORE_SPECS}


def test_backup_truncate_restore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    code, out, _ = _admin(capsys, "backup", "before", "the", "storm", "--db", str(db))
    assert code == 0 and out.startswith("backup ")
    code, out, _ = _admin(capsys, "backups", "--json", "--db", str(db))
    items = json.loads(out)
    assert code == 0 and len(items) == 1
    assert set(items[0]) == {"id", "path", "created", "note", "sha256"}
    assert items[0]["note"] == "before the storm" and items[0]["created"].endswith("Z")
    backup = Path(items[0]["path"])
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert stat.S_IMODE(backup.parent.stat().st_mode) == 0o700
    saved = _state(db)
    code, _, _ = _admin(capsys, "promote", "Bob", "admin", "--db", str(db))
    assert code == 0 and _state(db) != saved
    with db.open("r+b") as f:
        f.truncate(1000)
    code, _, err = _admin(capsys, "stats", "--db", str(db))
    assert code == 1 and "meshmush admin stats:" in err
    code, out, _ = _admin(capsys, "restore", items[0]["id"], "--db", str(db))
    assert code == 0 and "the damaged database was kept as" in out
    assert _state(db) == saved
    code, out, _ = _admin(capsys, "verify-backup", items[0]["id"], "--db", str(db))
    assert code == 0 and out == f"backup {items[0]['id']} is sound\n"
    code, out, _ = _admin(capsys, "audit", "-n", "1", "--db", str(db))
    assert code == 0 and f"@admin restore {items[0]['id']}" in out


@pytest.mark.parametrize("bad", ["../world", "/etc/passwd", "20250101-000000/../x", "x.duckdb"])
def test_a_backup_id_naming_a_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                     bad: str) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    for sub in ("restore", "verify-backup"):
        code, _, err = _admin(capsys, sub, bad, "--db", str(db))
        assert code == 2 and "is not a backup id" in err, err
    assert db.exists() and not (tmp_path / "world.backups").exists()


def test_verify_finds_damage_and_restore_refuses_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    _admin(capsys, "backup", "--db", str(db))
    bid = json.loads(_admin(capsys, "backups", "--json", "--db", str(db))[1])[0]["id"]
    copy = tmp_path / "world.backups" / f"{bid}.duckdb"
    data = bytearray(copy.read_bytes())
    data[5000] ^= 1
    copy.write_bytes(bytes(data))
    code, _, err = _admin(capsys, "verify-backup", bid, "--db", str(db))
    assert code == 1 and "SHA-256" in err
    code, _, err = _admin(capsys, "restore", bid, "--db", str(db))
    assert code == 1 and "failed verification" in err


def test_stats_query_promote_trust_and_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    code, out, _ = _admin(capsys, "stats", "--json", "--db", str(db))
    stats = json.loads(out)
    assert code == 0 and stats["players"] == 2 and stats["money_supply"] == 1000 and not stats["live"]
    assert stats["top_rooms"][0] == {"room": "lab.hub", "players": 1} and stats["db_bytes"] > 0
    code, out, _ = _admin(capsys, "stats", "--db", str(db))
    assert code == 0 and out.startswith("Online 0/2, ")
    code, out, _ = _admin(capsys, "query", "SELECT name, balance FROM players ORDER BY name", "--db", str(db))
    assert code == 0 and out == "name\tbalance\nAna\t600\nBob\t400\n"
    code, out, _ = _admin(capsys, "query", "SELECT count(*) AS n FROM players", "--json", "--db", str(db))
    assert json.loads(out) == [{"n": 2}]
    for sql in ("DELETE FROM players", "SELECT 1; DROP TABLE players", "CREATE TABLE x (a INT)"):
        code, _, err = _admin(capsys, "query", sql, "--db", str(db))
        assert code == 1 and "only one SELECT" in err, err
    code, out, _ = _admin(capsys, "promote", "ana", "sysop", "--db", str(db))
    assert code == 0 and out == "Ana is now sysop\n"
    code, _, err = _admin(capsys, "promote", "Ana", "king", "--db", str(db))
    assert code == 2 and "LEVEL must be one of player, moderator, admin, sysop" in err
    code, _, err = _admin(capsys, "promote", "Zed", "admin", "--db", str(db))
    assert code == 1 and "no player is called 'Zed'" in err
    code, _, err = _admin(capsys, "trust", "Ana", "--db", str(db))
    assert code == 1 and "has not changed" in err
    code, out, _ = _admin(capsys, "export-edits", "-o", str(tmp_path / "out"), "--db", str(db))
    assert code == 0 and out.startswith("no edits to export")
    code, _, err = _admin(capsys, "backups", "--db", str(tmp_path / "missing.duckdb"))
    assert code == 0
    code, _, err = _admin(capsys, "stats", "--db", str(tmp_path / "missing.duckdb"))
    assert code == 1 and "does not exist" in err


def test_the_documented_queries_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    text = (ROOT / "docs" / "backup.md").read_text(encoding="utf-8")
    block = text.split("## Analytics", 1)[1].split("```sql\n", 1)[1].split("```", 1)[0]
    queries = [q.strip() for q in block.split(";") if q.strip()]
    assert len(queries) == 5
    results = []
    for sql in queries:
        code, out, err = _admin(capsys, "query", sql, "--json", "--db", str(db))
        assert code == 0, (sql, err)
        results.append(json.loads(out))
    assert any(r["verb"] == "look" for r in results[1])
    assert results[3] == [{"room": "lab.hub", "lines": 1}]
    assert results[4] and results[4][0]["online"] == 2


def test_a_running_server_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "world.duckdb"
    _played(db)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from runtime.store.db import Database;"
         " db = Database.open(Path(sys.argv[1])); print('ready', flush=True); time.sleep(60)", str(db)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        exe = Path(sys.executable).parent / "meshmush"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "meshmush.cli"]
        for args in (["backup"], ["backups"], ["restore", "20250101-000000"], ["audit"], ["query", "SELECT 1"],
                     ["promote", "Ana", "admin"]):
            res = subprocess.run([*cmd, "admin", *args, "--db", str(db)], capture_output=True, text=True,
                                 cwd=ROOT, timeout=120)
            assert res.returncode == 1, (args, res.stderr)
            assert "in use by another meshmush process" in res.stderr and "stop the server first" in res.stderr, \
                (args, res.stderr)
            assert "Traceback" not in res.stderr
    finally:
        holder.kill()
        holder.wait()
