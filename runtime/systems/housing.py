"""Housing: private rooms bought from a world's ``kind: housing`` templates.

``house buy TEMPLATE`` (in the housing office) creates house number ``n`` for the player: a row
in ``houses`` (``house`` = ``house.<n>``, owner, housing id, template key, locked, bought_at,
price paid).  Its rooms are not stored: ``resolve_room`` builds them from the template on demand,
with the ids ``house.<n>.<room key>`` (``house.3.main``, ``house.3.loft``), ``{owner}`` filled in
with the owner's name, template-local exits mapped to the same house's rooms and dotted exits
left pointing at world rooms.  Everything *in* a house is ordinary state keyed by those room
ids: dropped objects are ``instances`` held by the room id, ``room.x`` variables are ``vars``
rows owned by it, so both survive restarts like anything else.

House numbers come from a counter in ``meta`` (``housing.next``) so a sold house's number is
never handed out again; a number whose room ids a world room already uses is skipped.

Rules (see docs/housing.md):
- a new house is locked: only the owner, invited guests (``house_guests``) and staff
  (moderator and up) may enter; ``house unlock`` lets anyone in with ``home OWNER``;
- ``max_per_player`` (per housing document) limits how many houses one player owns there;
  ``max_guests`` (per template) limits invitations;
- management commands act on the house you stand in, or on your only house;
- ``house kick`` and ``house sell`` move people to the house's *exit room*: the first world room
  an exit of the entrance room leads to (else of any of its rooms, else the housing office);
- ``house sell`` refunds ``sell_back_percent`` of the price paid (default 50), moves everyone
  out, puts every object inside into the owner's inventory and forgets the rooms' variables.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from runtime.engine.context import Context
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Hooks, Verb
from runtime.engine.replies import join_list
from runtime.engine.state import HOLDER_PLAYER, Player, State
from runtime.engine.world_view import WorldView
from runtime.image.model import Exit, HouseTemplate, Housing, Room
from runtime.image.money import parse_count
from runtime.image.words import count, with_article
from runtime.store.tables import Row

PREFIX = "house"
SEQ_KEY = "housing.next"
"""``meta`` row holding the last house number handed out."""
STAFF_RANK = 1
"""Moderators and up may enter locked houses (to help a stuck player)."""

SUBCOMMANDS = "buy, sell, invite, uninvite, lock, unlock, kick"


@dataclass(frozen=True)
class House:
    id: str  # "house.3"
    owner: str  # player key
    housing: str  # housing document id
    template: str  # template key
    locked: bool
    bought_at: int
    price: int  # what the owner paid, minor units

    @staticmethod
    def from_row(row: Row) -> House:
        hid, owner, housing, template, locked, bought, price = row
        return House(str(hid), str(owner), str(housing), str(template), bool(locked), int(bought), int(price))

    def row(self) -> Row:
        return (self.id, self.owner, self.housing, self.template, self.locked, self.bought_at, self.price)

    @property
    def number(self) -> int:
        return int(self.id.rsplit(".", 1)[1])

    def room_id(self, key: str) -> str:
        return f"{self.id}.{key}"


# --------------------------------------------------------------------------- world lookups
def _index(view: WorldView) -> dict[tuple[str, str], tuple[Housing, HouseTemplate]]:
    return {(h.id, t.key): (h, t) for h in view.world.housing for t in h.templates}


def template_of(view: WorldView, house: House) -> tuple[Housing, HouseTemplate] | None:
    return view.memo("housing.templates", _index).get((house.housing, house.template))


def offices(view: WorldView, room_id: str) -> list[Housing]:
    return [h for h in view.world.housing if h.office == room_id]


def split_room_id(room_id: str) -> tuple[str, str] | None:
    """``house.3.main`` → ``("house.3", "main")``; None for any other id."""
    parts = room_id.split(".")
    if len(parts) != 3 or parts[0] != PREFIX or parse_count(parts[1]) is None:
        return None
    return f"{parts[0]}.{parts[1]}", parts[2]


# --------------------------------------------------------------------------- state lookups
def house(state: State, house_id: str) -> House | None:
    row = state.txn.get("houses", (house_id,))
    return House.from_row(row) if row is not None else None


def house_of_room(state: State, room_id: str) -> House | None:
    """The house a room id belongs to (None for world rooms and sold houses)."""
    if state.world.room(room_id) is not None:
        return None
    parts = split_room_id(room_id)
    return house(state, parts[0]) if parts is not None else None


def houses_of(state: State, owner: str) -> list[House]:
    """The player's houses, oldest first (the order ``house`` lists them and ``home N`` counts)."""
    return sorted((House.from_row(r) for r in state.txn.find("houses", "owner", owner)),
                  key=lambda h: h.number)


