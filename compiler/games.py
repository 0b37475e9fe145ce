"""Assembly of ``kind: game`` and ``kind: board`` documents and the world's ``messages:``.

A game's ``config`` holds its type's scalar settings (``runtime.image.games.SETTINGS``), its
texts (8-ball ``answers``, ``fortunes``) and, for slots, ``symbols`` (name -> weight) and
``payouts`` (``{line: [a, b, c], pays: N}``, tried in order).  Everything the author leaves
out gets the documented default (``runtime.image.games``), so the image always carries the
whole game.  Problems are MM4016 (bad game configuration); the expected return of a slot
machine is checked by ``compiler.checks.games``.
"""

from __future__ import annotations

from typing import Any

from compiler.assemble import Assembler, Path_, _text
from compiler.diagnostics import did_you_mean
from compiler.loader import SourceDoc
from runtime.image import games as g
from runtime.image import model

SLOT_KEYS = ("symbols", "payouts")


def _keys(gtype: str) -> list[str]:
    keys = list(g.SETTINGS.get(gtype, {}))
    if gtype in g.LISTS:
        keys.append(g.LISTS[gtype])
    if gtype == "slots":
        keys += SLOT_KEYS
    return keys


def build_game(a: Assembler, doc: SourceDoc) -> model.Game:
    d = doc.data
    gtype = _text(d.get("type"))
    room = a.ref(doc, ("room",), ("room",), "game room") if d.get("room") is not None else None
    known = g.SETTINGS.get(gtype, {})
    allowed = _keys(gtype)
    values: dict[str, model.Scalar] = dict(g.defaults(gtype, a.currency.starting_balance))
    config = d.get("config") or {}
    texts: tuple[str, ...] = ()
    symbols: tuple[model.SlotSymbol, ...] = g.DEFAULT_SYMBOLS if gtype == "slots" else ()
    payouts: tuple[model.PayLine, ...] = g.DEFAULT_PAYOUTS if gtype == "slots" else ()
    given_symbols = given_payouts = False
    if isinstance(config, dict):
        for key, val in config.items():
            p: Path_ = ("config", key)
            key = str(key)
            if key not in allowed:
                a.diags.error(
                    "MM4016",
                    f"game type '{gtype}' has no config key '{key}'",
                    doc.marks.span(p, key=True),
                    did_you_mean(key, allowed)
                    or (f"keys: {', '.join(allowed)}" if allowed else "this game takes no config"),
                )
                continue
            if key == g.LISTS.get(gtype):
                texts = _texts(a, doc, p, val) or texts
            elif key == "symbols":
                symbols, given_symbols = _symbols(a, doc, p, val), True
            elif key == "payouts":
                payouts, given_payouts = _payouts(a, doc, p, val), True
            else:
                value = _scalar(a, doc, p, val, known[key])
                if value is not None:
                    values[key] = value
    if gtype in g.LISTS and not texts:
        texts = g.DEFAULT_ANSWERS if gtype == "eightball" else g.DEFAULT_FORTUNES
    if gtype == "slots":
        _check_slots(a, doc, values, symbols, payouts, given_symbols, given_payouts)
    if gtype == "tinyhack":
        levels = values.get("levels")
        if isinstance(levels, int) and not 1 <= levels <= g.MAX_LEVELS:
            a.diags.error(
                "MM4016",
                f"tinyhack levels must be 1 to {g.MAX_LEVELS}, not {levels}",
                doc.marks.span(("config", "levels")),
            )
    entries = tuple(model.ConfigEntry(k, values[k]) for k in sorted(values))
    return model.Game(d["id"], gtype, room, entries, texts, symbols, payouts)


def _scalar(a: Assembler, doc: SourceDoc, p: Path_, val: Any, kind: str) -> model.Scalar | None:
    value: model.Scalar | None
    if kind == "money":
        value = a.money(doc, p)
        if isinstance(value, int) and value < 0:
            a.diags.error("MM4016", f"config '{p[-1]}' must not be negative", doc.marks.span(p))
            return None
        return value
    if kind == "int":
        value = val if isinstance(val, int) and not isinstance(val, bool) else None
    else:
        value = val if isinstance(val, bool) else None
    if value is None:
        a.diags.error("MM4016", f"config '{p[-1]}' must be {'a whole number' if kind == 'int' else 'true or false'},"
                      f" not '{val}'", doc.marks.span(p))
    return value


def _texts(a: Assembler, doc: SourceDoc, p: Path_, val: Any) -> tuple[str, ...]:
    if not isinstance(val, list) or not val:
        a.diags.error("MM4016", f"config '{p[-1]}' must be a list of texts", doc.marks.span(p),
                      f"e.g. {p[-1]}: [Yes., No.]")
        return ()
    out: list[str] = []
    for i, item in enumerate(val[: g.MAX_TEXTS]):
        text = " ".join(str(item).split()) if isinstance(item, (str, int)) and not isinstance(item, bool) else ""
        if not text:
            a.diags.error("MM4016", "an empty or non-text entry", doc.marks.span((*p, i)))
            continue
        if len(text.encode("utf-8")) > g.TEXT_BYTES:
            a.diags.error(
                "MM4016",
                f"this text is {len(text.encode('utf-8'))} bytes; at most {g.TEXT_BYTES} fit a frame",
                doc.marks.span((*p, i)),
                "shorten it",
            )
            continue
        out.append(text)
    if len(val) > g.MAX_TEXTS:
        a.diags.error("MM4016", f"{len(val)} texts; at most {g.MAX_TEXTS}", doc.marks.span(p))
    return tuple(out)


