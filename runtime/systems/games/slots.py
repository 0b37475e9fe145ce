"""The slot machine: ``play slots BET``, and ``play slots table`` for the payout table.

A spin takes the bet from the player (ledger: player -> ``game:ID``, reason ``slots bet``),
draws one symbol per reel by the symbols' weights from the engine's random source, and pays the
first payout line the reels match: bet x ``pays`` (ledger: ``game:ID`` -> player, ``slots
win``).  The bet must lie within ``min_bet`` and ``max_bet``.  Everything happens in the
command's transaction, so a refused spin changes nothing.  The table's expected return is the
compiler's business (MM5005 warns above 100 %); ``play slots table`` shows it to players too.
"""

from __future__ import annotations

import random

from runtime.engine.context import Context
from runtime.engine.state import InsufficientFunds
from runtime.image.games import expected_return, line_for, percent, reel_count
from runtime.image.model import Game, PayLine
from runtime.systems.games.common import ledger_party, money_setting

BIG_WIN = 10
"""A win of at least this multiple is announced to the room."""


def spin(rng: random.Random, game: Game) -> tuple[tuple[str, ...], PayLine | None]:
    """The reels of one spin and the line they pay (None: nothing)."""
    total = sum(s.weight for s in game.symbols)
    reels: list[str] = []
    for _ in range(reel_count(game.payouts)):
        r = rng.randrange(total)
        for s in game.symbols:
            r -= s.weight
            if r < 0:
                reels.append(s.name)
                break
    return tuple(reels), line_for(reels, game.payouts)


def table(game: Game) -> str:
    lines = ", ".join(f"{' '.join(line.reels)} {line.pays}x" for line in game.payouts)
    return f"Slots pay (x bet): {lines}. Returns {percent(expected_return(game.symbols, game.payouts))} on average."


def play_slots(ctx: Context, game: Game, args: str) -> None:
    lo, hi = money_setting(game, "min_bet"), money_setting(game, "max_bet")
    words = args.split()
    if words and words[0].lower() in ("table", "pays", "payouts"):
        ctx.reply(table(game))
        return
    if len(words) != 1:
        ctx.fail(f"Bet how much? PLAY SLOTS BET, from {ctx.money(lo)} to {ctx.money(hi)}. PLAY SLOTS TABLE shows the pays.")
    bet = ctx.parse_money(words[0])
    if not lo <= bet <= hi:
        ctx.fail(f"Bets are from {ctx.money(lo)} to {ctx.money(hi)}.")
    me = ctx.player
    party = ledger_party(game)
    try:
        ctx.state.adjust_balance(me.key, -bet)
    except InsufficientFunds as exc:
        ctx.fail(f"You can't bet {ctx.money(bet)}: you have {ctx.money(exc.balance)}.")
    ctx.state.ledger(me.key, party, bet, "slots bet", ctx.now_ms)
    reels, line = spin(ctx.rng, game)
    shown = "[" + "|".join(reels) + "]"
    won = bet * line.pays if line is not None else 0
    if won > 0:
        balance = ctx.state.adjust_balance(me.key, won)
        ctx.state.ledger(party, me.key, won, "slots win", ctx.now_ms)
        assert line is not None
        ctx.reply(f"{shown} {line.pays}x: you win {ctx.money(won)}! You have {ctx.money(balance)}.")
        if line.pays >= BIG_WIN:
            ctx.to_others(f"{me.name} wins {ctx.money(won)} on the slots!")
    else:
        ctx.reply(f"{shown} No win. You have {ctx.money(ctx.player.balance)}.")
    ctx.log_event("game", {"game": game.id, "type": game.type, "bet": bet, "won": won}, me.key, me.room)
