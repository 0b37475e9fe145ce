"""The operator's commands in the game: /STATS, /BACKUP, /BACKUPS, /VERIFY_BACKUP, /RESTORE,
/DELETE_BACKUP, /BACKUP_POLICY (docs/backup.md, docs/admin.md).  The same operations are in
``meshmush admin`` for a stopped server.

Backups are consistent copies of the live database with a manifest (``runtime.store.backup``);
ids are checked before any file is named.  /restore waits until the command that asked for it
is durable, takes a safety backup, swaps the database and reloads state and sessions
(``runtime/engine/engine_ops.py``).  The backup policy (how often the server takes one, how
many daily, weekly and monthly ones pruning keeps) is stored in ``meta``.
"""

from __future__ import annotations

from runtime.durations import parse_duration
from runtime.engine.context import Context
from runtime.engine.registry import Verb
from runtime.store.backup import BackupError, Manifest
from runtime.store.retention import META_EVERY, META_KEEP, Policy, PolicyError
from runtime.systems._staff_util import clock, sentence, shown

BACKUPS_SHOWN = 20
KIND_TAG = {"manual": "", "scheduled": " sched", "safety": " safety"}


def _size(n: int) -> str:
    return f"{n / 1024:.0f}kB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f}MB"


def do_stats(ctx: Context) -> None:
    ctx.reply(ctx.ops.stats(ctx.now_ms, ctx.state.txn).summary(ctx.money))


def do_backup(ctx: Context) -> None:
    note = ctx.command.args.strip()
    try:
        m = ctx.ops.backup(note, ctx.now_ms)
    except BackupError as exc:
        ctx.fail(sentence(f"Backup failed: {exc}"))
    ctx.audit("backup", m.id, note[:80])
    ctx.reply(f"Backup {m.id} taken ({_size(m.size)}, sha256 {m.sha256[:12]}).")


def _line(m: Manifest) -> str:
    note = f" {shown(m.note, 30)}" if m.note else ""
    return f"{m.id} {_size(m.size)}{KIND_TAG.get(m.kind, '')}{note}"


def do_backups(ctx: Context) -> None:
    try:
        found = ctx.ops.backups().listing()
    except BackupError as exc:
        ctx.fail(sentence(str(exc)))
    if not found:
        ctx.reply("No backups yet. /backup takes one.")
        return
    shown_ = found[-BACKUPS_SHOWN:]
    head = f"Backups ({len(found)}, newest last):" if len(found) == len(shown_) else \
        f"Backups, newest {len(shown_)} of {len(found)}:"
    ctx.reply("\n".join([head, *(_line(m) for m in shown_)]))


def _id_arg(ctx: Context, usage: str) -> str:
    words = ctx.command.words
    if len(words) != 1:
        ctx.fail(usage)
    return words[0]


def do_verify_backup(ctx: Context) -> None:
    bid = _id_arg(ctx, "Usage: /verify_backup ID (see /backups)")
    try:
        m = ctx.ops.backups().manifest(bid)
        result = ctx.ops.backups().verify(bid)
    except BackupError as exc:
        ctx.fail(sentence(str(exc)))
    if result.ok:
        ctx.audit("verify_backup", m.id, "sound")
        ctx.reply(f"Backup {m.id} is sound: sha256 matches, {len(m.counts)} tables, {sum(m.counts.values())} rows.")
    else:
        ctx.audit("verify_backup", m.id, "damaged: " + result.problems[0][:120])
        ctx.reply(f"Backup {m.id} is DAMAGED: " + "; ".join(result.problems[:2]))


