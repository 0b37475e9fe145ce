"""``meshmush admin``: the operator's tools on a stopped server's database (docs/admin.md).

    meshmush admin promote NAME LEVEL --db PATH      set a player's staff level
    meshmush admin audit [-n N] --db PATH            the newest audit rows
    meshmush admin backup [NOTE] --db PATH           take a backup
    meshmush admin backups [--json] --db PATH        list the backups
    meshmush admin verify-backup ID --db PATH        check one (exit 1 when damaged)
    meshmush admin restore ID --db PATH              restore one (the database may be damaged or missing)
    meshmush admin stats [--json] --db PATH          figures of the database
    meshmush admin stats clones [--json] --db PATH   builders' copies by owner, object and age
    meshmush admin query SQL --db PATH               a read-only query (one SELECT)
    meshmush admin trust NAME --db PATH              accept a player's changed radio key (extension)
    meshmush admin export-edits -o DIR --db PATH     the builders' live edits as world files

Every subcommand takes the database's lock (shared for the read-only ones), so a running
server is refused with a clear message; the game's staff commands do the same online.  Exit
codes as ``check``: 0 done, 1 an error (a damaged backup, a locked or unreadable database),
2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from runtime.engine.registry import LEVELS
from runtime.engine.state import Player
from runtime.engine.stats import from_database
from runtime.store.backup import (
    BackupError,
    BackupStore,
    check_id,
    default_folder,
    iso,
    restore_offline,
)
from runtime.store.db import AuditRow, CommandRecord, Database, StoreError
from runtime.store.lock import FileLock, InUseError, LockError
from runtime.store.migrations import CORE_SPECS
from runtime.store.overlay import OLDER, Clone, clone_stats, read_overlay

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
ACTOR = "@admin"


class AdminError(Exception):
    """A failure to report in one line (exit 1)."""


class AdminUsage(Exception):
    """A usage error to report in one line (exit 2)."""


def _now() -> int:
    return int(time.time() * 1000)


def _db_path(args: argparse.Namespace) -> Path:
    return Path(args.db)


def _store(args: argparse.Namespace) -> BackupStore:
    return BackupStore(Path(args.backup_dir) if args.backup_dir else default_folder(_db_path(args)))


def _existing(args: argparse.Namespace) -> Path:
    path = _db_path(args)
    if not path.exists():
        raise AdminError(f"database {path} does not exist")
    return path


def _open(args: argparse.Namespace, *, read_only: bool) -> Database:
    path = _existing(args)
    try:
        return Database.open(path, read_only=read_only)
    except StoreError as exc:
        raise AdminError(_locked_hint(str(exc))) from None


def _locked_hint(text: str) -> str:
    return text + "; stop the server first (or use the staff commands in the game)" if "in use" in text else text


class _SharedLock:
    """The database's lock, shared: refuses while a server runs, without opening the file."""

    def __init__(self, path: Path) -> None:
        self.lock = FileLock(path)

    def __enter__(self) -> None:
        try:
            self.lock.acquire(shared=True)
        except InUseError as exc:
            raise AdminError(_locked_hint(str(exc))) from None
        except LockError:
            pass  # a read-only folder: nobody can be writing there either

    def __exit__(self, *exc: object) -> None:
        self.lock.release()


def _player(db: Database, name: str) -> Player:
    rows = db.query("SELECT * FROM players WHERE name_lc = ? OR key = ?", [name.strip().lower(), name.strip()])
    if not rows:
        raise AdminError(f"no player is called '{name}'")
    return Player.from_row(rows[0])


