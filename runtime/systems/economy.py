"""Money between players: BALANCE, PAY, GIVE (objects), and the staff's /LEDGER and
/CONVERT_CURRENCY.  The rules are in docs/economy.md; in short:

- amounts are integer minor units, read with ``ctx.parse_money`` and printed with ``ctx.money``
  (both in the world's notation now, which ``/convert_currency`` may have changed);
- every transfer is one ledger row ``(payer, payee, amount, reason)`` written in the same
  transaction as the balances (``State.adjust_balance`` never lets one go below zero);
- PAY reaches any player by name, online or asleep, wherever they are (a transfer, not a
  hand-over); GIVE hands an object to an online player in the same room.
"""

from __future__ import annotations

from runtime.engine.context import Context
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import LEVELS, Hooks, Verb
from runtime.engine.state import HOLDER_PLAYER, InsufficientFunds, Player
from runtime.image.money import example
from runtime.systems import _money_convert as convert

LEDGER_SHOWN = 8
"""Rows /LEDGER prints (the newest)."""


# ------------------------------------------------------------------ balance and pay
def do_balance(ctx: Context) -> None:
    ctx.reply(f"You have {ctx.money(ctx.player.balance)}.")


def _recipient(ctx: Context, name: str) -> Player:
    """A player by exact name (online or not), else an online player by unambiguous prefix."""
    exact = ctx.state.player_by_name(name)
    if exact is not None:
        return exact
    online = [p for p in (ctx.state.player(k) for k in ctx.presence.online_keys()) if p is not None]
    found = match(name, [Candidate(p, p.name, ()) for p in online])
    if found.item is None:
        ctx.fail(found.problem or f"No player is called '{name}'.")
    return found.item


def do_pay(ctx: Context) -> None:
    usage = f"Pay whom how much? e.g. pay Ana {example(ctx.currency)}"
    parts = ctx.command.args.split(None, 1)
    if len(parts) < 2:
        ctx.fail(usage)
    name, amount_text = parts[0], parts[1]
    me = ctx.player
    if isinstance(ctx.world.parse_money(name, ctx.currency), int) and ctx.state.player_by_name(name) is None:
        ctx.fail(f"Name first, then the amount: pay NAME AMOUNT, e.g. pay Ana {example(ctx.currency)}.")
    amount = ctx.parse_money(amount_text)
    target = _recipient(ctx, name)
    if target.key == me.key:
        ctx.fail("You can't pay yourself.")
    if amount <= 0:
        ctx.fail(f"Pay at least {ctx.money(1)}.")
    try:
        left = ctx.state.adjust_balance(me.key, -amount)
    except InsufficientFunds as exc:
        ctx.fail(f"You can't afford that: you have {ctx.money(exc.balance)}.")
    ctx.state.adjust_balance(target.key, amount)
    ctx.state.ledger(me.key, target.key, amount, "pay", ctx.now_ms)
    online = ctx.presence.is_online(target.key)
    asleep = "" if online else f" ({target.name} is asleep and will see it in BAL.)"
    ctx.reply(f"You pay {target.name} {ctx.money(amount)}. You have {ctx.money(left)}.{asleep}")
    if online:
        ctx.tell(target.key, f"{me.name} pays you {ctx.money(amount)}.")
    ctx.log_event("pay", {"amount": amount}, me.key, me.room)


# ------------------------------------------------------------------ give
def _split_give(args: str) -> tuple[str, str] | None:
    """'red ball to Ana' -> ('red ball', 'Ana'): the last ' to ' separates them."""
    low = args.lower()
    at = low.rfind(" to ")
    if at <= 0:
        return None
    thing, who = args[:at].strip(), args[at + 4 :].strip()
    return (thing, who) if thing and who else None


def _give_without_to(ctx: Context, args: str) -> tuple[str, str] | None:
    """'lamp Ana' (or 'Ana lamp'): the recipient is the last word, or the first when only that
    one names someone here."""
    words = args.split()
    if len(words) < 2:
        return None
    here = [Candidate(p, p.name, ()) for p in ctx.online_in_room(ctx.player.room, (ctx.player_key,))]
    if match(words[-1], here).item is None and match(words[0], here).item is not None:
        return " ".join(words[1:]), words[0]
    return " ".join(words[:-1]), words[-1]


