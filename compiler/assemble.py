"""Assembly: validated documents → the image model (``runtime.image.model.World``).

Each kind has a small builder.  Every reference goes through the symbol table, every amount
through the currency, every trigger through the trigger compiler; problems are reported
and the offending piece is left out, so one run reports as much as it can.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Diagnostics, Span, did_you_mean
from compiler.loader import SourceDoc
from compiler.resolve import SymbolTable
from compiler.triggers import TriggerContext, compile_block, compile_expr
from runtime.image import model
from runtime.image.directions import canonical, order
from runtime.image.events import MATCHED, PERIODIC
from runtime.image.kinds import EVENTS
from runtime.image.money import MoneyError, example, parse_amount
from runtime.image.words import with_article

Path_ = tuple[str | int, ...]

_DURATION = re.compile(r"^(\d+)(s|m|h|d)$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}

def parse_duration(text: object) -> int | None:
    if not isinstance(text, str):
        return None
    m = _DURATION.match(text.strip())
    if not m:
        return None
    return int(m.group(1)) * _UNIT[m.group(2)]


@dataclass
class Assembler:
    """Shared context of one assembly run (not a god object: data plus small helpers)."""

    diags: Diagnostics
    symbols: SymbolTable
    currency: model.Currency
    state: Mapping[str, model.StateVar]

    # ---- helpers
    def money(self, doc: SourceDoc, path: Path_) -> int | None:
        value = _get(doc.data, path)
        if value is None:
            return None
        raw = doc.marks.raw(path)
        text = raw if raw is not None else str(value)
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.diags.error(
                "MM5001",
                f"'{text}' is not an amount of money",
                doc.marks.span(path),
                f"write it like {example(self.currency)}",
            )
            return None
        try:
            return parse_amount(text, self.currency)
        except MoneyError as exc:
            self.diags.error(
                "MM5001", str(exc), doc.marks.span(path), f"for example {example(self.currency)}"
            )
            return None

    def ref(self, doc: SourceDoc, path: Path_, kinds: tuple[str, ...], what: str) -> str | None:
        return self.symbols.check_ref(_get(doc.data, path), kinds, doc.marks.span(path), self.diags, what)

    def ctx(self, doc: SourceDoc, event: str, owner: str) -> TriggerContext:
        return TriggerContext(
            event=event,
            owner=owner,
            file=doc_label(doc),
            state=self.state,
            ids=self.symbols.kinds(),
            unsure=self.symbols.unsure,
            currency=self.currency,
            line_base=doc.marks.span(()).line - 1,
        )

    def origin(self, doc: SourceDoc, path: Path_) -> Callable[[int, int], Span]:
        return lambda line, col: doc.marks.locate_in_scalar(path, line, col)

    def expr(self, doc: SourceDoc, path: Path_, owner: str) -> model.Code | None:
        src = _get(doc.data, path)
        if isinstance(src, bool):
            src = "true" if src else "false"
        if not isinstance(src, str):
            return None
        return compile_expr(src, self.ctx(doc, "expr", owner), self.origin(doc, path), self.diags, "bool")

    def block(self, doc: SourceDoc, path: Path_, event: str, owner: str) -> model.Code | None:
        src = _get(doc.data, path)
        if not isinstance(src, str):
            return None
        return compile_block(src, self.ctx(doc, event, owner), self.origin(doc, path), self.diags)

    def triggers(self, doc: SourceDoc, owner: str, base: Path_ = ()) -> tuple[model.Trigger, ...]:
        items = _get(doc.data, (*base, "triggers")) or []
        out: list[model.Trigger] = []
        allowed = EVENTS[owner]
        for i, trig in enumerate(items):
            if not isinstance(trig, dict):
                continue
            tpath: Path_ = (*base, "triggers", i)
            event = trig.get("on")
            if not isinstance(event, str):
                continue
            if event not in allowed:
                self.diags.error(
                    "MM4014",
                    f"{with_article(owner)} has no '{event}' event",
                    doc.marks.span((*tpath, "on")),
                    did_you_mean(event, allowed) or f"{owner} events: {', '.join(allowed)}",
                )
                continue
            match = trig.get("match")
            every_raw = trig.get("every")
            every = None
            if match is not None and event != MATCHED:
                self.diags.error(
                    "MM4015",
                    f"'match' only goes with '{MATCHED}' triggers, not '{event}'",
                    doc.marks.span((*tpath, "match"), key=True),
                    "remove 'match'",
                )
                continue
            if event == PERIODIC:
                every = parse_duration(every_raw)
                if not every:
                    self.diags.error(
                        "MM4015",
                        "a 'tick' trigger needs 'every:' with a positive duration"
                        + (f", not '{every_raw}'" if every_raw is not None else ""),
                        doc.marks.span((*tpath, "every") if every_raw is not None else (*tpath, "on")),
                        "e.g. every: 10m (units s, m, h, d)",
                    )
                    continue
            elif every_raw is not None:
                self.diags.error(
                    "MM4015",
                    f"'every' only goes with '{PERIODIC}' triggers, not '{event}'",
                    doc.marks.span((*tpath, "every"), key=True),
                    "remove 'every'",
                )
                continue
            code = self.block(doc, (*tpath, "do"), event, owner)
            if code is None:
                continue
            out.append(
                model.Trigger(
                    event=event,
                    code=code,
                    match=match.lower() if isinstance(match, str) else None,
                    every=every,
                    line=doc.marks.span(tpath).line - doc.marks.span(()).line + 1,
                )
            )
        return tuple(out)


def doc_label(doc: SourceDoc) -> str:
    """How the image names a document: its kind and id ("room town.gazebo"); a patch by the
    room it changes ("patch town.gazebo")."""
    if doc.kind == "patch":
        return f"patch {doc.data.get('room', '?')}"
    return f"{doc.kind} {doc.data.get('id', '?')}"


def _get(data: Any, path: Path_) -> Any:
    cur = data
    for p in path:
        if isinstance(p, int):
            if not isinstance(cur, list) or p >= len(cur):
                return None
        elif not isinstance(cur, dict):
            return None
        cur = cur[p] if isinstance(p, int) else cur.get(p)
        if cur is None:
            return None
    return cur


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _aliases(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(str(a).lower() for a in value if isinstance(a, (str, int)))


# ---------------------------------------------------------------- currency and state


def build_currency(doc: SourceDoc, diags: Diagnostics) -> model.Currency:
    cur = doc.data.get("currency") or {}
    mode = cur.get("mode", "decimal")
    span = doc.marks.span(("currency",))
    if mode == "multitier":
        tiers: list[model.Tier] = []
        raw = cur.get("tiers") or []
        for i, t in enumerate(raw):
            if isinstance(t, dict) and isinstance(t.get("value"), int):
                tiers.append(model.Tier(_text(t.get("name")), _text(t.get("short")).lower(), int(t["value"])))
            else:
                diags.error(
                    "MM5003",
                    "a tier needs name, short and an integer value",
                    doc.marks.span(("currency", "tiers", i)),
                )
        problems = []
        if not tiers:
            problems.append("a multitier currency needs at least one tier")
        values = [t.value for t in tiers]
        if values != sorted(values, reverse=True) or len(set(values)) != len(values):
            problems.append("tier values must be strictly decreasing, largest first")
        if tiers and tiers[-1].value != 1:
            problems.append(f"the smallest tier must be worth 1, not {tiers[-1].value}")
        if len({t.short for t in tiers}) != len(tiers) or len({t.name for t in tiers}) != len(tiers):
            problems.append("tier names and short names must be unique")
        if any(not re.fullmatch(r"[a-z]+", t.short) for t in tiers):
            problems.append("tier short names must be lowercase letters")
        if any(t.value <= 0 for t in tiers):
            problems.append("tier values must be positive")
        for p in problems:
            diags.error(
                "MM5003", p, doc.marks.span(("currency", "tiers")), "e.g. gold 100, silver 10, copper 1"
            )
        if not tiers:
            tiers = [model.Tier("copper", "c", 1)]
        currency = model.Currency("multitier", "", 0, tuple(tiers), 0)
    else:
        decimals = cur.get("decimals", 2)
        if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 6:
            diags.error("MM5003", f"decimals must be a whole number from 0 to 6, not '{decimals}'", span)
            decimals = 2
        symbol = cur.get("symbol", "¤")
        currency = model.Currency("decimal", _text(symbol), decimals, (), 0)
    start = 0
    if "starting_balance" in cur:
        raw_text = doc.marks.raw(("currency", "starting_balance"))
        value = cur["starting_balance"]
        text = raw_text if raw_text is not None else _text(value)
        try:
            start = parse_amount(text, currency)
        except MoneyError as exc:
            diags.error(
                "MM5001",
                str(exc),
                doc.marks.span(("currency", "starting_balance")),
                f"for example {example(currency)}",
            )
    return model.Currency(currency.mode, currency.symbol, currency.decimals, currency.tiers, start)


_STATE_NAME = re.compile(r"^(world|player|room|self)\.[a-z_][a-z0-9_]*$")


def build_state(doc: SourceDoc, currency: model.Currency, diags: Diagnostics) -> dict[str, model.StateVar]:
    out: dict[str, model.StateVar] = {}
    decl = doc.data.get("state") or {}
    if not isinstance(decl, dict):
        return out
    for name, spec in decl.items():
        path: Path_ = ("state", name)
        if not isinstance(name, str) or not _STATE_NAME.match(name):
            diags.error(
                "MM4011",
                f"state variable '{name}' must be named SCOPE.name with scope world, player, room or self",
                doc.marks.span(path, key=True),
                "e.g. player.reputation, world.bridge_down, room.visits, self.lit",
            )
            continue
        if not isinstance(spec, dict):
            continue
        typ = spec.get("type")
        if typ not in ("bool", "int", "money", "text"):
            continue  # schema reports it
        default: model.Scalar
        raw = spec.get("default")
        bad = False
        if typ == "bool":
            default = raw if isinstance(raw, bool) else False
            bad = raw is not None and not isinstance(raw, bool)
        elif typ == "int":
            bad = raw is not None and (not isinstance(raw, int) or isinstance(raw, bool))
            default = raw if isinstance(raw, int) and not bad else 0
        elif typ == "text":
            bad = raw is not None and not isinstance(raw, str)
            default = raw if isinstance(raw, str) else ""
        else:
            default = 0
            if raw is not None:
                rtext = doc.marks.raw((*path, "default"))
                try:
                    default = parse_amount(rtext if rtext is not None else _text(raw), currency)
                except MoneyError as exc:
                    diags.error(
                        "MM5001",
                        str(exc),
                        doc.marks.span((*path, "default")),
                        f"for example {example(currency)}",
                    )
        if bad:
            diags.error(
                "MM4011",
                f"default '{doc.marks.raw((*path, 'default')) or raw}' of {name} is not {with_article(typ)}",
                doc.marks.span((*path, "default")),
                {"bool": "use true or false", "int": "use a whole number", "text": 'use a string, e.g. ""'}[
                    typ
                ],
            )
        out[name] = model.StateVar(name=name, scope=name.split(".", 1)[0], type=typ, default=default)
    return out


# ---------------------------------------------------------------- kinds


def build_room(a: Assembler, doc: SourceDoc) -> model.Room:
    d = doc.data
    exits: list[model.Exit] = []
    seen: dict[str, str] = {}
    raw_exits = d.get("exits") or {}
    if isinstance(raw_exits, dict):
        for key, spec in raw_exits.items():
            direction = canonical(str(key))
            if direction is None:
                continue  # schema reports unknown directions
            path: Path_ = ("exits", key)
            if direction in seen:
                a.diags.error(
                    "MM4010",
                    f"exit '{key}' repeats direction {direction} (already given as '{seen[direction]}')",
                    doc.marks.span(path, key=True),
                    "keep one of them",
                )
                continue
            seen[direction] = str(key)
            if isinstance(spec, dict):
                to = a.ref(doc, (*path, "to"), ("room",), "exit destination")
                when = a.expr(doc, (*path, "when"), "exit") if "when" in spec else None
                blocked = spec.get("blocked")
                if to is not None:
                    exits.append(
                        model.Exit(direction, to, when, _text(blocked) if blocked is not None else None)
                    )
            else:
                to = a.ref(doc, path, ("room",), "exit destination")
                if to is not None:
                    exits.append(model.Exit(direction, to))
    exits.sort(key=lambda e: order(e.direction))
    objects = []
    for i, _ in enumerate(d.get("objects") or []):
        oid = a.ref(doc, ("objects", i), ("object",), "object")
        if oid is not None:
            objects.append(oid)
    flags = tuple(sorted({str(f).lower() for f in (d.get("flags") or [])}))
    return model.Room(
        id=d["id"],
        name=_text(d.get("name")),
        description=_text(d.get("description")).strip(),
        exits=tuple(exits),
        flags=flags,
        objects=tuple(objects),
        triggers=a.triggers(doc, "room"),
    )


def build_object(a: Assembler, doc: SourceDoc) -> model.Object:
    d = doc.data
    value = a.money(doc, ("value",)) if "value" in d else 0
    shop = a.ref(doc, ("shop",), ("shop",), "vending shop") if "shop" in d else None
    return model.Object(
        id=d["id"],
        name=_text(d.get("name")),
        aliases=_aliases(d.get("aliases")),
        description=_text(d.get("description")).strip(),
        takeable=d.get("takeable", True) is not False,  # takeable unless it says takeable: false
        value=value or 0,
        flags=tuple(sorted({str(f).lower() for f in (d.get("flags") or [])})),
        triggers=a.triggers(doc, "object"),
        shop=shop,
    )


def build_npc(a: Assembler, doc: SourceDoc) -> model.Npc:
    d = doc.data
    room = a.ref(doc, ("room",), ("room",), "NPC room") or ""
    nodes: list[model.DialogueNode] = []
    raw = d.get("dialogue") or {}
    if isinstance(raw, dict):
        for node_id, node in raw.items():
            if not isinstance(node, dict):
                continue
            npath: Path_ = ("dialogue", node_id)
            options: list[model.DialogueOption] = []
            for i, opt in enumerate(node.get("options") or []):
                if not isinstance(opt, dict):
                    continue
                opath: Path_ = (*npath, "options", i)
                when = a.expr(doc, (*opath, "when"), "dialogue") if "when" in opt else None
                goto = opt.get("goto")
                options.append(
                    model.DialogueOption(
                        _text(opt.get("say")), when, _text(goto) if goto is not None else None
                    )
                )
            do = a.block(doc, (*npath, "do"), "talk", "dialogue") if "do" in node else None
            nodes.append(
                model.DialogueNode(str(node_id), _text(node.get("text")).strip(), tuple(options), do)
            )
    return model.Npc(
        id=d["id"],
        name=_text(d.get("name")),
        aliases=_aliases(d.get("aliases")),
        room=room,
        description=_text(d.get("description")).strip(),
        dialogue=tuple(nodes),
        triggers=a.triggers(doc, "npc"),
    )


def build_shop(a: Assembler, doc: SourceDoc) -> model.Shop:
    d = doc.data
    room = a.ref(doc, ("room",), ("room",), "shop room") if d.get("room") is not None else None
    stock: list[model.StockItem] = []
    seen: set[str] = set()
    for i, entry in enumerate(d.get("stock") or []):
        if not isinstance(entry, dict):
            continue
        p: Path_ = ("stock", i)
        item = a.ref(doc, (*p, "item"), ("object",), "shop item")
        price = a.money(doc, (*p, "price"))
        restock = parse_duration(entry.get("restock")) if "restock" in entry else None
        qty = entry.get("quantity")
        if item is not None and item in seen:
            a.diags.error(
                "MM5004",
                f"shop stock lists '{item}' twice",
                doc.marks.span((*p, "item")),
                "keep one entry per item",
            )
            continue
        if item is not None and price is not None:
            seen.add(item)
            stock.append(model.StockItem(item, price, qty if isinstance(qty, int) else None, restock))
    buys: list[model.BuyItem] = []
    seen_b: set[str] = set()
    for i, entry in enumerate(d.get("buys") or []):
        if not isinstance(entry, dict):
            continue
        p = ("buys", i)
        item = a.ref(doc, (*p, "item"), ("object",), "shop item")
        price = a.money(doc, (*p, "price"))
        if item is not None and item in seen_b:
            a.diags.error(
                "MM5004",
                f"shop buys lists '{item}' twice",
                doc.marks.span((*p, "item")),
                "keep one entry per item",
            )
            continue
        if item is not None and price is not None:
            seen_b.add(item)
            buys.append(model.BuyItem(item, price))
    return model.Shop(d["id"], _text(d.get("name")), room, tuple(stock), tuple(buys))


def build_housing(a: Assembler, doc: SourceDoc) -> model.Housing:
    d = doc.data
    office = a.ref(doc, ("office",), ("room",), "housing office") or ""
    templates: list[model.HouseTemplate] = []
    raw = d.get("templates") or {}
    if isinstance(raw, dict):
        for key, t in raw.items():
            if not isinstance(t, dict):
                continue
            tpath: Path_ = ("templates", key)
            price = a.money(doc, (*tpath, "price"))
            rooms_raw = [r for r in (t.get("rooms") or []) if isinstance(r, dict)]
            keys = [str(r.get("id")) for r in rooms_raw]
            rooms: list[model.HouseRoom] = []
            for i, r in enumerate(t.get("rooms") or []):
                if not isinstance(r, dict):
                    continue
                rpath: Path_ = (*tpath, "rooms", i)
                rkey = str(r.get("id"))
                if keys.count(rkey) > 1 and keys.index(rkey) != i:
                    a.diags.error(
                        "MM4013",
                        f"template '{key}' has two rooms with id '{rkey}'",
                        doc.marks.span((*rpath, "id")),
                    )
                    continue
                exits: list[model.HouseExit] = []
                for dkey, target in (r.get("exits") or {}).items():
                    direction = canonical(str(dkey))
                    if direction is None or not isinstance(target, str):
                        continue
                    epath: Path_ = (*rpath, "exits", dkey)
                    if "." in target:
                        to = a.ref(doc, epath, ("room",), "house exit destination")
                        if to is not None:
                            exits.append(model.HouseExit(direction, to, False))
                    elif target in keys:
                        exits.append(model.HouseExit(direction, target, True))
                    else:
                        a.diags.error(
                            "MM4013",
                            f"house exit '{dkey}' leads to '{target}', which is not a room of template '{key}'",
                            doc.marks.span(epath),
                            did_you_mean(target, keys)
                            or "name a room of this template, or a dotted world room id",
                        )
                exits.sort(key=lambda e: order(e.direction))
                rooms.append(
                    model.HouseRoom(
                        rkey, _text(r.get("name")), _text(r.get("description")).strip(), tuple(exits)
                    )
                )
            templates.append(
                model.HouseTemplate(
                    key=str(key),
                    name=_text(t.get("name")),
                    price=price or 0,
                    max_guests=int(t.get("max_guests", 4)),
                    rooms=tuple(rooms),
                )
            )
    templates.sort(key=lambda t: t.key)
    return model.Housing(
        id=d["id"],
        office=office,
        templates=tuple(templates),
        max_per_player=int(d.get("max_per_player", 1)),
        sell_back_percent=int(d.get("sell_back_percent", 50)),
    )
