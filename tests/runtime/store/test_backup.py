"""Backups on real DuckDB files: private files, manifests that match, verification that catches
damage, ids that can never name a path, symbolic links refused, offline restore of a damaged or
missing database (state equal to the backup), and the lock of a running server respected."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from runtime.store.backup import (
    BackupError,
    BackupStore,
    check_id,
    default_folder,
    restore_offline,
    sha256_file,
)
from runtime.store.db import Database
from runtime.store.lock import FileLock
from runtime.store.migrations import CORE_SPECS
from tests.runtime.engine.helpers import Driver, engine

T0 = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def _world_db(path: Path) -> None:
    """A database with some play in it."""
    d = Driver(engine(path))
    for who, cmd in (("Ana", "look"), ("Bob", "look"), ("Ana", "take lamp"), ("Bob", "n"), ("Ana", "say hi")):
        d.send(who, cmd)
    d.engine.close()


def _state(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with Database.open(path, read_only=True) as db:
        return {s.name: sorted(db.query(f"SELECT * FROM {s.name}"), key=repr) for s in CORE_SPECS}


def test_a_backup_is_private_and_its_manifest_matches(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(default_folder(path))
    with Database.open(path) as db:
        m = store.create(db, now_ms=T0, note="first  one\n")
        players = db.query("SELECT count(*) FROM players")[0][0]
    assert store.folder == tmp_path / "w.backups"
    assert stat.S_IMODE(store.folder.stat().st_mode) == 0o700
    files = sorted(p.name for p in store.folder.iterdir())
    assert files == ["20250101-000000.duckdb", "20250101-000000.json"]
    assert all(stat.S_IMODE((store.folder / f).stat().st_mode) == 0o600 for f in files)
    assert m.id == "20250101-000000" and m.note == "first one" and m.kind == "manual"
    assert m.sha256 == sha256_file(store.folder / "20250101-000000.duckdb")
    assert m.counts["players"] == players == 2 and m.world_id == "lab" and m.schema >= 6
    on_disk = json.loads((store.folder / "20250101-000000.json").read_text())
    assert on_disk["sha256"] == m.sha256 and on_disk["created"] == "2025-01-01T00:00:00Z"
    assert store.verify(m.id).ok
    assert [b.id for b in store.listing()] == [m.id]


def test_two_backups_in_one_second_get_two_ids(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(tmp_path / "b")
    with Database.open(path) as db:
        ids = [store.create(db, now_ms=T0 + 10 * i).id for i in range(3)]
    assert ids == ["20250101-000000", "20250101-000000-2", "20250101-000000-3"]


def test_a_loose_folder_is_made_private_and_a_foreign_one_refused(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    BackupStore(folder).ensure()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    link = tmp_path / "link"
    link.symlink_to(folder)
    with pytest.raises(BackupError, match="symbolic link"):
        BackupStore(link).ensure()
    with pytest.raises(BackupError, match="symbolic link"):
        BackupStore(link).listing()


@pytest.mark.parametrize(
    "bad",
    ["../20250101-000000", "/etc/passwd", "20250101-000000/../../x", "20250101-000000.duckdb", "",
     "2025010-000000", "20250101-000000-12345", "20250101_000000", "20250101-000000\x00", "..", "*"],
)
def test_an_id_that_could_name_a_path_is_refused(tmp_path: Path, bad: str) -> None:
    store = BackupStore(tmp_path / "b")
    store.ensure()
    for action in (store.file, store.manifest, store.verify, store.delete):
        with pytest.raises(BackupError, match="is not a backup id"):
            action(bad)
    with pytest.raises(BackupError, match="is not a backup id"):
        check_id(bad)


def test_symbolic_links_are_refused_and_deleting_one_spares_its_target(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(tmp_path / "b")
    with Database.open(path) as db:
        m = store.create(db, now_ms=T0)
    secret = tmp_path / "secret.duckdb"
    (store.folder / f"{m.id}.duckdb").rename(secret)
    (store.folder / f"{m.id}.duckdb").symlink_to(secret)
    with pytest.raises(BackupError, match="symbolic link"):
        store.file(m.id)
    assert not store.verify(m.id).ok
    with pytest.raises(BackupError, match="symbolic link"):
        restore_offline(tmp_path / "other.duckdb", store, m.id, now_ms=T0)
    store.delete(m.id)
    assert secret.exists() and not list(store.folder.iterdir())


def test_verify_catches_a_changed_byte_and_a_lying_manifest(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(tmp_path / "b")
    with Database.open(path) as db:
        a = store.create(db, now_ms=T0)
        b = store.create(db, now_ms=T0 + 1000)
    copy = store.folder / f"{a.id}.duckdb"
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    result = store.verify(a.id)
    assert not result.ok and "SHA-256" in result.problems[0]
    manifest = store.folder / f"{b.id}.json"
    raw = json.loads(manifest.read_text())
    raw["counts"]["players"] = 99
    manifest.write_text(json.dumps(raw))
    result = store.verify(b.id)
    assert result.problems == ("table players has 2 rows, the manifest says 99",)
    manifest.write_text("{not json")
    assert "damaged" in store.verify(b.id).problems[0]
    assert [m.id for m in store.listing()] == [a.id]  # a damaged manifest is skipped, not fatal
    with pytest.raises(BackupError, match="failed verification"):
        restore_offline(path, store, a.id, now_ms=T0)


def test_backup_truncate_restore_gives_back_the_same_state(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(default_folder(path))
    with Database.open(path) as db:
        m = store.create(db, now_ms=T0)
    backed_up = _state(path)
    d = Driver(engine(path))  # more play after the backup
    d.send("Ana", "drop lamp")
    d.send("Cy", "look")
    d.engine.close()
    assert _state(path) != backed_up
    with path.open("r+b") as f:  # damage: truncate the database
        f.truncate(path.stat().st_size // 3)
    with pytest.raises(Exception):  # noqa: B017 - the damaged file does not open as before
        _state(path)
    done = restore_offline(path, store, m.id, now_ms=T0 + 5000)
    assert done.safety is None and done.damaged is not None and done.damaged.exists()
    assert stat.S_IMODE(done.damaged.stat().st_mode) == 0o600
    assert _state(path) == backed_up
    with Database.open(path, read_only=True) as db:
        assert db.query("SELECT actor, action, target FROM audit ORDER BY seq DESC LIMIT 1") == [
            ("@admin", "restore", m.id)]
    # and the engine runs on it again
    d = Driver(engine(path))
    assert "Hub" in d.text("Bob", "s")
    d.engine.close()


def test_restore_of_a_missing_database_and_with_a_safety_backup(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(tmp_path / "b")
    with Database.open(path) as db:
        m = store.create(db, now_ms=T0)
    backed_up = _state(path)
    path.unlink()
    done = restore_offline(path, store, m.id, now_ms=T0 + 1000)
    assert done.missing and done.safety is None
    assert _state(path) == backed_up
    done = restore_offline(path, store, m.id, now_ms=T0 + 2000)  # a readable database: safety backup
    assert done.safety is not None and done.safety.kind == "safety"
    assert store.verify(done.safety.id).ok
    assert {b.kind for b in store.listing()} == {"manual", "safety"}


def test_a_running_server_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    _world_db(path)
    store = BackupStore(tmp_path / "b")
    with Database.open(path) as db:
        m = store.create(db, now_ms=T0)
        with pytest.raises(BackupError, match=r"in use by another meshmush process.*stop the server first"):
            restore_offline(path, store, m.id, now_ms=T0)
    with FileLock(path), pytest.raises(BackupError, match="in use"):  # flock is per open file
        restore_offline(path, store, m.id, now_ms=T0)
    restore_offline(path, store, m.id, now_ms=T0)  # free again