def guests(state: State, house_id: str) -> list[str]:
    return [str(r[1]) for r in state.txn.find("house_guests", "house", house_id)]


def invitations(state: State, guest: str) -> list[House]:
    found = (house(state, str(r[0])) for r in state.txn.find("house_guests", "guest", guest))
    return sorted((h for h in found if h is not None), key=lambda h: h.number)


def room_ids(view: WorldView, h: House) -> list[str]:
    found = template_of(view, h)
    return [h.room_id(r.key) for r in found[1].rooms] if found is not None else []


def owner_name(state: State, h: House) -> str:
    return _name(state, h.owner)


def _name(state: State, key: str) -> str:
    p = state.player(key)
    return p.name if p is not None else key


def title(state: State, h: House) -> str:
    """The entrance room's name with the owner filled in: "Ana's cottage"."""
    found = template_of(state.world, h)
    if found is None:
        return f"{owner_name(state, h)}'s house"
    return found[1].rooms[0].name.replace("{owner}", owner_name(state, h))


def entrance(state: State, h: House) -> str | None:
    found = template_of(state.world, h)
    return h.room_id(found[1].rooms[0].key) if found is not None else None


def exit_room(state: State, h: House) -> str:
    """Where people shown out of the house go (see the module docstring)."""
    found = template_of(state.world, h)
    if found is None:
        return state.world.world.start
    housing, template = found
    for room in template.rooms:  # the entrance first
        for ex in room.exits:
            if not ex.local:
                return ex.to
    return housing.office


def people_inside(state: State, h: House) -> list[Player]:
    return [p for rid in room_ids(state.world, h) for p in state.players_in_room(rid)]


# --------------------------------------------------------------------------- hooks
def resolve_room(state: State, room_id: str) -> Room | None:
    h = house_of_room(state, room_id)
    if h is None:
        return None
    found = template_of(state.world, h)
    if found is None:
        return None
    _, template = found
    key = room_id.rsplit(".", 1)[1]
    spec = next((r for r in template.rooms if r.key == key), None)
    if spec is None:
        return None
    name = owner_name(state, h)
    exits = tuple(Exit(e.direction, h.room_id(e.to) if e.local else e.to) for e in spec.exits)
    return Room(room_id, spec.name.replace("{owner}", name), spec.description.replace("{owner}", name),
                exits, (), (), ())


def may_enter(ctx: Context, room: Room) -> str | None:
    h = house_of_room(ctx.state, room.id)
    if h is None or not h.locked:
        return None
    me = ctx.player
    if me.key == h.owner or me.rank >= STAFF_RANK or me.key in guests(ctx.state, h.id):
        return None
    return f"{title(ctx.state, h)} is locked; only {owner_name(ctx.state, h)}'s guests may enter."


def room_notes(ctx: Context, room: Room) -> list[str]:
    docs = offices(ctx.world, room.id)
    return [f"For sale: {_for_sale(ctx, docs)}. HOUSE BUY NAME."] if docs else []


def on_login(ctx: Context) -> None:
    """A player asleep in a house room that no longer resolves (a world rebuilt without its
    template; SELL itself moves everyone out) wakes up in the world's start room."""
    room = ctx.player.room
    if split_room_id(room) is not None and ctx.room(room) is None:
        ctx.state.set_room(ctx.player_key, ctx.world.world.start)


# --------------------------------------------------------------------------- helpers
def _find_player(ctx: Context, query: str) -> Player:
    """Any player (online or asleep) by name, or an unambiguous start of one."""
    found = match(query, [Candidate(p, p.name, (), group=p.key) for p in ctx.state.all_players()])
    if found.item is None:
        ctx.fail(found.problem or f"No one called '{query}'.")
    return found.item


