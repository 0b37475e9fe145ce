"""Replayed packets: a (radio node, packet id) the engine has already run is ignored, even after
a restart.

Mesh rebroadcasts deliver the same packet several times within seconds; the radio thread's
``Deduper`` (runtime/transport/inbound.py) drops those cheaply, in memory.  But an attacker who
recorded ``pay Bob 1.00`` can send the same packet again later — after a restart that memory is
empty.  So the engine is the authority: every command that came with a packet id writes the row
``inbound_packets(node, packet_id, at_ms)`` *with the command's own changes*, in the same
database transaction as the command (refused commands too: their journal row is written as
well).  A command is acknowledged exactly when its packet is recorded; a crash loses both or
neither.  The table is loaded with the rest of the state at start-up, so a replay after a
restart finds its row and is dropped without a reply (as a rebroadcast is).

Why not seed the radio thread's deduper from the table instead: the radio thread must never
touch the database (one owner, one thread), and the engine would still have to write the rows
in the command's transaction; checking them there too is one dictionary lookup.

The window is bounded in age and in rows: ``tick`` prunes rows older than ``WINDOW_MS`` and,
past ``MAX_ROWS``, the oldest, at most once every ``PRUNE_EVERY_MS``.  A replay older than the
window gets through; that is why staff commands also need a PKI-encrypted message (SECURITY.md).
"""

from __future__ import annotations

import logging
from dataclasses import replace

from runtime.store.db import CommandRecord
from runtime.store.tables import ChangeSet, Tables

log = logging.getLogger("meshmush.engine")

TABLE = "inbound_packets"
WINDOW_MS = 24 * 3600 * 1000
MAX_ROWS = 50_000
PRUNE_EVERY_MS = 60_000


class ReplayWindow:
    def __init__(self, window_ms: int = WINDOW_MS, max_rows: int = MAX_ROWS) -> None:
        self.window_ms = window_ms
        self.max_rows = max_rows
        self._pruned_at: int | None = None

    def seen(self, tables: Tables, node: str, packet_id: int) -> bool:
        """True when this packet already ran (it is then logged and must be ignored)."""
        if not packet_id:
            return False
        txn = tables.begin()
        try:
            found = txn.get(TABLE, (node, packet_id)) is not None
        finally:
            txn.rollback()
        if found:
            log.info("replayed packet %08x from %s ignored", packet_id & 0xFFFFFFFF, node)
        return found

    def record(self, tables: Tables, record: CommandRecord, node: str, packet_id: int, now_ms: int) -> CommandRecord:
        """``record`` with the packet's row added to its changes (so it is written with them)."""
        if not packet_id:
            return record
        txn = tables.begin()
        try:
            txn.put(TABLE, (node, packet_id, now_ms))
            row = txn.commit()
        except BaseException:
            txn.rollback()
            raise
        ups = dict(record.changes.upserts)
        ups[TABLE] = ups.get(TABLE, ()) + row.upserts.get(TABLE, ())
        return replace(record, changes=ChangeSet(ups, record.changes.deletes))

    def prune(self, tables: Tables, now_ms: int) -> ChangeSet:
        """Forget packets older than the window, and the oldest past ``max_rows`` (at most once
        every ``PRUNE_EVERY_MS``).  The change set goes into the tick's write."""
        if self._pruned_at is not None and 0 <= now_ms - self._pruned_at < PRUNE_EVERY_MS:
            return ChangeSet({}, {})
        self._pruned_at = now_ms
        cutoff = now_ms - self.window_ms
        count = tables.count(TABLE)
        if count <= self.max_rows and all(r[2] >= cutoff for r in tables.rows(TABLE)):
            return ChangeSet({}, {})
        txn = tables.begin()
        try:
            rows = sorted(tables.rows(TABLE), key=lambda r: (r[2], r[0], r[1]))
            over = max(0, count - self.max_rows)
            for i, (node, packet_id, at_ms) in enumerate(rows):
                if i >= over and at_ms >= cutoff:
                    break
                txn.delete(TABLE, (node, packet_id))
            return txn.commit()
        except BaseException:
            txn.rollback()
            raise
