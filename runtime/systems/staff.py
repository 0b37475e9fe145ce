"""Staff levels and grants, the audit log, and trusting radio keys: /PROMOTE, /DEMOTE,
/GRANT builder, /REVOKE builder, /AUDIT, /TRUST (docs/admin.md, docs/moderation.md).

Who may use which of these is the staff table's business (``runtime/engine/staff_table.py``,
checked by the engine before a handler runs); the rules here are about the target:

- /promote raises a player to a level above theirs and never above yours; /demote lowers one to
  a level below theirs; never yourself; a sysop named in the server's configuration
  (``[staff] sysop``) cannot be demoted in the game (edit the configuration);
- the first sysop is never made in chat: the server's configuration names node ids
  (``[staff] sysop``), ``meshmush play --sysop NAME`` a local player, and ``meshmush admin
  promote`` works on a stopped server's database.  Such a player is raised to sysop when their
  session starts (audited as ``@config``).

Radio keys (trust on first use): the first public key seen for a node — in the radio's node
list (NODEINFO) or on a PKI-encrypted DM — is recorded in ``node_keys``.  A different key later
is logged, audited, told to the sysops online, and kept as *pending*: until a sysop types
``/trust NAME`` that node has no staff rights (``runtime/engine/permissions.py``).
"""

from __future__ import annotations

import hashlib
import logging

from runtime.durations import format_duration
from runtime.engine.context import Context
from runtime.engine.registry import LEVELS, Hooks, Verb
from runtime.engine.staff_table import BUILDER, GRANTS
from runtime.engine.state import Player
from runtime.image.words import with_article
from runtime.store.db import AuditRow
from runtime.systems._staff_util import find_player, label, shown

log = logging.getLogger("meshmush.staff")

AUDIT_DEFAULT = 5
AUDIT_MAX = 50
STAFF_LEVELS = ("moderator", "admin", "sysop")


def _level_word(ctx: Context, text: str, allowed: tuple[str, ...], usage: str) -> str:
    word = text.strip().lower()
    for name in allowed:
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return name
    ctx.fail(f"{usage} (LEVEL: {', '.join(allowed)})")


def _my_rank(ctx: Context) -> int:
    me = ctx.player
    return max(me.rank, LEVELS["sysop"] if ctx.ops.is_config_sysop(me.key) else 0)


def _set_level(ctx: Context, target: Player, level: str, action: str) -> None:
    from dataclasses import replace

    ctx.state.save_player(replace(target, level=level))
    ctx.audit(action, target.name, f"{target.level} -> {level}")
    if ctx.presence.is_online(target.key):
        more = " HELP lists your commands." if LEVELS[level] > 0 else ""
        ctx.tell(target.key, f"{ctx.player.name} made you {level}.{more}")


def do_promote(ctx: Context) -> None:
    usage = "Usage: /promote NAME LEVEL"
    words = ctx.command.words
    if len(words) != 2:
        ctx.fail(f"{usage} (LEVEL: {', '.join(STAFF_LEVELS)})")
    target = find_player(ctx, words[0])
    level = _level_word(ctx, words[1], STAFF_LEVELS, usage)
    if target.key == ctx.player_key:
        ctx.fail("You can't promote yourself.")
    if LEVELS[level] > _my_rank(ctx):
        ctx.fail(f"You can't promote anyone above your own level ({ctx.player.level}).")
    if LEVELS[level] <= target.rank:
        ctx.fail(f"{target.name} is already {target.level}; /demote lowers a level.")
    _set_level(ctx, target, level, "promote")
    ctx.reply(f"{target.name} is now {level}.")


def do_demote(ctx: Context) -> None:
    usage = "Usage: /demote NAME LEVEL"
    words = ctx.command.words
    if len(words) != 2:
        ctx.fail(f"{usage} (LEVEL: player, moderator, admin)")
    target = find_player(ctx, words[0])
    level = _level_word(ctx, words[1], ("player", "moderator", "admin"), usage)
    if target.key == ctx.player_key:
        ctx.fail("You can't demote yourself.")
    if target.rank > _my_rank(ctx):
        ctx.fail(f"You can't demote {target.name}: {target.level} is above your level.")
    if ctx.ops.is_config_sysop(target.key):
        ctx.fail(f"{target.name} is a sysop by the server's configuration; change it there.")
    if LEVELS[level] >= target.rank:
        ctx.fail(f"{target.name} is {target.level}; /promote raises a level.")
    _set_level(ctx, target, level, "demote")
    ctx.reply(f"{target.name} is now {level}.")


def _grant_args(ctx: Context, verb: str) -> tuple[str, Player]:
    words = ctx.command.words
    if len(words) != 2 or words[0].lower() not in GRANTS:
        ctx.fail(f"Usage: /{verb} {BUILDER} NAME")
    return words[0].lower(), find_player(ctx, words[1])


def do_grant(ctx: Context) -> None:
    grant, target = _grant_args(ctx, "grant")
    if ctx.state.txn.get("staff_grants", (target.key, grant)) is not None:
        ctx.fail(f"{target.name} is already {with_article(grant)}.")
    ctx.state.txn.put("staff_grants", (target.key, grant, ctx.player_key, ctx.now_ms))
    ctx.audit("grant", target.name, grant)
    ctx.reply(f"{target.name} is now {with_article(grant)}.")
    if ctx.presence.is_online(target.key) and target.key != ctx.player_key:
        ctx.tell(target.key, f"{ctx.player.name} made you {with_article(grant)}.")


