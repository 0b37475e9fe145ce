"""The permission check the engine runs before any staff command's handler, and the audit of
every staff command, allowed or not.

What a player may do (``access_of``): the level stored in ``players.level`` — or ``sysop`` for
a key the operator named (``[staff] sysop`` in the server config, ``play --sysop NAME``) — and
the grants in ``staff_grants``.  On the radio (``Origin.radio``) a node number proves nothing
(anyone can transmit with any ``from``), so staff rights count only for a direct message the
radio reports as PKI-encrypted, from the public key first recorded for that node (trust on
first use, ``node_keys``), and not while a changed key waits for a sysop's ``/trust``.
``meshmush play`` has no keys: its origin is local and these checks do not apply.

``check`` then ``run`` (called by the engine's dispatcher for every verb; mute gates run
between them):

- a verb not in the staff table runs as it is;
- a player whose level or grants do not reach the command's requirement gets ``DENIED``,
  the same reply for every staff command, and nothing changes;
- a player whose rights would reach it but whose radio message is not trusted gets
  ``KEY_DENIED``;
- otherwise the handler runs; when it returns without writing an audit row itself, one is
  written for it (``result`` 'ok'); when it refuses, a 'refused' row is written.

Refusals write their audit row through ``Refusal.audit``: the command's state changes are
rolled back, the audit row is committed with its journal row, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.engine.context import Context, Refusal
from runtime.engine.operations import Origin
from runtime.engine.registry import LEVELS, Verb
from runtime.engine.staff_table import BUILDER, STAFF_COMMANDS
from runtime.engine.state import Player
from runtime.store.db import AuditRow
from runtime.store.tables import Txn

DENIED = "Staff only."
"""The one reply to every staff command a player may not use."""

KEY_DENIED = "Staff commands need an encrypted (PKI) DM from your radio's known key."
"""The reply to a staff member whose radio message cannot be trusted."""

TARGET_CHARS = 80
DETAIL_CHARS = 160


@dataclass(frozen=True)
class Access:
    level: int
    grants: frozenset[str]
    key_problem: str | None = None  # why staff rights are suspended for this message

    def reaches(self, need: str) -> bool:
        if need == BUILDER:
            return BUILDER in self.grants
        return self.level >= LEVELS.get(need, len(LEVELS))

    @property
    def trusted(self) -> bool:
        return self.key_problem is None


def grants_of(txn: Txn, key: str) -> frozenset[str]:
    return frozenset(str(r[1]) for r in txn.find("staff_grants", "player", key))


def stored_access(txn: Txn, player: Player, config_sysop: bool) -> Access:
    """The rights a player holds (level and grants), before any radio key check."""
    level = LEVELS["sysop"] if config_sysop else player.rank
    return Access(max(level, player.rank), grants_of(txn, player.key))


def key_problem(txn: Txn, key: str, origin: Origin) -> str | None:
    """Why a radio message from ``key`` cannot carry staff rights, or None."""
    if not origin.radio:
        return None
    if not origin.pki or not origin.public_key:
        return "not a PKI-encrypted DM"
    row = txn.get("node_keys", (key,))
    if row is None or not row[1]:
        return "no key recorded for this node"
    if row[3]:
        return "the node's key changed; waiting for a sysop's /trust"
    if origin.public_key != row[1]:
        return "not the key recorded for this node"
    return None


def access_of(ctx: Context) -> Access:
    """What the acting player may do with this very command."""
    found = stored_access(ctx.state.txn, ctx.player, ctx.ops.is_config_sysop(ctx.player_key))
    problem = key_problem(ctx.state.txn, ctx.player_key, ctx.origin)
    return Access(found.level, found.grants, problem)


def level_name(level: int) -> str:
    for name, value in LEVELS.items():
        if value == level:
            return name
    return str(level)


def action_of(verb: Verb) -> str:
    return verb.name.lstrip("/")


def check(ctx: Context, verb: Verb) -> None:
    """Refuse (and audit) a staff command the player may not use now; nothing for others."""
    need = STAFF_COMMANDS.get(verb.name)
    if need is None:
        return
    me = ctx.player_key
    target = ctx.command.args[:TARGET_CHARS]
    access = access_of(ctx)
    if not access.reaches(need):
        held = level_name(access.level) + ("+" + "+".join(sorted(access.grants)) if access.grants else "")
        raise Refusal(DENIED, audit=(AuditRow(me, action_of(verb), target, f"needs {need}; has {held}", "denied"),))
    if not access.trusted:
        raise Refusal(KEY_DENIED, audit=(AuditRow(me, action_of(verb), target, str(access.key_problem), "denied"),))


def run(ctx: Context, verb: Verb) -> None:
    """Run a verb that passed ``check``; a staff command is audited, allowed or refused."""
    if verb.name not in STAFF_COMMANDS:
        verb.handler(ctx)
        return
    me = ctx.player_key
    target = ctx.command.args[:TARGET_CHARS]
    written = len(ctx.audit_rows)
    try:
        verb.handler(ctx)
    except Refusal as refusal:
        row = AuditRow(me, action_of(verb), target, refusal.text[:DETAIL_CHARS], "refused")
        raise Refusal(refusal.text, audit=(*refusal.audit, row)) from None
    if len(ctx.audit_rows) == written:
        ctx.audit(action_of(verb), target)
