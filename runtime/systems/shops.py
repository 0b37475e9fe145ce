"""Shops: LIST, BUY ITEM, SELL ITEM; limited stock that restocks over time; vending objects.

A player reaches the shops whose ``room`` is theirs and the shops of vending objects (an
object with ``shop:``) lying here or carried; USE on such an object shows its list.  Rules
(docs/economy.md, "Shops"):

- stock with a ``quantity`` is limited: table ``shop_stock`` holds a row per item only while
  it is below its quantity (no row = full); ``restock: 1h`` brings one unit back per hour,
  counted from when the first unit left.  Stock is brought up to date whenever it is read and
  on every engine tick (``on_tick``), which also tells the shop's room when a sold-out item is
  back;
- a purchase is one transaction: stock, balance, the new object and a ledger row
  ``player -> shop:ID``; a sale deletes the object, pays ``shop:ID -> player`` and puts the
  object back on the shelf when the shop sells it with a quantity;
- commands run one after another, so of two players buying the last unit exactly one gets it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from runtime.engine.context import Context, WorldContext
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Hooks, Verb
from runtime.engine.state import HOLDER_PLAYER, Instance, InsufficientFunds
from runtime.engine.world_view import WorldView
from runtime.frames import DEFAULT_FRAME_BYTES, utf8_len
from runtime.image.model import BuyItem, Object, Room, Shop, StockItem
from runtime.image.render import room_text

STOCK = "shop_stock"


@dataclass(frozen=True)
class ShopIndex:
    by_id: dict[str, Shop]
    by_room: dict[str, tuple[Shop, ...]]
    stock: dict[tuple[str, str], StockItem]


def _build(world: WorldView) -> ShopIndex:
    by_room: dict[str, list[Shop]] = {}
    for shop in world.world.shops:
        if shop.room is not None:
            by_room.setdefault(shop.room, []).append(shop)
    return ShopIndex(
        {s.id: s for s in world.world.shops},
        {room: tuple(shops) for room, shops in by_room.items()},
        {(s.id, st.item): st for s in world.world.shops for st in s.stock},
    )


def _index(ctx: WorldContext) -> ShopIndex:
    return ctx.world.memo("shops", _build)


def ledger_party(shop: Shop) -> str:
    """The ledger's name for a shop: ``shop:town.store``."""
    return f"shop:{shop.id}"


# ------------------------------------------------------------------ stock
def _restocked(quantity: int, last: int, item: StockItem, now: int) -> tuple[int, int]:
    """(quantity, last restock) after the units that came back by ``now``."""
    cap = item.quantity or 0
    if item.restock is None or item.restock <= 0 or quantity >= cap:
        return quantity, last
    period = item.restock * 1000
    units = (now - last) // period
    if units <= 0:
        return quantity, last
    return min(cap, quantity + units), last + units * period


def _stock(ctx: WorldContext, shop: Shop, item: StockItem) -> tuple[int, int] | None:
    """(units left, last restock) of a limited item, up to date; None when unlimited."""
    if item.quantity is None:
        return None
    row = ctx.state.txn.get(STOCK, (shop.id, item.item))
    if row is None:
        return item.quantity, ctx.now_ms
    return _restocked(int(row[2]), int(row[3]), item, ctx.now_ms)


def _save(ctx: WorldContext, shop_id: str, item: StockItem, quantity: int, last: int) -> None:
    if item.quantity is None or quantity >= item.quantity:
        ctx.state.txn.delete(STOCK, (shop_id, item.item))
    else:
        ctx.state.txn.put(STOCK, (shop_id, item.item, quantity, last))


