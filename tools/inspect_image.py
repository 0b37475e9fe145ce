"""``meshmush inspect``: a human-readable dump of an image with every trigger disassembled."""

from __future__ import annotations

from collections.abc import Iterator

from runtime.image import model
from runtime.image.codec import ImageInfo
from runtime.image.disasm import disassemble, literal
from runtime.image.games import SETTINGS, expected_return, percent
from runtime.image.money import format_amount
from runtime.image.words import count


def _default(var: model.StateVar, money: model.Currency) -> str:
    if var.type == "money" and isinstance(var.default, int):
        return format_amount(var.default, money)
    return literal(var.default)


def _code(title: str, code: model.Code) -> Iterator[str]:
    yield f"    == {title}  ({code.file}, {count(len(code.ops), 'byte')}, max {count(code.max_steps, 'step')},"
    yield f"       {count(code.max_messages, 'message')})"
    for line in disassemble(code):
        yield f"      {line}"


def _triggers(owner: str, triggers: tuple[model.Trigger, ...]) -> Iterator[str]:
    for t in triggers:
        extra = f" match={t.match}" if t.match else ""
        extra += f" every={t.every}s" if t.every else ""
        yield from _code(f"{owner} on {t.event}{extra} (line {t.line})", t.code)


def render_inspect(world: model.World, info: ImageInfo) -> str:
    money = world.currency
    out: list[str] = [
        f"image: format {info.version}, {info.size} bytes",
        f"sha256: {info.content_hash}",
        f'world: {world.id} "{world.title}" (format {world.format}), start {world.start}',
        f"currency: {money.mode}, starting balance {format_amount(money.starting_balance, money)}",
        "counts: "
        + ", ".join(
            f"{name} {len(items)}"
            for name, items in (
                ("rooms", world.rooms),
                ("objects", world.objects),
                ("npcs", world.npcs),
                ("shops", world.shops),
                ("housing", world.housing),
                ("games", world.games),
                ("boards", world.boards),
                ("state", world.state),
            )
        ),
        "",
        "state:",
    ]
    out += [f"  {v.name}: {v.type} = {_default(v, money)}" for v in world.state]
    if world.triggers:
        out.append("world triggers:")
        out += _triggers("world", world.triggers)
    out.append("rooms:")
    for r in world.rooms:
        exits = " ".join(f"{e.direction}->{e.to}{'?' if e.when else ''}" for e in r.exits)
        out.append(f'  {r.id} "{r.name}" exits: {exits or "-"}')
        if r.objects:
            out.append(f"    objects: {', '.join(r.objects)}")
        for e in r.exits:
            if e.when is not None:
                out += _code(f"exit {e.direction} when", e.when)
        out += _triggers(r.id, r.triggers)
    out.append("objects:")
    for o in world.objects:
        flags = ("takeable " if o.takeable else "") + (f"shop={o.shop} " if o.shop else "")
        out.append(f'  {o.id} "{o.name}" {flags}value {format_amount(o.value, money)}')
        out += _triggers(o.id, o.triggers)
    if world.npcs:
        out.append("npcs:")
    for n in world.npcs:
        out.append(f'  {n.id} "{n.name}" in {n.room}, {count(len(n.dialogue), "dialogue node")}')
        for node in n.dialogue:
            if node.do is not None:
                out += _code(f"node {node.id} do", node.do)
            for i, opt in enumerate(node.options, 1):
                if opt.when is not None:
                    out += _code(f"node {node.id} option {i} when", opt.when)
        out += _triggers(n.id, n.triggers)
    for s in world.shops:
        out.append(f'shop {s.id} "{s.name}" in {s.room or "(vending)"}')
        for st in s.stock:
            qty = "unlimited" if st.quantity is None else str(st.quantity)
            out.append(f"  sells {st.item} {format_amount(st.price, money)} x{qty}")
        for bu in s.buys:
            out.append(f"  buys {bu.item} {format_amount(bu.price, money)}")
    for h in world.housing:
        out.append(f"housing {h.id} office {h.office}: " + ", ".join(t.key for t in h.templates))
    for g in world.games:
        out.append(f"game {g.id} ({g.type}) in {g.room or 'anywhere'}")
        out += _game_details(g, money)
    for b in world.boards:
        out.append(f'board {b.id} "{b.name}" in {b.room or "anywhere"}, keeps {b.keep} posts')
    out.append(f"messages: inbox {world.messages.inbox}, length {world.messages.length} bytes")
    return "\n".join(out) + "\n"


def _game_details(g: model.Game, money: model.Currency) -> list[str]:
    """A game's settings, texts and slot table, indented under it."""
    money_keys = {k for k, kind in SETTINGS.get(g.type, {}).items() if kind == "money"}
    shown = [
        f"{e.key}={format_amount(e.value, money) if e.key in money_keys and isinstance(e.value, int) else e.value}"
        for e in g.config
    ]
    out = [f"  config: {' '.join(shown)}"] if shown else []
    if g.texts:
        out.append(f"  {len(g.texts)} texts")
    if g.symbols:
        out.append("  symbols: " + " ".join(f"{s.name}={s.weight}" for s in g.symbols))
        out += [f"  pays {line.pays}x: {' '.join(line.reels)}" for line in g.payouts]
        out.append(f"  expected return {percent(expected_return(g.symbols, g.payouts))}")
    return out