def do_revoke(ctx: Context) -> None:
    grant, target = _grant_args(ctx, "revoke")
    if ctx.state.txn.get("staff_grants", (target.key, grant)) is None:
        ctx.fail(f"{target.name} is not {with_article(grant)}.")
    ctx.state.txn.delete("staff_grants", (target.key, grant))
    ctx.audit("revoke", target.name, grant)
    ctx.reply(f"{target.name} is no longer {with_article(grant)}.")
    if ctx.presence.is_online(target.key) and target.key != ctx.player_key:
        ctx.tell(target.key, f"You are no longer {with_article(grant)}.")


def do_audit(ctx: Context) -> None:
    arg = ctx.command.args.strip()
    if arg and not arg.isdigit():
        ctx.fail(f"Usage: /audit [N] (N up to {AUDIT_MAX})")
    count = min(int(arg), AUDIT_MAX) if arg else AUDIT_DEFAULT
    if count < 1:
        ctx.fail(f"Usage: /audit [N] (N up to {AUDIT_MAX})")
    rows = ctx.ops.audit_tail(count)
    if not rows:
        ctx.reply("The audit log is empty.")
        return
    lines = [
        f"#{r.seq} {format_duration(max(0, ctx.now_ms - r.at_ms), 1)} ago {label(ctx, r.actor)} {r.action}"
        + (f" {shown(r.target, 30)}" if r.target else "")
        + (f": {shown(r.detail, 40)}" if r.detail else "")
        + ("" if r.result == "ok" else f" {r.result.upper()}")
        for r in rows
    ]
    ctx.reply("\n".join(lines))


def _fingerprint(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def do_trust(ctx: Context) -> None:
    words = ctx.command.words
    if len(words) != 1:
        ctx.fail("Usage: /trust NAME (accept a player's new radio key)")
    target = find_player(ctx, words[0])
    row = ctx.state.txn.get("node_keys", (target.key,))
    if row is None:
        ctx.fail(f"No radio key is recorded for {target.name}.")
    node, old, first, pending, _changed = row
    if not pending:
        ctx.fail(f"{target.name}'s key has not changed (key {_fingerprint(str(old))}).")
    ctx.state.txn.put("node_keys", (node, pending, first, None, ctx.now_ms))
    ctx.audit("trust", target.name, f"key {_fingerprint(str(old))} -> {_fingerprint(str(pending))}")
    log.warning("node %s (%s): new public key %s trusted by %s", node, target.name, _fingerprint(str(pending)),
                ctx.player.name)
    ctx.reply(f"{target.name}'s new key {_fingerprint(str(pending))} is trusted.")


# ------------------------------------------------------------------ hooks
def on_login(ctx: Context) -> None:
    """A sysop named by the operator (server config, ``play --sysop``) becomes one."""
    me = ctx.player
    if ctx.ops.is_config_sysop(me.key) and me.level != "sysop":
        from dataclasses import replace

        ctx.state.save_player(replace(me, level="sysop"))
        ctx.audit_rows.append(AuditRow("@config", "promote", me.name, f"{me.level} -> sysop (configuration)"))
        log.info("%s (%s) is a sysop by the configuration", me.name, me.key)


def observe_key(ctx: Context) -> str | None:
    """Record a radio node's first public key; notice a different one (see the module doc)."""
    origin = ctx.origin
    if not origin.radio:
        return None
    seen = [k for k in ((origin.public_key if origin.pki else ""), origin.node_key) if k]
    if not seen:
        return None
    key = ctx.player_key
    txn = ctx.state.txn
    row = txn.get("node_keys", (key,))
    if row is None:
        txn.put("node_keys", (key, seen[0], ctx.now_ms, None, None))
        ctx.audit_rows.append(AuditRow(key, "key_recorded", key, f"key {_fingerprint(seen[0])}"))
        log.info("node %s: recorded public key %s (trust on first use)", key, _fingerprint(seen[0]))
        row = txn.get("node_keys", (key,))
        assert row is not None
    node, recorded, first, pending, _changed = row
    for k in seen:
        if k != recorded and k != pending:
            txn.put("node_keys", (node, recorded, first, k, ctx.now_ms))
            who = label(ctx, key)
            detail = f"key {_fingerprint(str(recorded))} -> {_fingerprint(k)}; staff rights held until /trust"
            ctx.audit_rows.append(AuditRow(key, "key_changed", who, detail))
            log.warning("node %s (%s): public key changed from %s to %s; its staff rights are held until a"
                        " sysop types /trust %s", key, who, _fingerprint(str(recorded)), _fingerprint(k), who)
            for other in ctx.presence.online_keys():
                p = ctx.state.player(other)
                if p is not None and p.level == "sysop" and other != key:
                    ctx.tell(other, f"Radio key of {who} changed. If expected: /trust {who}")
            break
    return None


VERBS: tuple[Verb, ...] = (
    Verb("/promote", do_promote, usage="/promote NAME LEVEL", summary="raise a player to moderator, admin or sysop",
         example="/promote Ana moderator", abbreviate=False, topic="staff"),
    Verb("/demote", do_demote, usage="/demote NAME LEVEL", summary="lower a staff member's level",
         example="/demote Ana player", abbreviate=False, topic="staff"),
    Verb("/grant", do_grant, usage="/grant builder NAME", summary="let a player build",
         example="/grant builder Ana", topic="staff"),
    Verb("/revoke", do_revoke, usage="/revoke builder NAME", summary="take the builder grant back",
         example="/revoke builder Ana", abbreviate=False, topic="staff"),
    Verb("/audit", do_audit, usage="/audit [N]", summary="the newest staff actions", example="/audit 10", topic="staff"),
    Verb("/trust", do_trust, usage="/trust NAME", summary="accept a player's new radio key",
         example="/trust Ana", topic="staff"),
)

HOOKS = Hooks(on_login=on_login, before=observe_key)
