"""GAMES and PLAY: the world's ``kind: game`` documents, played where they stand.

A game with a ``room`` is played there; one without is played anywhere.  ``play GAME [ARGS]``
names the game by its id (``games.slots``) or the id's last segment (``slots``), case
ignored; the rest of the line goes to the game.  Each game type is a small module:
``texts`` (eightball, fortune), ``slots``, ``tinyhack`` (rules in ``dungeon``).  docs/games.md
tells players and authors how they play.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from runtime.engine.context import Context
from runtime.engine.registry import Verb
from runtime.image.model import Game
from runtime.systems.games.common import money_setting, short_name
from runtime.systems.games.slots import play_slots
from runtime.systems.games.texts import play_eightball, play_fortune
from runtime.systems.games.tinyhack import play_tinyhack

Player = Callable[[Context, Game, str], None]

PLAYERS: Mapping[str, Player] = {
    "eightball": play_eightball,
    "fortune": play_fortune,
    "slots": play_slots,
    "tinyhack": play_tinyhack,
}


def here(ctx: Context) -> list[Game]:
    """The games playable in the player's room: its own, then those playable anywhere."""
    room = ctx.player.room
    games = ctx.world.world.games
    return [g for g in games if g.room == room] + [g for g in games if g.room is None]


def _usage(ctx: Context, game: Game) -> str:
    name = short_name(game).upper()
    if game.type == "slots":
        lo, hi = money_setting(game, "min_bet"), money_setting(game, "max_bet")
        return f"{name} BET ({ctx.money(lo)}-{ctx.money(hi)})"
    if game.type == "eightball":
        return f"{name} QUESTION"
    if game.type == "fortune":
        cost = money_setting(game, "cost")
        return name + (f" ({ctx.money(cost)})" if cost > 0 else "")
    return name


def do_games(ctx: Context) -> None:
    games = here(ctx)
    if not games:
        ctx.reply("There are no games here.")
        return
    ctx.reply("Games here: PLAY " + ", ".join(_usage(ctx, g) for g in games) + ".")


def _named(games: list[Game], word: str) -> list[Game]:
    w = word.lower()
    return [g for g in games if w in (g.id, short_name(g))]


def do_play(ctx: Context) -> None:
    word, _, rest = ctx.command.args.strip().partition(" ")
    if not word:
        games = here(ctx)
        if not games:
            ctx.fail("There are no games here.")
        ctx.fail("Play what? PLAY " + ", ".join(_usage(ctx, g) for g in games) + ".")
    found = _named(here(ctx), word)
    if not found:
        elsewhere = _named(list(ctx.world.world.games), word)
        if elsewhere:
            room = ctx.room(elsewhere[0].room or "")
            where = f" Go to the {room.name}." if room is not None else ""
            ctx.fail(f"You can't play {short_name(elsewhere[0])} here.{where}")
        shown = word if len(word) <= 20 else word[:20] + "…"
        ctx.fail(f"No game called '{shown}' here. GAMES lists them.")
    if len(found) > 1:
        ctx.fail("Which one: " + " or ".join(g.id for g in found) + "?")
    game = found[0]
    player = PLAYERS.get(game.type)
    if player is None:  # the verifier refuses unknown types; a guard all the same
        ctx.fail(f"{short_name(game)} cannot be played on this server.")
    player(ctx, game, rest.strip())


VERBS: tuple[Verb, ...] = (
    Verb("games", do_games, usage="games", summary="the games you can play here", example="games", topic="games"),
    Verb("play", do_play, usage="play GAME [ARGS]",
         summary="play a game here: slots BET, tinyhack n|s|e|w|fight|take, eightball, fortune",
         example="play slots 1.00", topic="games"),
)