def _managed(ctx: Context) -> House:
    """The house a management command acts on: the one you stand in, or your only one."""
    mine = houses_of(ctx.state, ctx.player_key)
    if not mine:
        ctx.fail("You own no house.")
    here = house_of_room(ctx.state, ctx.player.room)
    if here is not None and here.owner == ctx.player_key:
        return here
    if len(mine) > 1:
        ctx.fail(f"You own {len(mine)} houses: go in (HOME 1, HOME 2 …) and try again there.")
    return mine[0]


def _for_sale(ctx: Context, docs: Sequence[Housing]) -> str:
    return ", ".join(f"{t.key} {ctx.money(t.price)}" for h in docs for t in h.templates)


def _where_sold(ctx: Context, before: str) -> str:
    """``before``, then where houses are sold — said once a session, not in every reply."""
    names = sorted({(r.name if (r := ctx.world.room(h.office)) else h.office) for h in ctx.world.world.housing})
    where = f"Houses are sold at the {join_list(names)}." if names else "No houses are sold in this world."
    return " ".join(t for t in (before, ctx.once("housing.where", where)) if t)


def _move_out(ctx: Context, who: Player, to: str, text: str, quiet: Collection[str] = ()) -> None:
    """Put someone other than the acting player in room ``to``; tell them, and the rooms
    (except the acting player and ``quiet``: people being moved along with them)."""
    ctx.state.set_room(who.key, to)
    skip = {who.key, ctx.player_key, *quiet}
    ctx.to_room(who.room, f"{who.name} leaves.", skip, tag=(who.key, who.room, -1))
    ctx.to_room(to, f"{who.name} appears.", skip, tag=(who.key, to, +1))
    if ctx.presence.is_online(who.key):
        dest = ctx.room(to)
        ctx.tell(who.key, f"{text} You are at {dest.name if dest is not None else to}.")


# --------------------------------------------------------------------------- house …
def do_house(ctx: Context) -> None:
    words = ctx.command.words
    if not words:
        show(ctx)
        return
    sub = words[0].lower()
    rest = ctx.command.args.split(None, 1)[1] if len(words) > 1 else ""
    handler = SUBS.get(sub)
    if handler is None:
        ctx.fail(f"HOUSE {sub.upper()[:12]}? Try HOUSE, or HOUSE {SUBCOMMANDS.upper()}.")
    handler(ctx, rest.strip())


def show(ctx: Context) -> None:
    st = ctx.state
    mine = houses_of(st, ctx.player_key)
    lines: list[str] = []
    for i, h in enumerate(mine, 1):
        names = [_name(st, k) for k in guests(st, h.id)]
        state = "locked" if h.locked else "open"
        number = f"{i}) " if len(mine) > 1 else ""
        lines.append(f"{number}{title(st, h)}: {state}. Guests: {', '.join(names) or 'none'}.")
    invited = [title(st, h) for h in invitations(st, ctx.player_key)]
    if invited:
        lines.append("Invited to: " + ", ".join(invited) + ".")
    if not mine:
        lines.insert(0, _where_sold(ctx, "You own no house."))
    ctx.reply("\n".join(lines))


def buy(ctx: Context, arg: str) -> None:
    st = ctx.state
    docs = offices(ctx.world, ctx.player.room)
    if not docs:
        ctx.fail(_where_sold(ctx, "You can buy a house only at a housing office."))
    if not arg:
        ctx.fail(f"Buy which? For sale: {_for_sale(ctx, docs)}.")
    cands = [Candidate((h, t), t.key, (t.name,), group=f"{h.id}/{t.key}") for h in docs for t in h.templates]
    found = match(arg, cands)
    if found.item is None:
        ctx.fail(found.problem or f"No house called '{arg}'. For sale: {_for_sale(ctx, docs)}.")
    housing, template = found.item
    owned = [h for h in houses_of(st, ctx.player_key) if h.housing == housing.id]
    if len(owned) >= housing.max_per_player:
        n = housing.max_per_player
        ctx.fail(f"You may own {count(n, 'house')} here and have {len(owned)}. HOUSE SELL first.")
    me = ctx.player
    if me.balance < template.price:
        ctx.fail(f"You can't afford that: it costs {ctx.money(template.price)} and you have {ctx.money(me.balance)}.")
    number = _next_number(ctx, template)
    h = House(f"{PREFIX}.{number}", me.key, housing.id, template.key, True, ctx.now_ms, template.price)
    st.txn.put("houses", h.row())
    if template.price:
        st.adjust_balance(me.key, -template.price)
        st.ledger(me.key, f"housing:{housing.id}", template.price, f"house buy {template.key} {h.id}", ctx.now_ms)
    ctx.log_event("house_buy", {"house": h.id, "template": template.key, "price": template.price}, me.key)
    ctx.reply(f"You bought {with_article(template.name)} for {ctx.money(template.price)}. HOME takes you there.")