# ---------------------------------------------------------------------- subcommands
def cmd_promote(args: argparse.Namespace) -> int:
    level = args.level.lower()
    if level not in LEVELS:
        raise AdminUsage(f"LEVEL must be one of {', '.join(LEVELS)}, not '{args.level}'")
    with _open(args, read_only=False) as db:
        player = _player(db, args.name)
        if player.level == level:
            print(f"{player.name} is already {level}")
            return EXIT_OK
        tables = db.load(CORE_SPECS)
        txn = tables.begin()
        txn.put("players", replace(player, level=level).row())
        record = CommandRecord(db.next_journal_seq(), _now(), "", f"@admin promote {player.name} {level}", True,
                               txn.commit(), (AuditRow(ACTOR, "promote", player.name, f"{player.level} -> {level}"),))
        try:
            db.write([record], tables.specs)
        except StoreError as exc:
            raise AdminError(str(exc)) from None
    print(f"{player.name} is now {level}")
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    with _open(args, read_only=False) as db:
        player = _player(db, args.name)
        tables = db.load(CORE_SPECS)
        txn = tables.begin()
        row = txn.get("node_keys", (player.key,))
        if row is None or not row[3]:
            txn.rollback()
            raise AdminError(f"{player.name}'s radio key has not changed; nothing to trust")
        node, _old, first, pending, _changed = row
        now = _now()
        txn.put("node_keys", (node, pending, first, None, now))
        record = CommandRecord(db.next_journal_seq(), now, "", f"@admin trust {player.name}", True, txn.commit(),
                               (AuditRow(ACTOR, "trust", player.name, "the pending key"),))
        try:
            db.write([record], tables.specs)
        except StoreError as exc:
            raise AdminError(str(exc)) from None
    print(f"{player.name}'s new radio key is trusted")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    if args.n < 1:
        raise AdminUsage("-n must be at least 1")
    with _open(args, read_only=True) as db:
        rows = db.query(
            "SELECT seq, at_ms, actor, action, target, detail, coalesce(result, 'ok') FROM audit"
            " ORDER BY seq DESC LIMIT ?", [args.n])
    for seq, at, actor, action, target, detail, result in reversed(rows):
        extra = f" ({detail})" if detail else ""
        print(f"{iso(int(at))} #{seq} {actor} {action} {target or '-'}{extra} {result}")
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    with _open(args, read_only=False) as db:
        try:
            m = _store(args).create(db, now_ms=_now(), note=" ".join(args.note), kind="manual")
        except BackupError as exc:
            raise AdminError(str(exc)) from None
    print(f"backup {m.id} taken: {_store(args).folder / (m.id + '.duckdb')} ({m.size} bytes, sha256 {m.sha256})")
    return EXIT_OK


