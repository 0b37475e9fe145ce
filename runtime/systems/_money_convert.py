"""``/convert_currency``: switch a running world's money between decimal and multitier.

What converting means (docs/economy.md, "Converting the currency"): every amount in meshmush
is an integer of the currency's smallest unit — balances, the ledger, shop prices, object
values, house prices, and every ``pay``/``charge`` compiled into the image's triggers.  A
conversion keeps that unit and changes only the notation, so no amount anywhere has to be
rescaled or rounded, and the image's triggers keep meaning what they meant.  The new notation
is stored in ``meta`` (``world_view.CURRENCY_META``); ``ctx.money`` and ``ctx.parse_money``
honour it.  Converting back to the image's own mode deletes the override.

The target notation: the image's own currency when it has the mode asked for; otherwise one
derived from the current one so that its smallest unit is the same:

- decimal with ``d`` decimals -> multitier: gold = 10^d, silver = 10^(d-1) (when d >= 2),
  copper = 1 (when d >= 1): ``¤12.34`` is ``12g3s4c``;
- multitier -> decimal: symbol ``¤``, as many decimals as the largest tier's value has digits
  after its first (at most 6): with ``g=100`` one gold is ``¤1.00``.

Rounding rule: none is needed, and none is allowed.  Every amount is checked by printing it in
the new notation and reading it back; one that would not come back exactly makes the command
refuse and list it, so money is never lost silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.engine.context import Context
from runtime.engine.world_view import CURRENCY_META, currency_to_json
from runtime.image.model import Currency, Tier
from runtime.image.money import MoneyError, format_amount, parse_amount
from runtime.image.words import count

MODES = ("decimal", "multitier")
MAX_DECIMALS = 6
DERIVED_SYMBOL = "¤"


def describe(currency: Currency) -> str:
    """'decimal ¤1.00' or 'multitier g=100 s=10 c=1'."""
    if currency.mode == "decimal":
        return f"decimal {format_amount(10**currency.decimals, currency)}"
    return "multitier " + " ".join(f"{t.short}={t.value}" for t in currency.tiers)


def target_currency(image: Currency, source: Currency, mode: str) -> Currency:
    """The currency a conversion of ``source`` to ``mode`` ends in (see the module doc)."""
    if image.mode == mode:
        return image
    start = source.starting_balance
    if mode == "multitier":
        d = source.decimals
        tiers = [Tier("gold", "g", 10**d)]
        if d >= 2:
            tiers.append(Tier("silver", "s", 10 ** (d - 1)))
        if d >= 1:
            tiers.append(Tier("copper", "c", 1))
        return Currency("multitier", "", 0, tuple(tiers), start)
    top = source.tiers[0].value if source.tiers else 1
    return Currency("decimal", DERIVED_SYMBOL, min(len(str(top)) - 1, MAX_DECIMALS), (), start)


@dataclass(frozen=True)
class Amount:
    """One amount in both notations; ``rounding`` is what reading the new text back changes."""

    label: str
    value: int
    old: str
    new: str
    rounding: int


@dataclass(frozen=True)
class Plan:
    source: Currency
    target: Currency
    players: tuple[Amount, ...]  # players holding money, by name
    player_count: int
    total: Amount
    start: Amount
    prices: int  # image amounts checked: shop prices, object values, house prices
    ledger_rows: int
    ledger_total: Amount
    rounded: tuple[Amount, ...]  # every amount that would not survive exactly (must be empty)


def _amount(label: str, value: int, source: Currency, target: Currency) -> Amount:
    new = format_amount(value, target)
    try:
        back = parse_amount(new, target)
    except MoneyError:
        back = 0  # unreadable: the whole amount would be lost
    return Amount(label, value, format_amount(value, source), new, back - value)


def _image_amounts(ctx: Context) -> list[tuple[str, int]]:
    w = ctx.world.world
    found: list[tuple[str, int]] = []
    for shop in w.shops:
        found += [(f"{shop.id} sells {s.item}", s.price) for s in shop.stock]
        found += [(f"{shop.id} buys {b.item}", b.price) for b in shop.buys]
    found += [(f"{o.id} value", o.value) for o in w.objects if o.value]
    for housing in w.housing:
        found += [(f"{housing.id} {t.key}", t.price) for t in housing.templates]
    return found


def plan(ctx: Context, source: Currency, target: Currency) -> Plan:
    """Everything the conversion would touch, checked; changes nothing."""
    everyone = sorted(ctx.state.all_players(), key=lambda p: p.name.lower())
    players = tuple(_amount(p.name, p.balance, source, target) for p in everyone if p.balance)
    total = _amount("total", sum(p.balance for p in everyone), source, target)
    start = _amount("starting balance", source.starting_balance, source, target)
    prices = [_amount(label, v, source, target) for label, v in _image_amounts(ctx)]
    ledger = [(int(r[0]), int(r[4])) for r in ctx.state.txn.scan("ledger")]
    rows = [_amount(f"ledger #{seq}", v, source, target) for seq, v in ledger]
    ledger_total = _amount("ledger total", sum(v for _, v in ledger), source, target)
    checked = [*players, total, start, *prices, *rows, ledger_total]
    return Plan(
        source,
        target,
        players,
        len(everyone),
        total,
        start,
        len(prices),
        len(rows),
        ledger_total,
        tuple(a for a in checked if a.rounding),
    )


def report(p: Plan, dry: bool) -> str:
    if p.rounded:
        shown = "; ".join(f"{a.label} {a.old}={a.new} ({a.rounding:+d})" for a in p.rounded[:10])
        more = f" and {len(p.rounded) - 10} more" if len(p.rounded) > 10 else ""
        return f"Not converted: these amounts would be rounded: {shown}{more}. Nothing changed."
    head = "Dry run, nothing changed" if dry else "Converted"
    lines = [
        f"{head}: {describe(p.source)} -> {describe(p.target)}.",
        f"{count(p.player_count, 'player')} {'holds' if p.player_count == 1 else 'hold'}"
        f" {p.total.old}={p.total.new}; start {p.start.old}={p.start.new};"
        f" {count(p.prices, 'price')}; ledger {count(p.ledger_rows, 'row')}"
        f" {p.ledger_total.old}={p.ledger_total.new}.",
        "Rounding: 0 for every amount (same smallest unit).",
    ]
    lines += [f"{a.label} {a.old}={a.new} rounding 0" for a in p.players]
    if dry:
        lines.append(f"Type /convert_currency {p.target.mode} to do it.")
    return "\n".join(lines)


def apply(ctx: Context, target: Currency) -> None:
    """Store ``target`` as the world's notation (or drop the override: back to the image's)."""
    if target == ctx.world.currency:
        ctx.state.txn.delete("meta", (CURRENCY_META,))
    else:
        ctx.state.txn.put("meta", (CURRENCY_META, currency_to_json(target)))