def _symbols(a: Assembler, doc: SourceDoc, p: Path_, val: Any) -> tuple[model.SlotSymbol, ...]:
    if not isinstance(val, dict) or not val:
        a.diags.error("MM4016", "slots 'symbols' maps each symbol to its weight", doc.marks.span(p),
                      "e.g. symbols: {cherry: 5, bell: 3, seven: 1}")
        return ()
    out: list[model.SlotSymbol] = []
    for name, weight in val.items():
        sp: Path_ = (*p, name)
        label = str(name).lower()
        if not label.isalnum() or len(label) > g.SYMBOL_CHARS:
            a.diags.error("MM4016", f"symbol name '{name}' must be one word of at most {g.SYMBOL_CHARS} letters",
                          doc.marks.span(sp, key=True))
            continue
        if label == g.ANY:
            a.diags.error("MM4016", f"'{g.ANY}' is the wildcard of payout lines, not a symbol",
                          doc.marks.span(sp, key=True), "rename the symbol")
            continue
        if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
            a.diags.error("MM4016", f"symbol '{name}' needs a whole-number weight of at least 1, not '{weight}'",
                          doc.marks.span(sp))
            continue
        out.append(model.SlotSymbol(label, weight))
    if len(out) > g.MAX_SYMBOLS:
        a.diags.error("MM4016", f"{len(out)} symbols; at most {g.MAX_SYMBOLS}", doc.marks.span(p, key=True))
    return tuple(out)


def _payouts(a: Assembler, doc: SourceDoc, p: Path_, val: Any) -> tuple[model.PayLine, ...]:
    example = "e.g. payouts: [{line: [seven, seven, seven], pays: 50}, {line: [cherry, any, any], pays: 1}]"
    if not isinstance(val, list) or not val:
        a.diags.error("MM4016", "slots 'payouts' is a list of {line, pays}", doc.marks.span(p), example)
        return ()
    out: list[model.PayLine] = []
    for i, entry in enumerate(val):
        ep: Path_ = (*p, i)
        line = entry.get("line") if isinstance(entry, dict) else None
        pays = entry.get("pays") if isinstance(entry, dict) else None
        if (
            not isinstance(line, list)
            or not line
            or not isinstance(pays, int)
            or isinstance(pays, bool)
            or set(entry) - {"line", "pays"}
        ):
            a.diags.error("MM4016", "a payout is {line: [SYMBOL, …], pays: N}", doc.marks.span(ep), example)
            continue
        out.append(model.PayLine(tuple(str(s).lower() for s in line), pays))
    return tuple(out)


def _check_slots(
    a: Assembler,
    doc: SourceDoc,
    values: dict[str, model.Scalar],
    symbols: tuple[model.SlotSymbol, ...],
    payouts: tuple[model.PayLine, ...],
    given_symbols: bool,
    given_payouts: bool,
) -> None:
    lo, hi = values.get("min_bet"), values.get("max_bet")
    if isinstance(lo, int) and isinstance(hi, int):
        if lo > hi:
            a.diags.error(
                "MM4016", "min_bet is larger than max_bet", doc.marks.span(("config", "min_bet")), "swap them"
            )
        elif lo <= 0:
            a.diags.error("MM4016", "min_bet must be more than nothing", doc.marks.span(("config", "min_bet")))
    if not symbols or not payouts:
        return  # already reported
    if given_symbols and not given_payouts:
        a.diags.error(
            "MM4016",
            "slots with their own symbols need their own payouts",
            doc.marks.span(("config", "symbols"), key=True),
            "add payouts: [{line: [SYMBOL, SYMBOL, SYMBOL], pays: N}, …]",
        )
        return
    problems = g.table_problems(symbols, payouts)
    if problems:
        where = ("config", "payouts") if given_payouts else ("config", "symbols")
        a.diags.error(
            "MM4016",
            "the slot machine's table: " + "; ".join(dict.fromkeys(problems)),
            doc.marks.span(where, key=True),
            "the default symbols are " + ", ".join(s.name for s in g.DEFAULT_SYMBOLS) if not given_symbols else None,
        )


def build_board(a: Assembler, doc: SourceDoc) -> model.Board:
    d = doc.data
    room = a.ref(doc, ("room",), ("room",), "board room") if d.get("room") is not None else None
    keep = d.get("keep")
    return model.Board(d["id"], _text(d.get("name")), room, keep if isinstance(keep, int) else model.Board.keep)


def build_messages(doc: SourceDoc) -> model.Messages:
    """The world's ``messages: {inbox, length}`` (the schema has checked the ranges)."""
    raw = doc.data.get("messages")
    base = model.Messages()
    if not isinstance(raw, dict):
        return base
    inbox, length = raw.get("inbox"), raw.get("length")
    return model.Messages(
        inbox=inbox if isinstance(inbox, int) and not isinstance(inbox, bool) else base.inbox,
        length=length if isinstance(length, int) and not isinstance(length, bool) else base.length,
    )
