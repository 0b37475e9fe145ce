"""HELP: one short frame with the most useful commands and the topics; ``HELP TOPIC`` lists a
topic's commands (paged by MORE when long); ``HELP COMMAND`` shows one command's usage and an
example.

Topics come from ``Verb.topic`` (``"move"``, ``"items"``, ``"talk"``, ``"money"`` …, set by
each system for its verbs; a verb without one is under ``OTHER_TOPIC``) and from
``Hooks.help_topics`` (a text; shown first on a topic page of the same name).  HELP lists only
the topics with a command the player may use, so it stays one frame however many systems are
loaded: a test checks it for every staff level.
"""

from __future__ import annotations

import difflib

from runtime.engine.context import Context
from runtime.engine.registry import OTHER_TOPIC, Verb
from runtime.frames import DEFAULT_FRAME_BYTES, utf8_len

USEFUL = ("look", "north", "take", "say", "who")
"""The commands HELP suggests first (those the registry has)."""
SHOWN_AS = {"north": "n/s/e/w"}


def _grants(ctx: Context) -> frozenset[str]:
    """The player's grants (``builder``): its commands are theirs to see too."""
    return frozenset(str(r[1]) for r in ctx.state.txn.find("staff_grants", "player", ctx.player_key))


def _visible(ctx: Context) -> list[Verb]:
    return ctx.registry.visible(ctx.player.rank, _grants(ctx))


def topics(ctx: Context) -> list[str]:
    """Topics with a listed command this player may use, then text-only topics."""
    seen = {v.topic or OTHER_TOPIC for v in _visible(ctx) if v.listed}
    names = [t for t in ctx.registry.topics if t in seen]
    return names + [t for t in ctx.registry.help_topics if t not in names]


def listing(ctx: Context) -> str:
    """The HELP page: one frame."""
    visible = {v.name: v for v in _visible(ctx)}
    useful = [SHOWN_AS.get(w, visible[w].example or w) for w in USEFUL if w in visible]
    tail = f"Help on: {' '.join(t.upper() for t in topics(ctx))}. HELP TOPIC or HELP COMMAND for more."
    text = f"Try: {', '.join(useful)}.\n{tail}" if useful else tail
    if utf8_len(text) > DEFAULT_FRAME_BYTES:  # many systems: the topics matter more
        text = tail
    return text


def usage(verb: Verb) -> str:
    short = [a for a in verb.aliases if len(a) < len(verb.name)]
    also = f" ({', '.join(short)})" if short else ""
    return f"{verb.usage or verb.name}{also}"


def page(verb: Verb) -> str:
    also = f" (also {', '.join(verb.aliases)})" if verb.aliases else ""
    example = f" e.g. {verb.example}" if verb.example else ""
    return f"{verb.usage or verb.name}{also}: {verb.summary}.{example}"


def topic_page(ctx: Context, topic: str) -> str | None:
    """A topic's text (from a system's ``help_topics``) and its commands, one a line."""
    verbs = [v for v in _visible(ctx) if v.listed and (v.topic or OTHER_TOPIC) == topic]
    text = ctx.registry.help_topics.get(topic)
    if not verbs and text is None:
        return None
    lines = [text] if text is not None else []
    if verbs:
        lines += [f"{usage(v)}: {v.summary}" for v in verbs]
        lines.append("HELP COMMAND for an example.")
    return "\n".join(lines)


def do_help(ctx: Context) -> None:
    topic = ctx.command.args.strip().lower().lstrip("/") if ctx.command.args else ""
    if not topic:
        ctx.reply(listing(ctx))
        return
    text = topic_page(ctx, topic)
    if text is not None:
        ctx.reply(text)
        return
    level = ctx.player.rank
    for word in (topic, "/" + topic):
        found = ctx.registry.lookup(word, level, _grants(ctx)).verb
        if found is not None:
            ctx.reply(page(found))
            return
    known = [v.name for v in _visible(ctx)] + topics(ctx)
    close = difflib.get_close_matches(topic, known, n=1, cutoff=0.6)
    hint = f" Did you mean HELP {close[0].upper()}?" if close else " Type HELP for the list."
    ctx.fail(f"No help on '{topic[:20]}'.{hint}")


VERBS: tuple[Verb, ...] = (
    Verb("help", do_help, aliases=("?",), usage="help [TOPIC|COMMAND]",
         summary="the topics, a topic's commands, or one command in detail", example="help take",
         topic="basics"),
)