def do_give(ctx: Context) -> None:
    parsed = _split_give(ctx.command.args) or _give_without_to(ctx, ctx.command.args)
    if parsed is None:
        ctx.fail("Give what to whom? e.g. give lantern to Ana")
    thing, who = parsed
    me = ctx.player
    if isinstance(ctx.world.parse_money(thing, ctx.currency), int):
        ctx.fail(f"To hand over money, type PAY {who} {thing}.")
    inst = ctx.carried(thing)
    obj = ctx.world.object(inst.object_id)
    assert obj is not None
    here = [Candidate(p, p.name, ()) for p in ctx.online_in_room(me.room, (me.key,))]
    found = match(who, here)
    if found.item is None:
        if found.problem:
            ctx.fail(found.problem)
        npc = match(who, [Candidate(n.name, n.name, n.aliases) for n in ctx.world.npcs_in(me.room)]).item
        if npc is not None:
            ctx.fail(f"{npc} does not want the {obj.name}.")
        if who.lower() == me.name.lower():
            ctx.fail(f"You already have the {obj.name}.")
        ctx.fail(f"You see no '{who}' here to give it to.")
    target = found.item
    ctx.state.move_instance(inst.iid, HOLDER_PLAYER, target.key)
    ctx.reply(f"You give the {obj.name} to {target.name}.")
    ctx.tell(target.key, f"{me.name} gives you the {obj.name}.")
    ctx.to_room(me.room, f"{me.name} gives the {obj.name} to {target.name}.", (me.key, target.key))
    ctx.log_event("give", {"object": obj.id}, me.key, me.room)


# ------------------------------------------------------------------ staff
def do_ledger(ctx: Context) -> None:
    """The newest ledger rows, of one player or of everyone, in today's notation."""
    name = ctx.command.args.strip()
    rows = sorted(ctx.state.txn.scan("ledger"))
    who: Player | None = None
    if name:
        who = ctx.state.player_by_name(name)
        if who is None:
            ctx.fail(f"No player is called '{name}'.")
        rows = [r for r in rows if who.key in (r[2], r[3])]
    if not rows:
        ctx.reply("The ledger is empty." if who is None else f"No ledger rows for {who.name}.")
        return
    names: dict[str, str] = {}

    def label(party: str) -> str:
        if party not in names:
            p = ctx.state.player(party)
            names[party] = p.name if p is not None else party
        return names[party]

    lines = [
        f"#{seq} {label(payer)}>{label(payee)} {ctx.money(int(amount))} {reason}"
        for seq, _at, payer, payee, amount, reason in rows[-LEDGER_SHOWN:]
    ]
    head = f"Ledger, last {len(lines)} of {len(rows)}" + (f" for {who.name}" if who else "") + ":"
    ctx.reply("\n".join([head, *lines]))


def do_convert_currency(ctx: Context) -> None:
    words = ctx.command.args.lower().split()
    dry = "--dry-run" in words
    modes = [w for w in words if w != "--dry-run"]
    if len(modes) != 1 or modes[0] not in convert.MODES:
        ctx.fail("Usage: /convert_currency decimal|multitier [--dry-run]")
    mode = modes[0]
    source = ctx.currency
    if source.mode == mode:
        ctx.fail(f"The currency is already {mode} ({convert.describe(source)}).")
    target = convert.target_currency(ctx.world.currency, source, mode)
    plan = convert.plan(ctx, source, target)
    report = convert.report(plan, dry)
    if plan.rounded:
        ctx.fail(report)  # never round silently: refuse, and say which amounts would change
    if dry:
        ctx.reply(report)
        return
    convert.apply(ctx, target)
    ctx.audit("convert_currency", mode, f"{convert.describe(source)} -> {convert.describe(target)}")
    ctx.reply(report)
    for key in ctx.presence.online_keys():
        other = ctx.state.player(key)
        if other is not None and key != ctx.player_key:
            ctx.tell(key, f"Money is now written {convert.describe(target)}. You have {ctx.money(other.balance)}.")


MONEY_HELP = (
    "Money: BAL shows yours; PAY NAME AMOUNT sends it to anyone; GIVE THING TO NAME hands a thing"
    " to someone here. Write amounts the way BAL shows them. Shops: LIST, BUY ITEM, SELL ITEM."
)

VERBS: tuple[Verb, ...] = (
    Verb("balance", do_balance, aliases=("bal",), usage="balance", summary="how much money you have",
         example="bal", topic="money"),
    Verb("pay", do_pay, usage="pay NAME AMOUNT", summary="send money to a player, anywhere",
         example="pay Ana 1.00", topic="money"),
    Verb("give", do_give, usage="give THING to NAME", summary="hand a thing to someone here",
         example="give lantern to Ana", topic="items"),
    Verb("/ledger", do_ledger, usage="/ledger [NAME]", summary="the newest money transfers",
         example="/ledger Ana", min_level=LEVELS["admin"], topic="staff"),
    Verb("/convert_currency", do_convert_currency, usage="/convert_currency MODE [--dry-run]",
         summary="switch the money between decimal and multitier",
         example="/convert_currency multitier --dry-run", min_level=LEVELS["admin"], abbreviate=False,
         topic="staff"),
)

HOOKS = Hooks(help_topics={"money": MONEY_HELP})
