"""Backups: consistent copies of the database, each with a manifest, in a private folder.

Layout.  The backup folder (by default beside the database: ``NAME.backups/`` for
``NAME.duckdb``; ``[backup] dir`` in the server config, ``--backup-dir`` for ``meshmush admin``)
has mode 0700 and holds, per backup, ``ID.duckdb`` (the copy) and ``ID.json`` (its manifest),
both 0600.  An id is the UTC time the backup was taken, ``YYYYMMDD-HHMMSS`` (``-N`` appended
when several fall in one second).  Every id is checked against that pattern before a file is
named, so no id can name a path; a backup file that is a symbolic link or not a regular file
is refused, and so is a backup folder that is a symbolic link.

The manifest: id, creation time, kind (``manual``, ``scheduled`` or ``safety`` — the one taken
before a restore), note, SHA-256 and size of the copy, world id and image hash, schema version
(the highest migration applied) and the row count of every table.

Taking one: ``Database.copy_to`` a hidden temporary name (``ATTACH`` + ``COPY FROM DATABASE``
on the live connection, between two writes), chmod 0600, count its rows, hash it, rename it into
place, then write the manifest (temporary file + rename).  A crash leaves at most a hidden
temporary file, removed by the next backup.

Verifying: the file's SHA-256 equals the manifest's; the copy opens read-only; the schema
version and every table's row count equal the manifest's.

Restoring: ``restore_online`` swaps the running engine's database (verify, safety backup,
``Database.replace_file``; the engine then reloads its state and sessions);
``restore_offline`` works on a stopped server's file, even a damaged or missing one (lock,
verify, safety backup — or, for a file that cannot be read, a raw copy kept as
``damaged-TIME.duckdb`` in the folder —, install the copy, reopen, migrate, audit).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from runtime.store.db import (
    AuditRow,
    CommandRecord,
    CopyInfo,
    Database,
    StoreError,
    copy_database,
    fsync_dir,
    install_copy,
)
from runtime.store.lock import FileLock, InUseError, LockError
from runtime.store.migrations import MIGRATIONS_TABLE
from runtime.store.retention import Policy, select_keep
from runtime.store.tables import EMPTY

log = logging.getLogger("meshmush.backup")

ID_PATTERN = re.compile(r"\A[0-9]{8}-[0-9]{6}(?:-[0-9]{1,4})?\Z")
KINDS = ("manual", "scheduled", "safety")
MAX_NOTE = 120
MAX_MANIFEST_BYTES = 1 << 20
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class BackupError(Exception):
    """A backup operation that cannot be done; the message says why, in a person's words."""


def default_folder(db_path: Path) -> Path:
    """``NAME.backups`` beside ``NAME.duckdb``."""
    return db_path.with_name(db_path.stem + ".backups")


def check_id(text: str) -> str:
    """``text`` if it is a backup id, else BackupError (ids never name a path)."""
    t = text.strip()
    if not ID_PATTERN.match(t):
        shown = "".join(c if c.isprintable() else "?" for c in t[:40])
        raise BackupError(f"'{shown}' is not a backup id (ids look like 20250131-235959)")
    return t


def iso(ms: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


@dataclass(frozen=True)
class Manifest:
    id: str
    created_ms: int
    kind: str
    note: str
    sha256: str
    size: int
    world_id: str
    image_hash: str
    schema: int
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def created(self) -> str:
        return iso(self.created_ms)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "created": self.created,
            "created_ms": self.created_ms,
            "kind": self.kind,
            "note": self.note,
            "sha256": self.sha256,
            "size": self.size,
            "world_id": self.world_id,
            "image_hash": self.image_hash,
            "schema": self.schema,
            "counts": dict(sorted(self.counts.items())),
        }

    @staticmethod
    def from_json(data: Any) -> Manifest:
        """A manifest read back; ValueError when anything is missing or of the wrong type."""
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")

        def get(key: str, kind: type[Any]) -> Any:
            value = data.get(key)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError(f"'{key}' is missing or not {kind.__name__}")
            return value

        counts = get("counts", dict)
        if not all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) for k, v in counts.items()):
            raise ValueError("'counts' must map table names to numbers")
        m = Manifest(
            id=check_id_value(get("id", str)),
            created_ms=get("created_ms", int),
            kind=get("kind", str),
            note=get("note", str),
            sha256=get("sha256", str),
            size=get("size", int),
            world_id=get("world_id", str),
            image_hash=get("image_hash", str),
            schema=get("schema", int),
            counts=counts,
        )
        if m.kind not in KINDS or not re.fullmatch(r"[0-9a-f]{64}", m.sha256):
            raise ValueError("bad kind or sha256")
        return m


