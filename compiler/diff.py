"""What changed between two versions of a world: ``meshmush diff OLD NEW`` (docs/deploy.md).

Both sides are compiled worlds (``model.World``, from a directory or an image), so the diff is
about meaning, not text: moving a document between files or re-indenting it changes nothing;
a trigger counts as changed only when its compiled code does.  Categories, in this order:

- ``world``: title, start room, currency;
- ``rooms``, ``objects``, ``npcs``, ``shops``, ``housing``, ``games``, ``boards``: added,
  removed, renamed (``renamed_from``), changed (which fields);
- ``exits``: per room and direction (of rooms on both sides): added, removed, changed (target,
  guard, blocked message);
- ``triggers``: per owner and event: added, removed, changed;
- ``prices``: object values, shop prices, stock and restock, house prices, starting balance;
- ``state``: declared variables added, removed, re-typed or given another default.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from runtime.image import model
from runtime.image.money import format_amount

CATEGORIES = ("world", "rooms", "exits", "objects", "npcs", "shops", "housing", "games", "boards", "triggers",
              "prices", "state")
ACTIONS = ("added", "removed", "renamed", "changed")


@dataclass(frozen=True)
class Change:
    category: str  # one of CATEGORIES
    action: str  # one of ACTIONS
    subject: str  # the id (or "ROOM DIR" for an exit, "KIND ID EVENT" for triggers, the variable)
    detail: str = ""  # what changed, in words

    def to_json(self) -> dict[str, str]:
        return {"category": self.category, "change": self.action, "id": self.subject, "detail": self.detail}


@dataclass(frozen=True)
class WorldDiff:
    old: str  # world id
    new: str
    changes: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not self.changes

    def summary(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for c in self.changes:
            out.setdefault(c.category, {a: 0 for a in ACTIONS})[c.action] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        return {"old": self.old, "new": self.new, "summary": self.summary(),
                "changes": [c.to_json() for c in self.changes]}

    def text(self) -> str:
        if self.empty:
            return "no differences\n"
        lines: list[str] = []
        for cat in CATEGORIES:
            items = [c for c in self.changes if c.category == cat]
            if not items:
                continue
            counts = ", ".join(f"{n} {a}" for a, n in self.summary()[cat].items() if n)
            lines.append(f"{cat} ({counts}):")
            marks = {"added": "+", "removed": "-", "renamed": ">", "changed": "~"}
            for c in items:
                lines.append(f"  {marks[c.action]} {c.subject}" + (f": {c.detail}" if c.detail else ""))
        return "\n".join(lines) + "\n"


def diff_worlds(old: model.World, new: model.World) -> WorldDiff:
    out: list[Change] = []
    money = _money(new.currency)
    _world(old, new, out)
    moved = {o: n for n, o in (_renames(old.rooms, new.rooms) | _renames(old.objects, new.objects)).items()}

    def room_fields(a: model.Room, b: model.Room) -> list[str]:
        changed = [n for n in ("name", "description", "flags") if getattr(a, n) != getattr(b, n)]
        if tuple(moved.get(x, x) for x in a.objects) != b.objects:
            changed.append("objects")
        return changed

    room_pairs = _entities("rooms", old.rooms, new.rooms, out, room_fields)
    _exits(old, new, room_pairs, moved, out)
    object_pairs = _entities("objects", old.objects, new.objects, out, _object_fields)
    _entities("npcs", old.npcs, new.npcs, out, _npc_fields)
    _entities("shops", old.shops, new.shops, out, _plain_fields(("name", "room")))
    _entities("housing", old.housing, new.housing, out, _plain_fields(("office", "max_per_player",
                                                                         "sell_back_percent")))
    _entities("games", old.games, new.games, out, _plain_fields(("type", "room", "config", "texts", "symbols",
                                                                   "payouts")))
    _entities("boards", old.boards, new.boards, out, _plain_fields(("name", "room", "keep")))
    _triggers(old, new, room_pairs, object_pairs, out)
    _prices(old, new, object_pairs, money, out)
    _state(old, new, out)
    return WorldDiff(old.id, new.id, tuple(out))


# ---------------------------------------------------------------------------- helpers
def _money(currency: model.Currency) -> Callable[[int], str]:
    return lambda amount: format_amount(amount, currency)


def _world(old: model.World, new: model.World, out: list[Change]) -> None:
    for name in ("id", "title", "start", "format"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append(Change("world", "changed", name, f"{a} -> {b}"))
    oc, nc = old.currency, new.currency
    if (oc.mode, oc.symbol, oc.decimals, oc.tiers) != (nc.mode, nc.symbol, nc.decimals, nc.tiers):
        out.append(Change("world", "changed", "currency", f"{oc.mode} -> {nc.mode}"))
    if old.messages != new.messages:
        out.append(Change("world", "changed", "messages", f"{old.messages} -> {new.messages}"))
    if old.builder != new.builder:
        b0, b1 = old.builder, new.builder
        out.append(Change("world", "changed", "builder",
                          f"clones {b0.clones_per_player}/{b0.clones_total} -> {b1.clones_per_player}/{b1.clones_total}"))


def _code_sig(code: model.Code | None) -> tuple[Any, ...] | None:
    """What a piece of code means (its line table and file label left out)."""
    return None if code is None else (code.ops, code.consts, code.names)


def _plain_fields(names: Sequence[str]) -> Callable[[Any, Any], list[str]]:
    def compare(a: Any, b: Any) -> list[str]:
        return [n for n in names if getattr(a, n) != getattr(b, n)]

    return compare


def _object_fields(a: model.Object, b: model.Object) -> list[str]:
    return [n for n in ("name", "aliases", "description", "takeable", "flags", "shop") if getattr(a, n) != getattr(b, n)]


def _npc_fields(a: model.Npc, b: model.Npc) -> list[str]:
    changed = [n for n in ("name", "aliases", "room", "description") if getattr(a, n) != getattr(b, n)]
    if _dialogue_sig(a) != _dialogue_sig(b):
        changed.append("dialogue")
    return changed


def _dialogue_sig(n: model.Npc) -> tuple[Any, ...]:
    return tuple((d.id, d.text, _code_sig(d.do), tuple((o.say, _code_sig(o.when), o.goto) for o in d.options))
                 for d in n.dialogue)


def _entities(category: str, old: Iterable[Any], new: Iterable[Any], out: list[Change],
              compare: Callable[[Any, Any], list[str]]) -> dict[str, str]:
    """Added, removed, renamed and changed entities; returns new id -> old id of those on both
    sides (renamed ones under their new id)."""
    before = {x.id: x for x in old}
    after = {x.id: x for x in new}
    renamed = _renames(old, new)
    pairs = {i: i for i in after if i in before} | renamed
    for nid in sorted(after):
        if nid in renamed:
            out.append(Change(category, "renamed", f"{renamed[nid]} -> {nid}"))
        elif nid not in before:
            out.append(Change(category, "added", nid, getattr(after[nid], "name", "") or ""))
    for oid in sorted(before):
        if oid not in after and oid not in renamed.values():
            out.append(Change(category, "removed", oid, getattr(before[oid], "name", "") or ""))
    for nid in sorted(pairs):
        changed = compare(before[pairs[nid]], after[nid])
        if changed:
            out.append(Change(category, "changed", nid, ", ".join(changed)))
    return pairs


def _renames(old: Iterable[Any], new: Iterable[Any]) -> dict[str, str]:
    """new id -> old id, for entities whose ``renamed_from`` names an id only the old side has."""
    before = {x.id for x in old}
    after = {x.id: x for x in new}
    renamed: dict[str, str] = {}
    for nid, x in after.items():
        if nid in before:
            continue
        for prev in getattr(x, "renamed_from", ()):
            if prev in before and prev not in after and prev not in renamed.values():
                renamed[nid] = prev
                break
    return renamed


def _exit_sig(e: model.Exit, moved: Mapping[str, str] | None = None) -> tuple[Any, ...]:
    return ((moved or {}).get(e.to, e.to), _code_sig(e.when), e.blocked)


def _exits(old: model.World, new: model.World, pairs: Mapping[str, str], moved: Mapping[str, str],
           out: list[Change]) -> None:
    before = {r.id: r for r in old.rooms}
    after = {r.id: r for r in new.rooms}
    for nid in sorted(pairs):
        a = {e.direction: e for e in before[pairs[nid]].exits}
        b = {e.direction: e for e in after[nid].exits}
        for d in _ordered(set(a) | set(b), b, a):
            subject = f"{nid} {d}"
            if d not in a:
                out.append(Change("exits", "added", subject, f"to {b[d].to}" + (" (guarded)" if b[d].when else "")))
            elif d not in b:
                out.append(Change("exits", "removed", subject, f"was to {a[d].to}"))
            elif _exit_sig(a[d], moved) != _exit_sig(b[d]):
                what = []
                if moved.get(a[d].to, a[d].to) != b[d].to:
                    what.append(f"to {a[d].to} -> {b[d].to}")
                if _code_sig(a[d].when) != _code_sig(b[d].when):
                    what.append("guard")
                if a[d].blocked != b[d].blocked:
                    what.append("blocked message")
                out.append(Change("exits", "changed", subject, ", ".join(what)))


def _ordered(keys: set[str], *orders: Mapping[str, Any]) -> list[str]:
    seen: list[str] = []
    for order in orders:
        seen += [k for k in order if k in keys and k not in seen]
    return seen


def _trigger_sigs(triggers: Sequence[model.Trigger]) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    for t in triggers:
        out.setdefault(t.event, []).append((t.match, t.every, _code_sig(t.code)))
    return out


def _owners(w: model.World) -> dict[tuple[str, str], Sequence[model.Trigger]]:
    owners: dict[tuple[str, str], Sequence[model.Trigger]] = {("world", w.id): w.triggers}
    for kind, group in (("room", w.rooms), ("object", w.objects), ("npc", w.npcs)):
        for x in group:
            owners[(kind, x.id)] = x.triggers
    return owners


def _triggers(old: model.World, new: model.World, rooms: Mapping[str, str], objects: Mapping[str, str],
              out: list[Change]) -> None:
    before, after = _owners(old), _owners(new)
    back = {("room", n): ("room", o) for n, o in rooms.items()} | {("object", n): ("object", o)
                                                                    for n, o in objects.items()}
    back[("world", new.id)] = ("world", old.id)
    for key in sorted(after):
        prev = back.get(key, key)
        a = _trigger_sigs(before.get(prev, ()))
        b = _trigger_sigs(after[key])
        if prev not in before and key[0] != "world":
            continue  # a new owner: its triggers come with it
        for event in _ordered(set(a) | set(b), b, a):
            subject = f"{key[0]} {key[1]} {event}"
            if event not in a:
                out.append(Change("triggers", "added", subject, f"{len(b[event])} trigger(s)"))
            elif event not in b:
                out.append(Change("triggers", "removed", subject, f"{len(a[event])} trigger(s)"))
            elif a[event] != b[event]:
                out.append(Change("triggers", "changed", subject))


def _prices(old: model.World, new: model.World, objects: Mapping[str, str], money: Callable[[int], str],
            out: list[Change]) -> None:
    ob = {o.id: o for o in old.objects}
    for o in new.objects:
        prev = ob.get(objects.get(o.id, ""))
        if prev is not None and prev.value != o.value:
            out.append(Change("prices", "changed", f"{o.id} value", f"{money(prev.value)} -> {money(o.value)}"))
    if old.currency.starting_balance != new.currency.starting_balance:
        out.append(Change("prices", "changed", "starting_balance",
                          f"{money(old.currency.starting_balance)} -> {money(new.currency.starting_balance)}"))
    os_ = {s.id: s for s in old.shops}
    for s in new.shops:
        prev_shop = os_.get(s.id)
        if prev_shop is None:
            continue
        for kind, a_items, b_items in (("sells", prev_shop.stock, s.stock), ("buys", prev_shop.buys, s.buys)):
            a = {i.item: i for i in a_items}
            b = {i.item: i for i in b_items}
            for item in _ordered(set(a) | set(b), b, a):
                subject = f"{s.id} {kind} {item}"
                if item not in a:
                    out.append(Change("prices", "added", subject, money(b[item].price)))
                elif item not in b:
                    out.append(Change("prices", "removed", subject, f"was {money(a[item].price)}"))
                elif a[item] != b[item]:
                    out.append(Change("prices", "changed", subject, _item_detail(a[item], b[item], money)))
    oh = {(h.id, t.key): t for h in old.housing for t in h.templates}
    for h in new.housing:
        for t in h.templates:
            prev_t = oh.get((h.id, t.key))
            if prev_t is not None and prev_t.price != t.price:
                out.append(Change("prices", "changed", f"{h.id} {t.key}", f"{money(prev_t.price)} -> {money(t.price)}"))


def _item_detail(a: Any, b: Any, money: Callable[[int], str]) -> str:
    parts = []
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x != y and f.name != "item":
            if f.name == "price":
                parts.append(f"price {money(x)} -> {money(y)}")
            else:
                parts.append(f"{f.name} {x} -> {y}")
    return ", ".join(parts)


def _state(old: model.World, new: model.World, out: list[Change]) -> None:
    a = {v.name: v for v in old.state}
    b = {v.name: v for v in new.state}
    for name in sorted(set(a) | set(b)):
        if name not in a:
            out.append(Change("state", "added", name, f"{b[name].type}, default {json.dumps(b[name].default)}"))
        elif name not in b:
            out.append(Change("state", "removed", name, f"was {a[name].type}"))
        elif a[name].type != b[name].type or json.dumps(a[name].default) != json.dumps(b[name].default):
            what = []
            if a[name].type != b[name].type:
                what.append(f"type {a[name].type} -> {b[name].type}")
            if json.dumps(a[name].default) != json.dumps(b[name].default):
                what.append(f"default {json.dumps(a[name].default)} -> {json.dumps(b[name].default)}")
            out.append(Change("state", "changed", name, ", ".join(what)))