def _next_number(ctx: Context, template: HouseTemplate) -> int:
    row = ctx.state.txn.get("meta", (SEQ_KEY,))
    number = int(row[1]) + 1 if row is not None else 1
    while any(ctx.world.room(f"{PREFIX}.{number}.{r.key}") is not None for r in template.rooms):
        number += 1  # a world room already uses this id: never shadow it
    ctx.state.txn.put("meta", (SEQ_KEY, str(number)))
    return number


def sell(ctx: Context, arg: str) -> None:
    st = ctx.state
    h = _managed(ctx)
    found = template_of(ctx.world, h)
    percent = found[0].sell_back_percent if found is not None else 0
    refund = h.price * percent // 100
    name = title(st, h)
    out = exit_room(st, h)
    rooms = room_ids(ctx.world, h)
    moving = [p for p in people_inside(st, h) if p.key != h.owner]
    for p in moving:
        _move_out(ctx, p, out, f"{name} was sold.", [m.key for m in moving])
    kept: list[str] = []
    for rid in rooms:
        for inst in st.instances_in_room(rid):
            st.move_instance(inst.iid, HOLDER_PLAYER, h.owner)
            kept.append(ctx.world.object_name(inst.object_id))
        for var in ctx.world.vars_in_scope("room"):
            st.txn.delete("vars", ("room", rid, var.name))
    for g in guests(st, h.id):
        st.txn.delete("house_guests", (h.id, g))
    st.txn.delete("houses", (h.id,))
    if refund:
        source = f"housing:{found[0].id}" if found is not None else f"housing:{h.housing}"
        st.adjust_balance(h.owner, refund)
        st.ledger(source, h.owner, refund, f"house sell {h.template} {h.id}", ctx.now_ms)
    ctx.log_event("house_sell", {"house": h.id, "refund": refund}, h.owner)
    ctx.reply(f"You sold {name} for {ctx.money(refund)} ({percent}% of {ctx.money(h.price)}).")
    if kept:
        ctx.reply("You take along: " + ", ".join(kept) + ".")
    if ctx.player.room in rooms:
        ctx.move_to(out)


def invite(ctx: Context, arg: str) -> None:
    st = ctx.state
    if not arg:
        ctx.fail("Invite whom? e.g. house invite Bob")
    h = _managed(ctx)
    guest = _find_player(ctx, arg)
    if guest.key == h.owner:
        ctx.fail("It is your own house.")
    current = guests(st, h.id)
    if guest.key in current:
        ctx.fail(f"{guest.name} is already invited.")
    found = template_of(ctx.world, h)
    limit = found[1].max_guests if found is not None else 0
    if len(current) >= limit:
        ctx.fail(f"{title(st, h)} takes at most {count(limit, 'guest')}. HOUSE UNINVITE one first.")
    st.txn.put("house_guests", (h.id, guest.key))
    owner = ctx.player.name
    if ctx.presence.is_online(guest.key):
        ctx.tell(guest.key, f"{owner} invited you to {title(st, h)}: HOME {owner.upper()} to go in.")
    ctx.reply(f"{guest.name} is invited. They go in with HOME {owner.upper()}.")