def do_restore(ctx: Context) -> None:
    bid = _id_arg(ctx, "Usage: /restore ID (see /backups)")
    store = ctx.ops.backups()
    try:
        m = store.manifest(bid)
        result = store.verify(bid)
    except BackupError as exc:
        ctx.fail(sentence(str(exc)))
    if not result.ok:
        ctx.fail(f"Backup {m.id} is damaged ({result.problems[0]}); not restored.")
    if m.world_id and m.world_id != ctx.world.world.id:
        ctx.fail(f"Backup {m.id} holds world '{m.world_id}', not this one.")
    ops, me, when = ctx.ops, ctx.player_key, ctx.now_ms

    def restore() -> list[tuple[str, str]]:
        return list(ops.restore(m.id, me, when))

    ctx.after_commit(restore)
    ctx.audit("restore", m.id, f"from {m.created}")
    ctx.reply(f"Restoring backup {m.id} ({clock(m.created_ms)}); a safety backup is taken first.")


def do_delete_backup(ctx: Context) -> None:
    bid = _id_arg(ctx, "Usage: /delete_backup ID (see /backups)")
    try:
        ctx.ops.backups().manifest(bid)
        m = ctx.ops.backups().delete(bid)
    except BackupError as exc:
        ctx.fail(sentence(str(exc)))
    ctx.audit("delete_backup", bid, m.note[:80] if m else "")
    ctx.reply(f"Deleted backup {bid}.")


def policy_of(ctx: Context) -> Policy:
    meta = {}
    for key in (META_KEEP, META_EVERY):
        row = ctx.state.txn.get("meta", (key,))
        if row is not None:
            meta[key] = str(row[1])
    return Policy.from_meta(meta)


def do_backup_policy(ctx: Context) -> None:
    usage = "Usage: /backup_policy [show | keep DAILY WEEKLY MONTHLY | every DURATION|off]"
    words = [w.lower() for w in ctx.command.words]
    current = policy_of(ctx)
    if not words or words == ["show"]:
        try:
            found = ctx.ops.backups().listing()
        except BackupError as exc:
            ctx.fail(sentence(str(exc)))
        last = f", newest {found[-1].id}" if found else ""
        ctx.reply(f"Policy: {current.describe()}. Now {len(found)} backups, "
                  f"{_size(sum(m.size for m in found))}{last}.")
        return
    try:
        if words[0] == "keep" and len(words) == 4 and all(w.isdigit() for w in words[1:]):
            new = Policy(int(words[1]), int(words[2]), int(words[3]), current.every_ms)
        elif words[0] == "every" and len(words) == 2:
            every = 0 if words[1] == "off" else parse_duration(words[1])
            if every is None:
                ctx.fail(f"'{shown(words[1])}' is not a duration (e.g. 6h, 1d). {usage}")
            new = Policy(current.daily, current.weekly, current.monthly, every)
        else:
            ctx.fail(usage)
    except PolicyError as exc:
        ctx.fail(f"{str(exc)[0].upper()}{str(exc)[1:]}.")
    for key, value in new.to_meta().items():
        ctx.state.txn.put("meta", (key, value))
    ctx.audit("backup_policy", "", new.describe())
    ctx.reply(f"Policy: {new.describe()}.")


VERBS: tuple[Verb, ...] = (
    Verb("/stats", do_stats, usage="/stats", summary="players, traffic, errors, money, database size",
         example="/stats", topic="staff"),
    Verb("/backup", do_backup, usage="/backup [NOTE]", summary="take a backup of the world's state now",
         example="/backup before the festival", topic="staff"),
    Verb("/backups", do_backups, usage="/backups", summary="the backups kept", example="/backups", topic="staff"),
    Verb("/verify_backup", do_verify_backup, usage="/verify_backup ID", summary="check a backup is sound",
         example="/verify_backup 20250131-235959", topic="staff"),
    Verb("/restore", do_restore, usage="/restore ID", summary="go back to a backup (a safety backup first)",
         example="/restore 20250131-235959", abbreviate=False, topic="staff"),
    Verb("/delete_backup", do_delete_backup, usage="/delete_backup ID", summary="delete a backup",
         example="/delete_backup 20250131-235959", abbreviate=False, topic="staff"),
    Verb("/backup_policy", do_backup_policy, usage="/backup_policy [show | keep D W M | every DURATION]",
         summary="how often backups are taken and how many are kept", example="/backup_policy keep 7 4 6",
         abbreviate=False, topic="staff"),
)