def _wait_text(ms: int) -> str:
    """'45s', '30m', '1h', '1h30m': the wait rounded up to a second (under a minute) or a minute."""
    seconds = max(1, -(-ms // 1000))
    if seconds < 60:
        return f"{seconds}s"
    hours, minutes = divmod(-(-seconds // 60), 60)
    if not hours:
        return f"{minutes}m"
    return f"{hours}h{minutes}m" if minutes else f"{hours}h"


# ------------------------------------------------------------------ where shops are
def _shops_here(ctx: Context) -> list[Shop]:
    """Shops of this room, then those of vending objects here or carried."""
    index = _index(ctx)
    me = ctx.player
    found: list[Shop] = list(index.by_room.get(me.room, ()))
    for inst in [*ctx.state.instances_in_room(me.room), *ctx.state.inventory(me.key)]:
        obj = ctx.world.object(inst.object_id)
        shop = index.by_id.get(obj.shop) if obj is not None and obj.shop else None
        if shop is not None and shop not in found:
            found.append(shop)
    return found


def _require_shops(ctx: Context) -> list[Shop]:
    shops = _shops_here(ctx)
    if not shops:
        ctx.fail("There is no shop here.")
    return shops


def listing(ctx: Context, shop: Shop) -> str:
    """'General Store sells: brass lantern ¤3.00 (5 left), …\\nBuys: …' in one short text."""
    sells: list[str] = []
    for item in shop.stock:
        left = _stock(ctx, shop, item)
        tag = "" if left is None else " (sold out)" if left[0] <= 0 else f" ({left[0]} left)"
        sells.append(f"{ctx.world.object_name(item.item)} {ctx.money(item.price)}{tag}")
    buys = [f"{ctx.world.object_name(b.item)} {ctx.money(b.price)}" for b in shop.buys]
    lines: list[str] = []
    if sells:
        lines.append(f"{shop.name} sells: {', '.join(sells)}.")
    if buys:
        lines.append(("Buys: " if sells else f"{shop.name} buys: ") + ", ".join(buys) + ".")
    return "\n".join(lines) or f"{shop.name} is empty."


# ------------------------------------------------------------------ verbs
def do_list(ctx: Context) -> None:
    ctx.reply("\n".join(listing(ctx, shop) for shop in _require_shops(ctx)))


def do_buy(ctx: Context) -> None:
    query = ctx.command.args.strip()
    if not query:
        ctx.fail("Buy what? e.g. buy bread (LIST shows what is for sale)")
    shops = _require_shops(ctx)
    offers: list[Candidate[tuple[Shop, StockItem]]] = []
    for shop in shops:
        for item in shop.stock:
            obj = ctx.world.object(item.item)
            if obj is not None:
                offers.append(Candidate((shop, item), obj.name, obj.aliases, group=obj.id))
    found = match(query, offers)
    if found.item is None:
        ctx.fail(found.problem or f"Nobody here sells '{query}'. Type LIST.")
    wanted = found.item[1].item
    same = [c.item for c in offers if c.item[1].item == wanted]
    in_stock = [(s, i) for s, i in same if (left := _stock(ctx, s, i)) is None or left[0] > 0]
    name = ctx.world.object_name(wanted)
    if not in_stock:
        shop, item = same[0]
        left = _stock(ctx, shop, item)
        when = ""
        if left is not None and item.restock:
            when = f" More in {_wait_text(left[1] + item.restock * 1000 - ctx.now_ms)}."
        ctx.fail(f"The {name} is sold out.{when}")
    shop, item = min(in_stock, key=lambda offer: offer[1].price)
    me = ctx.player
    try:
        balance = ctx.state.adjust_balance(me.key, -item.price)
    except InsufficientFunds as exc:
        ctx.fail(f"You can't afford the {name}: it costs {ctx.money(item.price)} and you have {ctx.money(exc.balance)}.")
    left = _stock(ctx, shop, item)
    if left is not None:
        quantity, last = left
        _save(ctx, shop.id, item, quantity - 1, ctx.now_ms if quantity >= (item.quantity or 0) else last)
    ctx.state.new_instance(wanted, HOLDER_PLAYER, me.key)
    ctx.state.ledger(me.key, ledger_party(shop), item.price, f"buy {wanted}", ctx.now_ms)
    ctx.reply(f"You buy the {name} for {ctx.money(item.price)}. You have {ctx.money(balance)}.")
    ctx.to_others(f"{me.name} buys the {name}.")
    ctx.log_event("buy", {"shop": shop.id, "item": wanted, "price": item.price}, me.key, me.room)


def do_sell(ctx: Context) -> None:
    query = ctx.command.args.strip()
    if not query:
        ctx.fail("Sell what? e.g. sell lantern (LIST shows what the shop buys)")
    shops = _require_shops(ctx)
    inst = ctx.carried(query)
    name = ctx.world.object_name(inst.object_id)
    bids: list[tuple[Shop, BuyItem]] = [(s, b) for s in shops for b in s.buys if b.item == inst.object_id]
    if not bids:
        if len(shops) == 1:
            ctx.fail(f"{shops[0].name} doesn't buy the {name}.")
        ctx.fail(f"No shop here buys the {name}.")
    shop, bid = max(bids, key=lambda offer: offer[1].price)
    me = ctx.player
    ctx.state.delete_instance(inst.iid)
    balance = ctx.state.adjust_balance(me.key, bid.price)
    ctx.state.ledger(ledger_party(shop), me.key, bid.price, f"sell {inst.object_id}", ctx.now_ms)
    shelf = _index(ctx).stock.get((shop.id, inst.object_id))
    if shelf is not None:
        left = _stock(ctx, shop, shelf)
        if left is not None:
            _save(ctx, shop.id, shelf, left[0] + 1, left[1])
    ctx.reply(f"You sell the {name} for {ctx.money(bid.price)}. You have {ctx.money(balance)}.")
    ctx.to_others(f"{me.name} sells the {name}.")
    ctx.log_event("sell", {"shop": shop.id, "item": inst.object_id, "price": bid.price}, me.key, me.room)


# ------------------------------------------------------------------ hooks
def use_object(ctx: Context, inst: Instance, obj: Object) -> bool:
    """USE on a vending object: its shop's list."""
    shop = _index(ctx).by_id.get(obj.shop) if obj.shop else None
    if shop is None:
        return False
    ctx.reply(listing(ctx, shop) + "\nBUY ITEM to buy.")
    return True


def room_notes(ctx: Context, room: Room) -> Sequence[str]:
    """'Shop: General Store (LIST, BUY, SELL).' when it still fits the room's frame."""
    size = utf8_len(room_text(room))
    notes: list[str] = []
    for shop in _index(ctx).by_room.get(room.id, ()):
        note = f"Shop: {shop.name} (LIST, BUY{', SELL' if shop.buys else ''})."
        size += 1 + utf8_len(note)
        if size > DEFAULT_FRAME_BYTES:
            break
        notes.append(note)
    return notes


def on_tick(ctx: WorldContext) -> None:
    """Restock: bring every item below its quantity up to date; tell the room when one is back."""
    index = _index(ctx)
    for shop_id, item_id, quantity, last in list(ctx.state.txn.scan(STOCK)):
        item = index.stock.get((shop_id, item_id))
        if item is None or item.quantity is None:  # the world no longer limits it
            ctx.state.txn.delete(STOCK, (shop_id, item_id))
            continue
        now_q, now_last = _restocked(int(quantity), int(last), item, ctx.now_ms)
        if (now_q, now_last) == (quantity, last) and quantity < item.quantity:
            continue
        _save(ctx, shop_id, item, now_q, now_last)
        shop = index.by_id[shop_id]
        if quantity <= 0 < now_q and shop.room is not None:
            ctx.to_room(shop.room, f"{shop.name}: {ctx.world.object_name(item_id)} back in stock.")


VERBS: tuple[Verb, ...] = (
    Verb("list", do_list, usage="list", summary="what the shops here sell and buy", example="list",
         topic="shops"),
    Verb("buy", do_buy, usage="buy ITEM", summary="buy something a shop here sells", example="buy bread",
         topic="shops"),
    Verb("sell", do_sell, usage="sell ITEM", summary="sell something you carry to a shop here",
         example="sell lantern", topic="shops"),
)

HOOKS = Hooks(room_notes=room_notes, on_tick=on_tick, use_object=use_object)
