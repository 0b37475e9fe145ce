"""The operator's commands in the game: /backup, /backups, /verify_backup, /delete_backup,
/restore (online: after the command is durable, a safety backup, the swap, state and sessions
reloaded, audited in the restored database), /backup_policy, /stats."""

from __future__ import annotations

import stat
from pathlib import Path

from runtime.store.backup import BackupStore
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.staff_helpers import staff_engine, state_of


def test_backup_list_verify_delete(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    eng = staff_engine(tmp_path / "o.duckdb", sysops=("Ana",), backup_dir=folder, extra=False)
    d = Driver(eng)
    try:
        d.send("Ana", "look")
        reply = d.text("Ana", "/backup before the test")
        assert reply.startswith("Backup 19700101-000002 taken (") and "sha256" in reply
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert d.text("Ana", "/backups").splitlines()[1].startswith("19700101-000002 ")
        assert d.text("Ana", "/backups").endswith("before the test")
        assert d.text("Ana", "/verify_backup 19700101-000002").startswith("Backup 19700101-000002 is sound")
        copy = folder / "19700101-000002.duckdb"
        copy.write_bytes(copy.read_bytes()[:-10] + b"0123456789")
        assert "is DAMAGED" in d.text("Ana", "/verify_backup 19700101-000002")
        assert d.text("Ana", "/restore 19700101-000002").startswith("Backup 19700101-000002 is damaged")
        assert d.text("Ana", "/delete_backup 19700101-000002") == "Deleted backup 19700101-000002."
        assert d.text("Ana", "/delete_backup 19700101-000002") == "There is no backup 19700101-000002."
        assert d.text("Ana", "/backups") == "No backups yet. /backup takes one."
        assert list(folder.iterdir()) == []
    finally:
        eng.close()


def test_restore_online_goes_back_and_reloads_sessions(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    eng = staff_engine(tmp_path / "o.duckdb", sysops=("Ana",), backup_dir=folder, extra=False)
    d = Driver(eng)
    try:
        d.send("Ana", "look")
        d.send("Bob", "look")
        d.send("Bob", "take lamp")
        d.send("Ana", "/backup")
        bid = BackupStore(folder).listing()[0].id
        saved = state_of(eng)
        d.send("Bob", "drop lamp")
        d.send("Bob", "n")
        d.send("Cy", "look")  # a player who did not exist at the backup
        assert eng.sessions.is_online("Cy")
        out = d.send("Ana", f"/restore {bid}")
        told = [o.text for o in out if o.to == "Ana"]
        assert told[0].startswith(f"Restoring backup {bid}")
        assert told[1].startswith(f"Restored backup {bid}. Safety backup of what was: ")
        after = state_of(eng)
        # the state is the backup's (plus the journal/audit rows of the restore itself)
        for table in saved:
            if table not in ("meta",):
                assert after[table] == saved[table], table
        assert not eng.sessions.is_online("Cy") and eng.sessions.is_online("Bob")
        assert d.text("Bob", "i").startswith("You carry: brass lamp")
        assert "Hub" in d.text("Bob", "look")
        rows = eng.db.query("SELECT actor, action, target FROM audit ORDER BY seq DESC LIMIT 1")
        assert rows == [("Ana", "restore", bid)]
        kinds = sorted(m.kind for m in BackupStore(folder).listing())
        assert kinds == ["manual", "safety"]
        safety = BackupStore(folder).listing()[-1]
        assert safety.counts["players"] == 3  # Cy is kept in the safety backup
    finally:
        eng.close()


def test_backup_policy_is_stored_and_stats_answer(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "o.duckdb", sysops=("Ana",), backup_dir=tmp_path / "b", extra=False)
    d = Driver(eng)
    try:
        d.send("Ana", "look")
        assert d.text("Ana", "/backup_policy keep 2 1 0") == (
            "Policy: backups every 1d; keep 2 daily, 1 weekly, 0 monthly.")
        assert dict(eng.db.query("SELECT key, value FROM meta WHERE key LIKE 'backup.%'")) == {
            "backup.keep": "2 1 0", "backup.every_ms": "86400000"}
        stats = d.text("Ana", "/stats").splitlines()
        assert stats[0].startswith("Online 1/1, ") and stats[1] == "Air: no radio."
        assert " errors/h, money $5.00, db " in stats[0]
    finally:
        eng.close()
