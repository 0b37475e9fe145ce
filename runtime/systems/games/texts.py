"""The 8-ball and the fortune teller: one frame each, texts from the world file.

``play eightball [QUESTION]`` answers with one of the game's ``answers`` (a question is
optional: you may just shake the ball).  ``play fortune`` tells one of its ``fortunes``; a
fortune with a ``cost`` charges it through the ledger (player -> ``game:ID``), refused when the
player cannot pay.  Both draw from the engine's random source, so ``--seed`` fixes them.
"""

from __future__ import annotations

from runtime.engine.context import Context
from runtime.engine.state import InsufficientFunds
from runtime.image.model import Game
from runtime.systems.games.common import ledger_party, money_setting


def play_eightball(ctx: Context, game: Game, args: str) -> None:
    answer = game.texts[ctx.rng.randrange(len(game.texts))]
    ctx.reply(f"The 8-ball says: {answer}")
    ctx.log_event("game", {"game": game.id, "type": game.type}, ctx.player_key, ctx.player.room)


def play_fortune(ctx: Context, game: Game, args: str) -> None:
    cost = money_setting(game, "cost")
    me = ctx.player
    paid = ""
    if cost > 0:
        try:
            left = ctx.state.adjust_balance(me.key, -cost)
        except InsufficientFunds as exc:
            ctx.fail(f"A fortune costs {ctx.money(cost)}; you have {ctx.money(exc.balance)}.")
        ctx.state.ledger(me.key, ledger_party(game), cost, "fortune", ctx.now_ms)
        paid = f" ({ctx.money(cost)}; you have {ctx.money(left)})"
    fortune = game.texts[ctx.rng.randrange(len(game.texts))]
    ctx.reply(f"Your fortune{paid}: {fortune}")
    ctx.log_event("game", {"game": game.id, "type": game.type, "cost": cost}, me.key, me.room)
