"""What staff commands need beyond the game state, and where a command came from.

``Context.ops`` (an ``Operations``, implemented by ``runtime.engine.engine_ops``) gives the
staff systems the operator's services: the audit log, live statistics, backups, a restore,
ending a session.  ``Context.origin`` (an ``Origin``) says whether the command came over the
radio and what the radio reported about its encryption and keys (``permissions``).

Work that must wait until the command is durable (ending a kicked player's session, swapping
the database for a backup) is registered with ``ctx.after_commit(fn)``; ``fn`` returns
``(recipient, text)`` messages to send once it has run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from runtime.engine.stats import Stats
    from runtime.store.backup import BackupStore, Manifest
    from runtime.store.tables import Txn

AfterCommit = Callable[[], Sequence[tuple[str, str]]]
"""Run once the command's batch is durable; returns (recipient, text) messages."""


@dataclass(frozen=True)
class Origin:
    """Where a command came from, as far as the transport can tell."""

    radio: bool = False  # keys are checked (meshmush serve); False for meshmush play
    pki: bool = False  # the radio decrypted it with the sender's public key
    public_key: str = ""  # that key (base64), for a PKI direct message
    node_key: str = ""  # the key the radio's node list holds for the sender (from NODEINFO)


LOCAL = Origin()


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at_ms: int
    actor: str
    action: str
    target: str
    detail: str
    result: str


class Operations(Protocol):
    @property
    def frame_bytes(self) -> int: ...

    def is_config_sysop(self, key: str) -> bool: ...

    def audit_tail(self, limit: int) -> list[AuditEntry]: ...

    def stats(self, now_ms: int, txn: Txn | None = None) -> Stats: ...

    def backups(self) -> BackupStore: ...

    def backup(self, note: str, now_ms: int, kind: str = "manual") -> Manifest: ...

    def restore(self, backup_id: str, actor: str, now_ms: int) -> Sequence[tuple[str, str]]: ...

    def end_session(self, key: str) -> None: ...
