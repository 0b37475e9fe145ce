"""The conversation itself: MORE (the rest of a long reply) and QUIT."""

from __future__ import annotations

from runtime.engine.context import Context
from runtime.engine.registry import Verb


def do_more(ctx: Context) -> None:
    rest = ctx.session.pending
    if rest is None:
        ctx.fail("Nothing more.")
    ctx.session.pending = None
    ctx.reply(rest)


def do_quit(ctx: Context) -> None:
    me = ctx.player
    ctx.session.ending = True
    ctx.to_others(f"{me.name} falls asleep.", tag=(me.key, me.room, -1))
    ctx.reply(f"Bye, {me.name}. Your things are safe; send any command to come back.")
    ctx.log_event("quit", {}, me.key, me.room)


VERBS: tuple[Verb, ...] = (
    Verb("more", do_more, usage="more", summary="the rest of a long reply", example="more", topic="basics"),
    Verb("quit", do_quit, usage="quit", summary="leave the world (your things stay)", example="quit",
         topic="basics"),
)
