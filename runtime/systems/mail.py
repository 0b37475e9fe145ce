"""Mail between players: ``mail``, ``mail N``, ``mail NAME TEXT``, ``mail delete N``.

On a mesh, players are rarely online together, so mail is how they talk.  Table ``mail`` holds
``(id, at_ms, sender, recipient, body, read)``; a mailbox lists its mails oldest first, numbered
from 1 (a new mail gets the next number; deleting one moves the later ones up).  A mailbox holds
the world's ``messages.inbox`` mails: mail to a full one is refused and the sender told so.  A
recipient online is told at once in one short frame; one asleep sees "You have N unread mails"
at the next login.  Bodies are cleaned and limited by ``messages_text.message_body``.
docs/messages.md.
"""

from __future__ import annotations

from runtime.engine.context import Context
from runtime.engine.registry import Hooks, Verb
from runtime.image.words import count
from runtime.store.tables import Row
from runtime.systems.messages_text import age, ago, message_body, name_of, preview, recipient

TABLE = "mail"
DELETE_WORDS = ("delete", "del")


def mailbox(ctx: Context, key: str) -> list[Row]:
    """A player's mails, oldest first: rows (id, at_ms, sender, recipient, body, read)."""
    return ctx.state.txn.find(TABLE, "recipient", key)


def is_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 9


def _unread(rows: list[Row]) -> int:
    return sum(1 for r in rows if not r[5])


def _numbered(ctx: Context, text: str) -> Row:
    rows = mailbox(ctx, ctx.player_key)
    n = int(text)
    if not rows:
        ctx.fail("You have no mail.")
    if not 1 <= n <= len(rows):
        ctx.fail(f"No mail {n}: you have {len(rows)} (1-{len(rows)}).")
    return rows[n - 1]


def list_mail(ctx: Context) -> None:
    rows = mailbox(ctx, ctx.player_key)
    if not rows:
        ctx.reply("No mail. MAIL NAME TEXT sends one.")
        return
    unread = _unread(rows)
    lines = [f"Mail: {len(rows)}, {unread} new. MAIL N reads:"]
    for n, (_id, at, sender, _to, body, read) in enumerate(rows, 1):
        mark = " " if read else "*"
        lines.append(f"{n}{mark}{name_of(ctx, str(sender))} {age(ctx.now_ms - int(at))}: {preview(str(body))}")
    ctx.reply("\n".join(lines))


def read_mail(ctx: Context, number: str) -> None:
    mid, at, sender, to, body, _read = _numbered(ctx, number)
    ctx.state.txn.put(TABLE, (mid, at, sender, to, body, True))
    ctx.reply(f"#{int(number)} from {name_of(ctx, str(sender))}, {ago(ctx.now_ms - int(at))}:\n{body}")


def delete_mail(ctx: Context, number: str) -> None:
    row = _numbered(ctx, number)
    ctx.state.txn.delete(TABLE, (row[0],))
    ctx.reply(f"Mail {int(number)} from {name_of(ctx, str(row[2]))} deleted.")


def send_mail(ctx: Context, name: str, text: str) -> None:
    me = ctx.player
    if not text.strip():
        ctx.fail(f"Mail {name} what? e.g. mail {name} meet me at the well")
    target = recipient(ctx, name)
    if target.key == me.key:
        ctx.fail("You can't mail yourself.")
    body = message_body(ctx, text, "mail")
    box = mailbox(ctx, target.key)
    limit = ctx.world.world.messages.inbox
    if len(box) >= limit:
        ctx.fail(f"{target.name}'s mailbox is full ({limit} mails). Try again later.")
    ctx.state.txn.put(TABLE, (ctx.state.next_id(TABLE, "id"), ctx.now_ms, me.key, target.key, body, False))
    if ctx.presence.is_online(target.key):
        ctx.reply(f"Mail sent to {target.name}.")
        ctx.tell(target.key, f"New mail from {me.name}. MAIL {len(box) + 1} reads it.")
    else:
        ctx.reply(f"Mail sent to {target.name}, who is asleep and will see it at login.")
    ctx.log_event("mail", {"bytes": len(body.encode("utf-8"))}, me.key, me.room)


def do_mail(ctx: Context) -> None:
    args = ctx.command.args.strip()
    if not args:
        list_mail(ctx)
        return
    first, _, rest = args.partition(" ")
    rest = rest.strip()
    if is_number(first) and not rest:
        read_mail(ctx, first)
        return
    if first.lower() in DELETE_WORDS and ctx.state.player_by_name(first) is None:
        if not is_number(rest):
            ctx.fail("Delete which? MAIL DELETE N, with N as MAIL lists them.")
        delete_mail(ctx, rest)
        return
    send_mail(ctx, first, rest)


def on_login(ctx: Context) -> None:
    unread = _unread(mailbox(ctx, ctx.player_key))
    if unread:
        ctx.reply(f"You have {count(unread, 'unread mail')}. Type MAIL.")


VERBS: tuple[Verb, ...] = (
    Verb("mail", do_mail, usage="mail [N | NAME TEXT | delete N]",
         summary="your mail; MAIL N reads one, MAIL NAME TEXT sends, MAIL DELETE N deletes",
         example="mail Ana meet me at the well", topic="mail"),
)

HOOKS = Hooks(on_login=on_login)
