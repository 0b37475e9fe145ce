"""``meshmush migrate --db F NEW_IMAGE [--dry-run]``: bring a stopped server's state onto a new
version of its world (docs/deploy.md).

The plan is ``runtime.engine.migrate``: players in rooms that vanished go to the start room,
objects that vanished are refunded at their value through the ledger, houses of removed
templates are refunded, variables no longer declared are dropped and re-typed ones reset,
``renamed_from`` ids carry their state over, rooms new in the image are furnished.

- ``--dry-run`` prints the plan and changes nothing: it runs on the database opened read-only
  (or, when the database still needs a schema migration of this meshmush, on a copy of it), in a
  transaction that is rolled back;
- without it: a backup first (kind ``safety``), then the plan and the new image's hash in ONE
  transaction, audited as ``@admin migrate``.

A running server's lock refuses it with a clear message (a running server applies the same
plan itself on SIGHUP).  Exit codes as ``check``: 0 done, 1 an error (another world's database,
a locked or damaged one, a world with errors), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import duckdb

from runtime.engine.actions import resolve_room
from runtime.engine.engine import default_modules
from runtime.engine.migrate import Plan, migrate
from runtime.engine.registry import Registry
from runtime.engine.world_view import WorldView
from runtime.image.model import World
from runtime.store.backup import BackupError, BackupStore, default_folder
from runtime.store.db import AuditRow, CommandRecord, Database, StoreError, copy_database
from runtime.store.migrations import CORE_SPECS

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
ACTOR = "@admin"


class MigrateError(Exception):
    """A failure to report in one line (exit 1)."""


def _now() -> int:
    return int(time.time() * 1000)


def plan_on(db: Database, world: World, image_hash: str, now_ms: int, *, apply: bool) -> Plan:
    """Run the migration on ``db``'s state; write it (with the new image's hash) only when
    ``apply``, else roll it back."""
    meta = db.meta()
    held = meta.get("world_id")
    if held is None:
        raise MigrateError(f"{db.path} has never run a world: nothing to migrate (start the server on it)")
    if held != world.id:
        raise MigrateError(f"{db.path} holds world '{held}', not '{world.id}'")
    tables = db.load(CORE_SPECS)
    registry = Registry.collect(default_modules())
    view = WorldView(world)
    txn = tables.begin()
    try:
        plan = migrate(txn, db.next_id, world, now_ms, lambda st, rid: resolve_room(st.world, registry, st, rid),
                       view.money)
        if not apply:
            return plan
        txn.put("meta", ("image_hash", image_hash))
        changes = txn.commit()
    finally:
        txn.rollback()  # harmless after the commit
    record = CommandRecord(db.next_journal_seq(), now_ms, "", f"@admin migrate {image_hash[:16]}", True, changes,
                           (AuditRow(ACTOR, "migrate", image_hash[:16], f"{len(plan.steps)} step(s)"),))
    db.write([record], tables.specs)
    return plan


def _dry_run(path: Path, world: World, image_hash: str, now_ms: int) -> Plan:
    try:
        with Database.open(path, read_only=True) as db:
            return plan_on(db, world, image_hash, now_ms, apply=False)
    except StoreError as exc:
        if "needs schema migration" not in str(exc):
            raise
    # the database is from an older meshmush: plan on a snapshot of it, upgraded
    with tempfile.TemporaryDirectory(prefix="meshmush-migrate-") as tmp:
        snapshot = Path(tmp) / "snapshot.duckdb"
        try:
            conn = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as exc:
            raise MigrateError(f"cannot read {path}: {exc}") from None
        try:
            copy_database(conn, snapshot)
        finally:
            conn.close()
        with Database.open(snapshot) as db:
            return plan_on(db, world, image_hash, now_ms, apply=False)


def run_migrate(args: argparse.Namespace, world: World, image_hash: str) -> int:
    path = Path(args.db)
    if not path.exists():
        raise MigrateError(f"database {path} does not exist")
    now = _now()
    backup_id = ""
    if args.dry_run:
        plan = _dry_run(path, world, image_hash, now)
    else:
        with Database.open(path) as db:
            held = db.meta().get("world_id")
            if held is not None and held != world.id:
                raise MigrateError(f"{path} holds world '{held}', not '{world.id}'")
            store = BackupStore(Path(args.backup_dir) if args.backup_dir else default_folder(path))
            try:
                backup_id = store.create(db, now_ms=now, note=f"before migrate to {image_hash[:16]}", kind="safety").id
            except BackupError as exc:
                raise MigrateError(f"the backup before migrating failed, nothing changed: {exc}") from None
            plan = plan_on(db, world, image_hash, now, apply=True)
    _report(args, plan, image_hash, path, backup_id)
    return EXIT_OK


def _report(args: argparse.Namespace, plan: Plan, image_hash: str, path: Path, backup_id: str) -> None:
    if args.json:
        out = {**plan.to_json(), "image": image_hash, "database": str(path), "dry_run": bool(args.dry_run),
               "backup": backup_id or None}
        print(json.dumps(out, ensure_ascii=False, indent=1))
        return
    head = "plan for" if args.dry_run else "migrated"
    n = len(plan.steps)
    print(f"{head} {path} onto image {image_hash[:16]} (world {plan.world_id}): {n} step{'' if n == 1 else 's'}")
    for line in plan.lines():
        print(f"  {line}")
    if args.dry_run:
        print("dry run: nothing changed")
    else:
        print(f"applied in one transaction; backup {backup_id} was taken first")


def add_migrate_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    m = sub.add_parser(
        "migrate", help="bring a stopped server's state onto a new image (with a dry run)",
        description="Bring a stopped server's state onto a new version of its world: players in vanished rooms go "
                    "to the start, vanished objects are refunded, renamed ids keep their state.")
    m.add_argument("image", metavar="NEW_IMAGE", help="the new world: an image (or a world directory)")
    m.add_argument("--db", metavar="PATH", required=True, help="the server's database file (the server stopped)")
    m.add_argument("--dry-run", action="store_true", help="print the plan and change nothing")
    m.add_argument("--json", action="store_true", help="print the plan as one JSON object")
    m.add_argument("--backup-dir", metavar="DIR", help="where the backup goes (default: NAME.backups beside the database)")
    return m

