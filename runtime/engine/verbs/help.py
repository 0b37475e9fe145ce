"""HELP: the list of commands (what the player may use), or one command or topic in detail."""

from __future__ import annotations

import difflib

from runtime.engine.context import Context
from runtime.engine.registry import Verb
from runtime.engine.world_view import DIRECTIONS, SHORT


def listing(ctx: Context) -> str:
    """The HELP page: every listed verb the player may use, directions summarised."""
    verbs = [v for v in ctx.registry.visible(ctx.player.rank) if v.listed]
    names = [v.name + (f"({v.aliases[0]})" if v.aliases and len(v.aliases[0]) < len(v.name) else "") for v in verbs]
    moves = " ".join(SHORT[d] for d in DIRECTIONS)
    return f"Commands: {', '.join(names)}. Move: {moves}. HELP CMD for more."


def page(verb: Verb) -> str:
    also = f" (also {', '.join(verb.aliases)})" if verb.aliases else ""
    example = f" e.g. {verb.example}" if verb.example else ""
    return f"{verb.usage or verb.name}{also}: {verb.summary}.{example}"


def do_help(ctx: Context) -> None:
    topic = ctx.command.args.strip().lower().lstrip("/") if ctx.command.args else ""
    if not topic:
        ctx.reply(listing(ctx))
        return
    level = ctx.player.rank
    for word in (topic, "/" + topic):
        found = ctx.registry.lookup(word, level).verb
        if found is not None:
            ctx.reply(page(found))
            return
    text = ctx.registry.help_topics.get(topic)
    if text is not None:
        ctx.reply(text)
        return
    known = [v.name for v in ctx.registry.visible(level)] + list(ctx.registry.help_topics)
    close = difflib.get_close_matches(topic, known, n=1, cutoff=0.6)
    hint = f" Did you mean HELP {close[0].upper()}?" if close else " Type HELP for the list."
    ctx.fail(f"No help on '{topic}'.{hint}")


VERBS: tuple[Verb, ...] = (
    Verb("help", do_help, aliases=("?",), usage="help [TOPIC]", summary="the commands, or one in detail",
         example="help take"),
)