def uninvite(ctx: Context, arg: str) -> None:
    st = ctx.state
    if not arg:
        ctx.fail("Uninvite whom? e.g. house uninvite Bob")
    h = _managed(ctx)
    invited = [p for p in (st.player(k) for k in guests(st, h.id)) if p is not None]
    found = match(arg, [Candidate(p, p.name, (), group=p.key) for p in invited])
    if found.item is None:
        ctx.fail(found.problem or f"'{arg}' is not invited.")
    guest = found.item
    st.txn.delete("house_guests", (h.id, guest.key))
    if ctx.presence.is_online(guest.key):
        ctx.tell(guest.key, f"{ctx.player.name} withdrew your invitation to {title(st, h)}.")
    ctx.reply(f"{guest.name} is no longer invited.")


def lock(ctx: Context, arg: str) -> None:
    _set_locked(ctx, True)


def unlock(ctx: Context, arg: str) -> None:
    _set_locked(ctx, False)


def _set_locked(ctx: Context, locked: bool) -> None:
    h = _managed(ctx)
    word = "locked" if locked else "unlocked"
    if h.locked == locked:
        ctx.fail(f"{title(ctx.state, h)} is already {word}.")
    ctx.state.txn.put("houses", House(h.id, h.owner, h.housing, h.template, locked, h.bought_at, h.price).row())
    if locked:
        ctx.reply(f"{title(ctx.state, h)} is locked: only you and your guests may enter.")
    else:
        ctx.reply(f"{title(ctx.state, h)} is unlocked: anyone may visit with HOME {ctx.player.name.upper()}.")


def kick(ctx: Context, arg: str) -> None:
    st = ctx.state
    if not arg:
        ctx.fail("Kick whom? e.g. house kick Bob")
    h = _managed(ctx)
    inside = [p for p in people_inside(st, h) if p.key != h.owner]
    found = match(arg, [Candidate(p, p.name, (), group=p.key) for p in inside])
    if found.item is None:
        ctx.fail(found.problem or f"No one called '{arg}' is in {title(st, h)}.")
    guest = found.item
    _move_out(ctx, guest, exit_room(st, h), f"{ctx.player.name} showed you out of {title(st, h)}.")
    ctx.reply(f"You show {guest.name} out.")


SUBS = {
    "buy": buy,
    "sell": sell,
    "invite": invite,
    "uninvite": uninvite,
    "lock": lock,
    "unlock": unlock,
    "kick": kick,
}


# --------------------------------------------------------------------------- home
def do_home(ctx: Context) -> None:
    st = ctx.state
    arg = ctx.command.args.strip()
    me = ctx.player
    chosen = parse_count(arg) if arg else 1
    if chosen is not None:
        mine = houses_of(st, me.key)
        if not mine:
            hint = " HOME NAME visits a friend's house." if invitations(st, me.key) else ""
            ctx.fail(_where_sold(ctx, "You own no house.") + hint)
        index = chosen
        if not 1 <= index <= len(mine):
            ctx.fail(f"You own {count(len(mine), 'house')}: HOME 1 to HOME {len(mine)}.")
        target = mine[index - 1]
    else:
        owner = _find_player(ctx, arg)
        theirs = houses_of(st, owner.key)
        if not theirs:
            ctx.fail(f"{owner.name} owns no house.")
        target = theirs[0]
    if me.room in room_ids(ctx.world, target):
        ctx.fail(f"You are already in {title(st, target)}.")
    room = entrance(st, target)
    if room is None:
        ctx.fail("That house cannot be found in this world any more.")
    ctx.move_to(room)


VERBS: tuple[Verb, ...] = (
    Verb("house", do_house, usage="house [buy NAME|sell|invite NAME|uninvite NAME|lock|unlock|kick NAME]",
         summary="show your houses and guests, or manage them",
         example="house buy cottage", topic="housing"),
    Verb("home", do_home, usage="home [NAME|N]", summary="go to your house, or a friend's", example="home",
         shows_room=True, topic="housing"),
)

HOOKS = Hooks(
    resolve_room=resolve_room,
    may_enter=may_enter,
    room_notes=room_notes,
    on_login=on_login,
    help_topics={
        "housing": "Buy a house at a housing office: HOUSE BUY NAME. HOME goes there. "
        "HOUSE INVITE NAME lets a friend in (HOME YOURNAME); HOUSE LOCK/UNLOCK, KICK, SELL.",
    },
)
