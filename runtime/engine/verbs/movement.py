"""Movement: the twelve directions with their short forms, and GO DIR.

An exit whose ``when`` is false refuses with its ``blocked`` message."""

from __future__ import annotations

from runtime.engine.context import Context, Owner
from runtime.engine.registry import Verb, VerbHandler
from runtime.engine.world_view import direction
from runtime.image.directions import DIRECTIONS, SHORT
from runtime.image.render import exits_line

HINT = "n, s, e, w, ne, nw, se, sw, u, d, in, out"


def go(ctx: Context, word: str) -> None:
    d = direction(word)
    if d is None:
        ctx.fail(f"'{word}' is not a direction. Try {HINT}.")
    room = ctx.room(ctx.player.room)
    if room is None:
        ctx.fail("You are nowhere. Ask staff for help.")
    ex = next((e for e in room.exits if e.direction == d), None)
    if ex is None:
        ctx.fail(f"You can't go {d}. {exits_line(room)}.")
    if ex.when is not None and not ctx.evaluate(ex.when, Owner("room", room.id)):
        ctx.fail(ex.blocked or f"The way {d} is blocked.")
    ctx.move_to(ex.to, d)


def do_go(ctx: Context) -> None:
    if not ctx.command.words:
        ctx.fail(f"Go where? e.g. go north ({HINT}).")
    go(ctx, ctx.command.words[0])


def _direction_verb(d: str) -> Verb:
    def handler(ctx: Context) -> None:
        go(ctx, d)

    h: VerbHandler = handler
    aliases = (SHORT[d],) if SHORT[d] != d else ()
    return Verb(d, h, aliases=aliases, usage=d, summary=f"walk {d}", example=SHORT[d], listed=False,
                abbreviate=False, shows_room=True, topic="move")


VERBS: tuple[Verb, ...] = (
    Verb("go", do_go, usage="go DIR", summary=f"walk that way ({HINT}); or just type the direction",
         example="go north", abbreviate=False, shows_room=True, topic="move"),
    *(_direction_verb(d) for d in DIRECTIONS),
)
