"""``kind: game`` — a game players play: tinyhack, eightball, fortune or slots, with settings."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from compiler import games
from compiler.checks.games import check_slots_return
from compiler.kinds import CheckInput, CompilerKind
from compiler.kinds.schema_parts import ID, MONEY, described
from runtime.image import model
from runtime.image.games import SETTINGS, expected_return, percent
from runtime.image.kinds import BY_NAME
from runtime.image.money import format_amount

IMAGE = BY_NAME["game"]


def properties() -> dict[str, Any]:
    texts = {"type": "array", "minItems": 1, "maxItems": 100, "items": {"type": "string", "minLength": 1}}
    game_config = {
        "type": "object",
        "description": "Game settings by type (see docs/games.md); omitted ones get the documented defaults",
        "properties": {
            "min_bet": described(MONEY, "slots: the smallest bet"),
            "max_bet": described(MONEY, "slots: the largest bet"),
            "symbols": {
                "type": "object",
                "description": "slots: each symbol's weight on a reel, e.g. {cherry: 5, bell: 3, seven: 1}",
                "additionalProperties": {"type": "integer", "minimum": 1},
            },
            "payouts": {
                "type": "array",
                "description": "slots: the payout table, first matching line pays the bet times 'pays'",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["line", "pays"],
                    "properties": {
                        "line": described(
                            {"type": "array", "minItems": 1, "maxItems": 5, "items": {"type": "string"}},
                            "A symbol per reel, or 'any'",
                        ),
                        "pays": described({"type": "integer", "minimum": 1}, "Multiple of the bet paid"),
                    },
                },
            },
            "levels": described({"type": "integer", "minimum": 1, "maximum": 9}, "tinyhack: dungeon levels (default 3)"),
            "reward": described(MONEY, "tinyhack: paid for a win, once per player and dungeon seed"),
            "seed_daily": described({"type": "boolean"}, "tinyhack: one dungeon a day for everyone"),
            "cost": described(MONEY, "fortune: the price of a fortune (default free)"),
            "answers": described(texts, "eightball: the answers"),
            "fortunes": described(texts, "fortune: the fortunes"),
        },
    }
    return {
        "id": ID,
        "type": {"enum": ["tinyhack", "eightball", "fortune", "slots"], "description": "The game"},
        "room": described(ID, "Omit: playable anywhere"),
        "config": game_config,
    }


def fair_slots(c: CheckInput) -> None:
    check_slots_return(c.world, c.docs.get("game", []), c.id_spans, c.diags)


def inspect(world: model.World) -> Iterator[str]:
    for g in world.games:
        yield f"game {g.id} ({g.type}) in {g.room or 'anywhere'}"
        yield from _details(g, world.currency)


def _details(g: model.Game, money: model.Currency) -> list[str]:
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


KIND = CompilerKind(
    IMAGE,
    title="meshmush game",
    required=("id", "type"),
    properties=properties,
    inspect=inspect,
    build=games.build_game,
    checks=(fair_slots,),
)