def check_id_value(text: str) -> str:
    if not ID_PATTERN.match(text):
        raise ValueError(f"bad id {text[:40]!r}")
    return text


@dataclass(frozen=True)
class Verification:
    id: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Restored:
    backup: Manifest
    safety: Manifest | None  # None: there was no readable database to save first
    damaged: Path | None = None  # a raw copy of a database that could not be read
    missing: bool = False  # there was no database at all


def _regular(path: Path, what: str) -> os.stat_result:
    try:
        st = path.lstat()
    except FileNotFoundError:
        raise BackupError(f"{what} {path.name} does not exist") from None
    except OSError as exc:
        raise BackupError(f"cannot read {what} {path.name}: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise BackupError(f"{what} {path.name} is a symbolic link; refusing to use it")
    if not stat.S_ISREG(st.st_mode):
        raise BackupError(f"{what} {path.name} is not a regular file; refusing to use it")
    return st


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | _NOFOLLOW)
    try:
        while chunk := os.read(fd, 1 << 20):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | _NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def describe_copy(path: Path) -> tuple[int, dict[str, int], dict[str, str]]:
    """(schema version, row count per table, meta) of a database file, opened read-only."""
    conn = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            str(t)
            for (t,) in conn.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
                " ORDER BY table_name"
            ).fetchall()
        ]
        if MIGRATIONS_TABLE not in tables:
            raise BackupError(f"{path.name} is not a meshmush database (no {MIGRATIONS_TABLE})")
        counts: dict[str, int] = {}
        for table in tables:
            row = conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            counts[table] = int(row[0]) if row else 0
        version = conn.execute(f"SELECT coalesce(max(number), 0) FROM {MIGRATIONS_TABLE}").fetchone()
        meta: dict[str, str] = {}
        if "meta" in tables:
            meta = {str(k): str(v) for k, v in conn.execute("SELECT key, value FROM meta").fetchall()}
        return int(version[0]) if version else 0, counts, meta
    finally:
        conn.close()


