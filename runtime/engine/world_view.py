"""Read-only indexes over the image's ``World``: rooms, objects and NPCs by id, triggers by
owner and event, declared variables, directions, and a per-world memo for systems' own
derived indexes.  Never changes: the engine builds a new one (``runtime.engine.built_world``)
when a builder's command or a new image changes the world players see."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from runtime.image import model
from runtime.image.directions import OPPOSITE, canonical
from runtime.image.money import MoneyError, format_amount, parse_amount

T = TypeVar("T")

CURRENCY_META = "currency"
"""``meta`` key of a currency that overrides the image's (``/convert_currency``, docs/economy.md)."""

def direction(word: str) -> str | None:
    """The canonical direction for ``n``, ``North``, ``NE``, ``in`` …; None if it is none."""
    return canonical(word)


def arrival_phrase(direction_taken: str) -> str:
    """Where an arriving player seems to come from, given the exit they took."""
    back = OPPOSITE[direction_taken]
    if back == "up":
        return "from above"
    if back == "down":
        return "from below"
    if back == "in":
        return "from inside"
    if back == "out":
        return "from outside"
    return f"from the {back}"


TriggerIndex = dict[tuple[str, str, str], tuple[model.Trigger, ...]]


class WorldView:
    def __init__(self, world: model.World) -> None:
        self.world = world
        self.rooms: Mapping[str, model.Room] = {r.id: r for r in world.rooms}
        self.objects: Mapping[str, model.Object] = {o.id: o for o in world.objects}
        self.npcs: Mapping[str, model.Npc] = {n.id: n for n in world.npcs}
        npcs_in: dict[str, list[model.Npc]] = {}
        for n in world.npcs:
            npcs_in.setdefault(n.room, []).append(n)
        self._npcs_in = {k: tuple(v) for k, v in npcs_in.items()}
        self._vars: Mapping[str, model.StateVar] = {v.name: v for v in world.state}
        self._scoped: dict[str, tuple[model.StateVar, ...]] = {}
        for v in world.state:
            self._scoped[v.scope] = (*self._scoped.get(v.scope, ()), v)
        index: dict[tuple[str, str, str], list[model.Trigger]] = {}

        def add(kind: str, owner: str, triggers: tuple[model.Trigger, ...]) -> None:
            for t in triggers:
                index.setdefault((kind, owner, t.event), []).append(t)

        add("world", world.id, world.triggers)
        for r in world.rooms:
            add("room", r.id, r.triggers)
        for o in world.objects:
            add("object", o.id, o.triggers)
        for n in world.npcs:
            add("npc", n.id, n.triggers)
        self._triggers: TriggerIndex = {k: tuple(v) for k, v in index.items()}
        self._memo: dict[str, Any] = {}
        self._currencies: dict[str, model.Currency] = {}

    # ---------------------------------------------------------------- lookups
    @property
    def currency(self) -> model.Currency:
        return self.world.currency

    def room(self, room_id: str) -> model.Room | None:
        return self.rooms.get(room_id)

    def object(self, object_id: str) -> model.Object | None:
        return self.objects.get(object_id)

    def object_name(self, object_id: str) -> str:
        o = self.objects.get(object_id)
        return o.name if o is not None else object_id

    def npcs_in(self, room_id: str) -> tuple[model.Npc, ...]:
        return self._npcs_in.get(room_id, ())

    def state_var(self, name: str) -> model.StateVar | None:
        return self._vars.get(name)

    def vars_in_scope(self, scope: str) -> tuple[model.StateVar, ...]:
        return self._scoped.get(scope, ())

    def triggers(self, kind: str, owner: str, event: str) -> tuple[model.Trigger, ...]:
        """Triggers of ``kind`` ('world' | 'room' | 'object' | 'npc') ``owner`` for ``event``."""
        return self._triggers.get((kind, owner, event), ())

    def tick_triggers(self) -> list[tuple[str, str, model.Trigger]]:
        """Every ``tick`` trigger as (kind, owner id, trigger), in a stable order."""
        return [(k, o, t) for (k, o, e), ts in sorted(self._triggers.items()) if e == "tick" for t in ts]

    # ---------------------------------------------------------------- money
    def money(self, amount: int, currency: model.Currency | None = None) -> str:
        return format_amount(amount, currency or self.world.currency)

    def parse_money(self, text: str, currency: model.Currency | None = None) -> int | str:
        """Minor units, or the reason ``text`` is not an amount in this world's currency."""
        try:
            return parse_amount(text, currency or self.world.currency)
        except MoneyError as exc:
            return str(exc)

    def effective_currency(self, override: str | None) -> model.Currency:
        """The image's currency, or the one stored in ``meta`` (``CURRENCY_META``) by a
        conversion; decoded once per distinct text.  An unreadable override is ignored."""
        if not override:
            return self.world.currency
        found = self._currencies.get(override)
        if found is None:
            found = currency_from_json(override) or self.world.currency
            self._currencies[override] = found
        return found

    # ---------------------------------------------------------------- memo
    def memo(self, key: str, build: Callable[[WorldView], T]) -> T:
        """A value derived from the world once and kept (systems' own indexes: shops by room …)."""
        if key not in self._memo:
            self._memo[key] = build(self)
        value: T = self._memo[key]
        return value


def currency_to_json(currency: model.Currency) -> str:
    """A currency as stored in ``meta`` (see ``WorldView.effective_currency``)."""
    return json.dumps(
        {
            "mode": currency.mode,
            "symbol": currency.symbol,
            "decimals": currency.decimals,
            "tiers": [[t.name, t.short, t.value] for t in currency.tiers],
            "starting_balance": currency.starting_balance,
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def currency_from_json(text: str) -> model.Currency | None:
    """The currency ``currency_to_json`` wrote, or None when ``text`` is not one."""
    try:
        d = json.loads(text)
        tiers = tuple(model.Tier(str(n), str(s), int(v)) for n, s, v in d["tiers"])
        currency = model.Currency(
            str(d["mode"]), str(d["symbol"]), int(d["decimals"]), tiers, int(d["starting_balance"])
        )
    except (ValueError, KeyError, TypeError):
        return None
    if currency.mode not in ("decimal", "multitier") or (currency.mode == "multitier" and not tiers):
        return None
    return currency
