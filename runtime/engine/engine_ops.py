"""The engine's ``Operations`` (``runtime/engine/operations.py``): the operator's services that
staff commands use — the audit log, live statistics, backups, a restore, ending sessions.

Runs on the engine thread, like everything else that touches the database.  A restore runs
after the batch that asked for it is durable (``ctx.after_commit``): safety backup, swap of
the file (``runtime.store.backup.restore_online``), then the engine reloads its state and
sessions (``Engine.reload_state``) and the restore is audited in the restored database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from runtime.engine.operations import AuditEntry
from runtime.engine.sessions import Sessions
from runtime.engine.state import Player
from runtime.engine.stats import EngineMetrics, Stats, TransportFigures
from runtime.engine.world_view import WorldView
from runtime.store.backup import BackupError, BackupStore, Manifest, default_folder, restore_online
from runtime.store.db import AuditRow, CommandRecord, Database, StoreError
from runtime.store.tables import EMPTY, Tables, Txn

log = logging.getLogger("meshmush.engine")


class EngineCore(Protocol):
    """What the operations use of the engine (``runtime.engine.engine.Engine``)."""

    @property
    def db(self) -> Database: ...

    @property
    def tables(self) -> Tables: ...

    @property
    def sessions(self) -> Sessions: ...

    @property
    def world(self) -> WorldView: ...

    def reload_state(self, now_ms: int) -> None: ...


class EngineOperations:
    def __init__(self, engine: EngineCore, frame_bytes: int, backup_dir: Path | None, sysops: Sequence[str]) -> None:
        self._engine = engine
        self._frame_bytes = frame_bytes
        self._backup_dir = backup_dir
        self._sysops = frozenset(sysops)
        self.metrics = EngineMetrics()
        self.transport: Callable[[], TransportFigures] | None = None  # set by the server

    @property
    def frame_bytes(self) -> int:
        return self._frame_bytes

    def is_config_sysop(self, key: str) -> bool:
        return key in self._sysops

    @property
    def config_sysops(self) -> frozenset[str]:
        return self._sysops

    # ------------------------------------------------------------------ audit and stats
    def audit_tail(self, limit: int) -> list[AuditEntry]:
        rows = self._engine.db.query(
            "SELECT seq, at_ms, actor, action, target, detail, coalesce(result, 'ok') FROM audit"
            " ORDER BY seq DESC LIMIT ?",
            [max(0, limit)],
        )
        return [AuditEntry(int(s), int(a), str(ac), str(act), str(t or ""), str(d or ""), str(r))
                for s, a, ac, act, t, d, r in reversed(rows)]

    def stats(self, now_ms: int, txn: Txn | None = None) -> Stats:
        """Live figures; ``txn``: the command's transaction, when one is open."""
        eng = self._engine
        online = eng.sessions.online_keys()
        if txn is not None:
            players = [Player.from_row(r) for r in txn.scan("players")]
        else:
            own = eng.tables.begin()
            try:
                players = [Player.from_row(r) for r in own.scan("players")]
            finally:
                own.rollback()
        here = set(online)
        rooms: dict[str, int] = {}
        for p in players:
            if p.key in here:
                rooms[p.room] = rooms.get(p.room, 0) + 1
        top = sorted(rooms.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        transport = None
        if self.transport is not None:
            try:
                transport = self.transport()
            except Exception:  # figures are a courtesy: never fail a command for them
                log.exception("could not read the transport's figures")
        return Stats(
            at_ms=now_ms,
            live=True,
            online=len(online),
            players=len(players),
            commands_per_min=float(self.metrics.commands_last_minute(now_ms)),
            errors_last_hour=self.metrics.errors_last_hour(now_ms),
            money_supply=sum(p.balance for p in players),
            top_rooms=tuple(top),
            db_bytes=eng.db.size_bytes(),
            transport=transport,
        )

    # ------------------------------------------------------------------ backups
    def backups(self) -> BackupStore:
        return BackupStore(self._backup_dir if self._backup_dir is not None else default_folder(self._engine.db.path))

    def backup(self, note: str, now_ms: int, kind: str = "manual") -> Manifest:
        return self.backups().create(self._engine.db, now_ms=now_ms, note=note, kind=kind)

    def restore(self, backup_id: str, actor: str, now_ms: int) -> Sequence[tuple[str, str]]:
        """Swap the database for a backup (after the asking command is durable)."""
        eng = self._engine
        try:
            done = restore_online(eng.db, self.backups(), backup_id, now_ms=now_ms, world_id=eng.world.world.id)
        except (BackupError, StoreError) as exc:
            log.error("restore of backup %s failed: %s", backup_id, exc)
            return [(actor, f"Restore failed: {exc}")]
        safety = done.safety.id if done.safety else "none"
        eng.reload_state(now_ms)
        record = CommandRecord(eng.db.next_journal_seq(), now_ms, actor, f"@restore {done.backup.id}", True, EMPTY,
                               (AuditRow(actor, "restore", done.backup.id, f"safety backup {safety}"),))
        try:
            eng.db.write([record])
        except StoreError as exc:
            log.error("restored backup %s but could not audit it: %s", done.backup.id, exc)
        log.warning("restored backup %s (safety backup %s) at the request of %s", done.backup.id, safety, actor)
        return [(actor, f"Restored backup {done.backup.id}. Safety backup of what was: {safety}.")]

    def end_session(self, key: str) -> None:
        self._engine.sessions.end(key)