def cmd_backups(args: argparse.Namespace) -> int:
    store = _store(args)
    with _SharedLock(_db_path(args)):
        try:
            found = store.listing()
        except BackupError as exc:
            raise AdminError(str(exc)) from None
    if args.json:
        items = [{"id": m.id, "path": str(store.folder / f"{m.id}.duckdb"), "created": m.created, "note": m.note,
                  "sha256": m.sha256} for m in found]
        print(json.dumps(items, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not found:
        print(f"no backups in {store.folder}")
    for m in found:
        print(f"{m.id}  {m.created}  {m.size:>10}  {m.kind:<9}  {m.note}")
    return EXIT_OK


def cmd_verify_backup(args: argparse.Namespace) -> int:
    store = _store(args)
    with _SharedLock(_db_path(args)):
        try:
            bid = check_id(args.id)
        except BackupError as exc:
            raise AdminUsage(str(exc)) from None
        result = store.verify(bid)
    if result.ok:
        print(f"backup {bid} is sound")
        return EXIT_OK
    for problem in result.problems:
        print(f"backup {bid}: {problem}", file=sys.stderr)
    return EXIT_ERROR


def cmd_restore(args: argparse.Namespace) -> int:
    try:
        bid = check_id(args.id)
    except BackupError as exc:
        raise AdminUsage(str(exc)) from None
    try:
        done = restore_offline(_db_path(args), _store(args), bid, now_ms=_now(), actor=ACTOR)
    except BackupError as exc:
        raise AdminError(str(exc)) from None
    if done.safety is not None:
        before = f"safety backup {done.safety.id}"
    elif done.damaged is not None:
        before = f"the damaged database was kept as {done.damaged}"
    else:
        before = "there was no database before"
    print(f"restored backup {done.backup.id} into {_db_path(args)} ({before})")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    if args.what == "clones":
        return _clone_stats(args)
    with _open(args, read_only=True) as db:
        stats = from_database(db)
    if args.json:
        print(json.dumps(stats.to_json(), indent=1))
    else:
        print(stats.summary())
    return EXIT_OK


def _clone_stats(args: argparse.Namespace) -> int:
    """Copies made with /create and /clone that still exist, by owner, object and age."""
    with _open(args, read_only=True) as db:
        rows = db.query(
            "SELECT c.iid, c.object_id, c.owner, c.at_ms, p.name FROM clones c JOIN instances i ON i.iid = c.iid"
            " LEFT JOIN players p ON p.key = c.owner ORDER BY c.iid")
    names = {str(owner): str(name) for _iid, _obj, owner, _at, name in rows if name is not None}
    now = _now()
    stats = clone_stats([Clone(int(iid), str(obj), str(owner), int(at)) for iid, obj, owner, at, _ in rows], now,
                        lambda key: names.get(key, key))
    if args.json:
        print(json.dumps({"at_ms": now, **stats.to_json()}, ensure_ascii=False, indent=1))
        return EXIT_OK
    print(f"clones: {stats.total}")
    for title, pairs in (("by owner", stats.by_owner), ("by object", stats.by_object)):
        print(f"{title}:")
        for key, n in pairs or (("none", 0),):
            print(f"  {key:<32} {n:>6}")
    print("by age:")
    for key, n in stats.by_age:
        print(f"  {('under ' + key) if key != OLDER else key:<32} {n:>6}")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    with _open(args, read_only=True) as db:
        try:
            names, rows = db.query_columns(args.sql)
        except StoreError as exc:
            raise AdminError(str(exc)) from None
    if args.json:
        print(json.dumps([dict(zip(names, r, strict=False)) for r in rows], default=str, ensure_ascii=False))
        return EXIT_OK
    print("\t".join(names))
    for r in rows:
        print("\t".join("" if v is None else str(v) for v in r))
    return EXIT_OK


def cmd_export_edits(args: argparse.Namespace) -> int:
    from .export_edits import ExportError, export_overlay

    if not args.output:
        raise AdminUsage("give the directory to write with -o DIR (e.g. -o worlds/mine/built)")
    with _open(args, read_only=True) as db:
        overlay = read_overlay(db.load(CORE_SPECS).rows)
        world = db.meta().get("world_id", "?")
    try:
        done = export_overlay(overlay, Path(args.output), f"world {world}, {iso(_now())}")
    except ExportError as exc:
        raise AdminError(str(exc)) from None
    if not done.files:
        print(f"no edits to export: nobody has built in {_db_path(args)} (stale export files removed)")
        return EXIT_OK
    print(f"exported {done.rooms} built room(s), {done.patches} patched room(s) and {done.objects} built object(s)"
          f" to {args.output}: " + ", ".join(p.name for p in done.files))
    return EXIT_OK


# ---------------------------------------------------------------------- the parser
def add_admin_parser(sub: Any) -> None:
    """``meshmush admin …`` under the main parser's subcommands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="PATH", required=True, help="the database file")
    common.add_argument("--backup-dir", metavar="DIR", help="the backup folder (default: NAME.backups beside it)")
    a = sub.add_parser("admin", help="the operator's tools on a stopped server's database")
    cmds = a.add_subparsers(dest="admin_command", metavar="SUBCOMMAND", required=True)

    def add(name: str, func: Callable[[argparse.Namespace], int], help_text: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = cmds.add_parser(name, parents=[common], help=help_text)
        p.set_defaults(func=_guarded(func))
        return p

    p = add("promote", cmd_promote, "set a player's staff level")
    p.add_argument("name", metavar="NAME")
    p.add_argument("level", metavar="LEVEL")
    p = add("audit", cmd_audit, "the newest audit rows")
    p.add_argument("-n", type=int, default=20, metavar="N")
    p = add("backup", cmd_backup, "take a backup now")
    p.add_argument("note", nargs="*", metavar="NOTE")
    p = add("backups", cmd_backups, "list the backups")
    p.add_argument("--json", action="store_true")
    p = add("verify-backup", cmd_verify_backup, "check a backup's hash and contents")
    p.add_argument("id", metavar="ID")
    p = add("restore", cmd_restore, "restore a backup (the database may be damaged or missing)")
    p.add_argument("id", metavar="ID")
    p = add("stats", cmd_stats, "figures of the database; stats clones: copies made by builders")
    p.add_argument("what", nargs="?", choices=("clones",), metavar="clones",
                   help="clones: counts of builders' copies by owner, object and age")
    p.add_argument("--json", action="store_true", help="one JSON object instead of text")
    p = add("query", cmd_query, "run one read-only SELECT")
    p.add_argument("sql", metavar="SQL")
    p.add_argument("--json", action="store_true")
    p = add("trust", cmd_trust, "accept a player's changed radio key")
    p.add_argument("name", metavar="NAME")
    p = add("export-edits", cmd_export_edits, "write the builders' live edits as world files (YAML)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="the directory to write (created if missing); put it inside the world directory")


def _logging() -> None:
    """Warnings (e.g. a damaged database kept as a raw copy) as one plain line each."""
    root = logging.getLogger("meshmush")
    if not root.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("meshmush admin: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        _logging()
        try:
            return func(args)
        except AdminUsage as exc:
            print(f"meshmush admin {args.admin_command}: {exc}", file=sys.stderr)
            return EXIT_USAGE
        except (AdminError, StoreError, BackupError) as exc:
            print(f"meshmush admin {args.admin_command}: {exc}", file=sys.stderr)
            return EXIT_ERROR

    return run


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="meshmush")
    add_admin_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["admin", *(argv or [])])
    result: int = args.func(args)
    return result