class BackupStore:
    """The backup folder.  Not thread-safe: one engine thread or one admin command uses it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    # ------------------------------------------------------------------ the folder
    def ensure(self) -> None:
        """Create the folder (0700), or check the one there: a real folder of ours, made
        private if it was not."""
        try:
            self.folder.mkdir(mode=0o700, parents=False)
        except FileExistsError:
            pass
        except FileNotFoundError:
            raise BackupError(f"cannot create the backup folder {self.folder}: its parent does not exist") from None
        except OSError as exc:
            raise BackupError(f"cannot create the backup folder {self.folder}: {exc.strerror or exc}") from None
        st = self._folder_stat()
        if st is None:
            raise BackupError(f"the backup folder {self.folder} vanished")
        if st.st_uid != os.getuid():
            raise BackupError(f"the backup folder {self.folder} belongs to another user; refusing to use it")
        if stat.S_IMODE(st.st_mode) != 0o700:
            try:
                os.chmod(self.folder, 0o700)
            except OSError as exc:
                raise BackupError(f"cannot make {self.folder} private: {exc.strerror or exc}") from None
            log.warning("made the backup folder %s private (mode 0700)", self.folder)

    def _folder_stat(self) -> os.stat_result | None:
        try:
            st = self.folder.lstat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise BackupError(f"cannot read the backup folder {self.folder}: {exc.strerror or exc}") from None
        if stat.S_ISLNK(st.st_mode):
            raise BackupError(f"the backup folder {self.folder} is a symbolic link; refusing to use it")
        if not stat.S_ISDIR(st.st_mode):
            raise BackupError(f"{self.folder} is not a folder; cannot keep backups there")
        return st

    def file(self, backup_id: str) -> Path:
        """The copy of a backup, checked: a valid id, a regular file."""
        path = self.folder / f"{check_id(backup_id)}.duckdb"
        self._folder_stat()
        _regular(path, "backup")
        return path

    # ------------------------------------------------------------------ reading
    def manifest(self, backup_id: str) -> Manifest:
        bid = check_id(backup_id)
        if self._folder_stat() is None:
            raise BackupError(f"there is no backup {bid}")
        path = self.folder / f"{bid}.json"
        try:
            st = _regular(path, "backup manifest")
        except BackupError:
            if not (self.folder / f"{bid}.duckdb").exists():
                raise BackupError(f"there is no backup {bid}") from None
            raise
        if st.st_size > MAX_MANIFEST_BYTES:
            raise BackupError(f"the manifest of backup {bid} is too large; it is damaged")
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | _NOFOLLOW)
            try:
                raw = os.read(fd, MAX_MANIFEST_BYTES + 1)
            finally:
                os.close(fd)
            m = Manifest.from_json(json.loads(raw.decode("utf-8")))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BackupError(f"the manifest of backup {bid} is damaged ({exc})") from None
        if m.id != bid:
            raise BackupError(f"the manifest {bid}.json describes backup {m.id}; it is damaged")
        return m

    def listing(self) -> list[Manifest]:
        """Every readable backup, oldest first (damaged manifests are logged and skipped)."""
        if self._folder_stat() is None:
            return []
        found: list[Manifest] = []
        for entry in sorted(os.listdir(self.folder)):
            if not entry.endswith(".json") or not ID_PATTERN.match(entry[:-5]):
                continue
            try:
                found.append(self.manifest(entry[:-5]))
            except BackupError as exc:
                log.warning("%s", exc)
        found.sort(key=lambda m: (m.created_ms, m.id))
        return found

    def total_bytes(self) -> int:
        return sum(m.size for m in self.listing())

    # ------------------------------------------------------------------ writing
    def _new_id(self, now_ms: int) -> str:
        base = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now_ms // 1000))
        n = 1
        bid = base
        while (self.folder / f"{bid}.json").exists() or (self.folder / f"{bid}.duckdb").exists():
            n += 1
            if n > 9999:
                raise BackupError("too many backups in one second")
            bid = f"{base}-{n}"
        return bid

    def _clean_leftovers(self) -> None:
        for entry in os.listdir(self.folder):
            if entry.startswith(".") and (entry.endswith(".tmp") or entry.endswith(".tmp.wal")):
                with contextlib.suppress(OSError):
                    (self.folder / entry).unlink()

    def create(self, db: Database, *, now_ms: int, note: str = "", kind: str = "manual") -> Manifest:
        """Back up the open database ``db`` (between two writes)."""
        return self._create(db.copy_to, now_ms=now_ms, note=note, kind=kind)

    def create_from(self, conn: duckdb.DuckDBPyConnection, *, now_ms: int, note: str, kind: str) -> Manifest:
        """Back up a database open on a plain connection (offline restore's safety copy)."""

        def copy(target: Path) -> CopyInfo:
            try:
                return copy_database(conn, target)
            except duckdb.Error as exc:
                raise BackupError(f"could not copy the database: {exc}") from None

        return self._create(copy, now_ms=now_ms, note=note, kind=kind)

    def _create(self, copy: Callable[[Path], CopyInfo], *, now_ms: int, note: str, kind: str) -> Manifest:
        if kind not in KINDS:
            raise ValueError(f"unknown backup kind {kind!r}")
        note = " ".join(note.split())[:MAX_NOTE]
        self.ensure()
        self._clean_leftovers()
        bid = self._new_id(now_ms)
        tmp = self.folder / f".{bid}.duckdb.tmp"
        try:
            info = copy(tmp)
        except StoreError as exc:
            raise BackupError(str(exc)) from None
        try:
            os.chmod(tmp, 0o600)
            if MIGRATIONS_TABLE not in info.counts:
                raise BackupError("the database is not a meshmush database; no backup taken")
            digest = sha256_file(tmp)
            size = tmp.stat().st_size
            final = self.folder / f"{bid}.duckdb"
            os.replace(tmp, final)
            manifest = Manifest(bid, now_ms, kind, note, digest, size, info.meta.get("world_id", ""),
                                info.meta.get("image_hash", ""), info.schema, info.counts)
            _write_private(self.folder / f"{bid}.json",
                           (json.dumps(manifest.to_json(), indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
            fsync_dir(self.folder)
        except (OSError, duckdb.Error, BackupError) as exc:
            for leftover in (tmp, self.folder / f"{bid}.duckdb"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise BackupError(f"could not finish backup {bid}: {reason}") from None
        log.info("backup %s taken (%s, %d bytes)", bid, kind, size)
        return manifest

    def verify(self, backup_id: str) -> Verification:
        bid = check_id(backup_id)
        try:
            m = self.manifest(bid)
            path = self.file(bid)
        except BackupError as exc:
            return Verification(bid, (str(exc),))
        problems: list[str] = []
        st = path.lstat()
        if stat.S_IMODE(st.st_mode) & 0o077:
            problems.append(f"the file is readable by others (mode {stat.S_IMODE(st.st_mode):04o})")
        if st.st_size != m.size:
            problems.append(f"size {st.st_size} bytes, the manifest says {m.size}")
        try:
            if sha256_file(path) != m.sha256:
                problems.append("its SHA-256 differs from the manifest's: the file changed or is damaged")
        except OSError as exc:
            problems.append(f"cannot read it: {exc.strerror or exc}")
        if problems:
            return Verification(bid, tuple(problems))
        try:
            schema, counts, _meta = describe_copy(path)
        except (duckdb.Error, BackupError) as exc:
            return Verification(bid, (f"it does not open as a database: {str(exc).splitlines()[0]}",))
        if schema != m.schema:
            problems.append(f"schema version {schema}, the manifest says {m.schema}")
        for table in sorted(set(counts) | set(m.counts)):
            if counts.get(table) != m.counts.get(table):
                problems.append(f"table {table} has {counts.get(table)} rows, the manifest says {m.counts.get(table)}")
        return Verification(bid, tuple(problems))

    def delete(self, backup_id: str) -> Manifest | None:
        """Remove a backup (its copy and manifest); returns its manifest when it was readable."""
        bid = check_id(backup_id)
        if self._folder_stat() is None:
            raise BackupError(f"there is no backup {bid}")
        m: Manifest | None
        try:
            m = self.manifest(bid)
        except BackupError:
            m = None
        removed = False
        for path in (self.folder / f"{bid}.duckdb", self.folder / f"{bid}.json"):
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                raise BackupError(f"{path.name} is not a regular file; refusing to delete it")
            path.unlink()  # a symbolic link is removed itself, never what it points to
            removed = True
        if not removed:
            raise BackupError(f"there is no backup {bid}")
        fsync_dir(self.folder)
        return m

    def prune(self, policy: Policy) -> list[str]:
        """Delete every backup the policy does not keep; returns their ids."""
        backups = self.listing()
        keep = select_keep(((m.id, m.created_ms) for m in backups), policy)
        gone: list[str] = []
        for m in backups:
            if m.id not in keep:
                try:
                    self.delete(m.id)
                except (BackupError, OSError) as exc:
                    log.warning("could not prune backup %s: %s", m.id, exc)
                    continue
                gone.append(m.id)
        if gone:
            log.info("pruned %d backup(s): %s", len(gone), ", ".join(gone))
        return gone


# ---------------------------------------------------------------------- restoring
def restore_online(db: Database, store: BackupStore, backup_id: str, *, now_ms: int,
                   world_id: str) -> Restored:
    """Swap the open database for a backup: verify it, take a safety backup, replace the file.
    The caller (the engine) reloads its state afterwards."""
    m = store.manifest(backup_id)
    if m.world_id and m.world_id != world_id:
        raise BackupError(f"backup {m.id} holds world '{m.world_id}', not '{world_id}'")
    checked = store.verify(m.id)
    if not checked.ok:
        raise BackupError(f"backup {m.id} failed verification: {checked.problems[0]}; not restored")
    safety = store.create(db, now_ms=now_ms, note=f"before restoring {m.id}", kind="safety")
    try:
        db.replace_file(store.file(m.id))
    except StoreError as exc:
        raise BackupError(f"{exc} (safety backup {safety.id})") from None
    return Restored(m, safety)


def restore_offline(db_path: Path, store: BackupStore, backup_id: str, *, now_ms: int,
                    actor: str = "@admin") -> Restored:
    """Restore a stopped server's database, even a damaged or missing one."""
    bid = check_id(backup_id)
    if not db_path.parent.is_dir():
        raise BackupError(f"folder {db_path.parent} does not exist")
    if db_path.is_dir():
        raise BackupError(f"{db_path} is a folder, not a database file")
    lock = FileLock(db_path)
    try:
        lock.acquire()
    except InUseError as exc:
        raise BackupError(f"{exc}; stop the server first, or use /restore in the game") from None
    except LockError as exc:
        raise BackupError(str(exc)) from None
    try:
        m = store.manifest(bid)
        checked = store.verify(m.id)
        if not checked.ok:
            raise BackupError(f"backup {m.id} failed verification: {checked.problems[0]}; not restored")
        safety, damaged, missing = _save_current(db_path, store, m.id, now_ms)
        try:
            install_copy(store.file(m.id), db_path)
        except OSError as exc:
            raise BackupError(f"could not put backup {m.id} in place: {exc.strerror or exc}") from None
    except BaseException:
        lock.release()
        raise
    note = f"safety {safety.id}" if safety else ("damaged copy " + damaged.name if damaged else "no database before")
    try:
        db = Database.open(db_path, lock=lock)  # owns the lock from here on
    except StoreError as exc:
        raise BackupError(f"backup {m.id} is in place but does not open: {exc}") from None
    try:
        record = CommandRecord(db.next_journal_seq(), now_ms, "", f"@admin restore {m.id}", True, EMPTY,
                               (AuditRow(actor, "restore", m.id, note),))
        db.write([record])
    except StoreError as exc:
        log.error("restored backup %s but could not write its audit row: %s", m.id, exc)
    finally:
        db.close()
    return Restored(m, safety, damaged, missing)


def _save_current(db_path: Path, store: BackupStore, restoring: str,
                  now_ms: int) -> tuple[Manifest | None, Path | None, bool]:
    """Before an offline restore: a safety backup of the database there, or a raw copy of it
    when it cannot be read; nothing when there is none."""
    wal = db_path.with_name(db_path.name + ".wal")
    if not db_path.exists() and not wal.exists():
        return None, None, True
    if db_path.exists():
        _regular(db_path, "database")
    try:
        conn = duckdb.connect(str(db_path), read_only=True)
        try:
            describe_conn_check(conn)
            return store.create_from(conn, now_ms=now_ms, note=f"before restoring {restoring}", kind="safety"), None, False
        finally:
            conn.close()
    except (duckdb.Error, BackupError) as exc:
        log.warning("the database %s cannot be read (%s); keeping a raw copy", db_path, str(exc).splitlines()[0])
    store.ensure()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime(now_ms // 1000))
    target = store.folder / f"damaged-{stamp}.duckdb"
    n = 1
    while target.exists():
        n += 1
        target = store.folder / f"damaged-{stamp}-{n}.duckdb"
    for source, dest in ((db_path, target), (wal, target.with_name(target.name + ".wal"))):
        if source.exists():
            install_copy_plain(source, dest)
    return None, target, False


def describe_conn_check(conn: duckdb.DuckDBPyConnection) -> None:
    """A meshmush database (the copy that follows reads every block: damage shows up there)."""
    found = conn.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() AND table_name = ?",
        [MIGRATIONS_TABLE],
    ).fetchone()
    if not found or not found[0]:
        raise BackupError("not a meshmush database")


def install_copy_plain(source: Path, dest: Path) -> None:
    """Copy a file privately (0600), byte for byte."""
    src = os.open(source, os.O_RDONLY | os.O_CLOEXEC | _NOFOLLOW)
    try:
        dst = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | _NOFOLLOW, 0o600)
        try:
            while chunk := os.read(src, 1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(dst, view):]
            os.fsync(dst)
        finally:
            os.close(dst)
    finally:
        os.close(src)
