"""TinyHack in the engine: one saved game per player and game, a reward once per dungeon seed.

The rules are ``dungeon.py``; this module loads and saves the player's game in table
``game_saves`` (one row: the dungeon's seed and the progress as JSON), in the command's
transaction, so a game survives a restart and days of radio silence.  A new game's seed is the
day number (UTC) when the game says ``seed_daily: true`` — everyone plays the same dungeon that
day — else a fresh number from the engine's random source.  A win pays the game's ``reward``
(ledger ``game:ID`` -> player, reason ``tinyhack reward``) when table ``game_wins`` has no row
for this player, game and seed yet; the row is written with the win either way.  A save that
cannot be read (damaged by hand) is dropped with a notice and a new game starts.
"""

from __future__ import annotations

from runtime.engine.context import Context
from runtime.image.games import DEFAULT_LEVELS, setting, setting_int
from runtime.image.model import Game
from runtime.systems.games import dungeon
from runtime.systems.games.common import ledger_party, money_setting

SAVES = "game_saves"
WINS = "game_wins"
DAY_MS = 86_400_000
SEED_RANGE = 1_000_000


def _load(ctx: Context, game: Game) -> tuple[dungeon.Progress | None, bool]:
    """The player's game in progress, and whether a damaged save had to be dropped."""
    row = ctx.state.txn.get(SAVES, (ctx.player_key, game.id))
    if row is None:
        return None, False
    progress = dungeon.Progress.from_json(str(row[3]))
    if progress is None:
        ctx.state.txn.delete(SAVES, (ctx.player_key, game.id))
        return None, True
    return progress, False


def _save(ctx: Context, game: Game, p: dungeon.Progress) -> None:
    ctx.state.txn.put(SAVES, (ctx.player_key, game.id, p.seed, p.to_json(), ctx.now_ms))


def _new_seed(ctx: Context, game: Game) -> int:
    if setting(game, "seed_daily", False) is True:
        return ctx.now_ms // DAY_MS
    return ctx.rng.randrange(1, SEED_RANGE)


def _reward(ctx: Context, game: Game, seed: int) -> str:
    """Pay the reward for a won dungeon once per player and seed; the sentence to add."""
    key = (ctx.player_key, game.id, seed)
    reward = money_setting(game, "reward")
    if ctx.state.txn.get(WINS, key) is not None:
        return " You won this dungeon before: no reward this time." if reward > 0 else ""
    ctx.state.txn.put(WINS, (*key, ctx.now_ms, reward))
    if reward <= 0:
        return ""
    balance = ctx.state.adjust_balance(ctx.player_key, reward)
    ctx.state.ledger(ledger_party(game), ctx.player_key, reward, "tinyhack reward", ctx.now_ms)
    return f" Reward: {ctx.money(reward)}. You have {ctx.money(balance)}."


def play_tinyhack(ctx: Context, game: Game, args: str) -> None:
    word = args.strip().lower()
    if word in ("help", "?"):
        ctx.reply(dungeon.HELP)
        return
    progress, damaged = _load(ctx, game)
    me = ctx.player
    if progress is None:
        if word == "quit":
            ctx.fail("You are not in a TinyHack game. PLAY TINYHACK starts one.")
        levels = setting_int(game, "levels", DEFAULT_LEVELS)
        progress = dungeon.new_game(_new_seed(ctx, game), levels)
        _save(ctx, game, progress)
        lost = "Your saved game was damaged and is gone. " if damaged else ""
        goal = "Find > on each level; the dragon D waits at the bottom." if levels > 1 else (
            "The dragon D waits in the far room.")
        text = f"{lost}New dungeon #{progress.seed}. {goal}"
        ctx.reply(dungeon.view(progress, text))
        ctx.log_event("tinyhack", {"game": game.id, "seed": progress.seed, "event": "start"}, me.key, me.room)
        return
    if word == "new":
        ctx.fail("You are in a game already: PLAY TINYHACK QUIT ends it.")
    outcome = dungeon.act(progress, word, ctx.rng)
    if outcome.progress is not None:
        if outcome.moved:
            _save(ctx, game, outcome.progress)
        ctx.reply(dungeon.view(outcome.progress, outcome.text))
        return
    ctx.state.txn.delete(SAVES, (me.key, game.id))
    text = outcome.text
    if outcome.ended == "win":
        text += _reward(ctx, game, progress.seed)
        ctx.to_others(f"{me.name} has beaten TinyHack!")
    elif outcome.ended == "death":
        text += " PLAY TINYHACK for a new dungeon."
    ctx.reply(text)
    ctx.log_event("tinyhack", {"game": game.id, "seed": progress.seed, "event": outcome.ended,
                               "level": progress.level, "turns": progress.turns}, me.key, me.room)
