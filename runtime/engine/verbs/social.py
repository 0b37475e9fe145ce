"""Talking to other players: SAY (the room hears it; room ``say`` triggers with a ``match``
word may answer or ``stop`` it), WHISPER (only its target, who must be here), EMOTE, WHO."""

from __future__ import annotations

from runtime.engine.context import Context, Owner
from runtime.engine.notices import looks_like_notice, one_line
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Verb
from runtime.frames import utf8_len

MAX_SPEECH_BYTES = 160
"""Longest SAY/WHISPER/EMOTE text, so "Name says: text" fits one frame."""


def _speech(ctx: Context, text: str, what: str, example: str) -> str:
    text = one_line(text)  # never a line break in a player's text (runtime/engine/notices.py)
    if not text:
        ctx.fail(f"{what} what? e.g. {example}")
    if utf8_len(text) > MAX_SPEECH_BYTES:
        ctx.fail(f"Too long: at most {MAX_SPEECH_BYTES} bytes (you wrote {utf8_len(text)}).")
    return text


def do_say(ctx: Context) -> None:
    text = _speech(ctx, ctx.command.args, "Say", "say hello")
    me = ctx.player
    online = ctx.presence.is_online
    others = [k for k in ctx.state.keys_in_room(me.room) if k != me.key and online(k)]
    mark = ctx.out.mark(me.key)
    if not ctx.world.triggers("room", me.room, "say"):  # the common case: nothing can answer first
        ctx.out.insert(me.key, mark, f"You say: {text}")
        ctx.to_room(me.room, f"{me.name} says: {text}", (me.key,))
        ctx.log_event("say", {"bytes": utf8_len(text)}, me.key, me.room)
        return
    marks = {k: ctx.out.mark(k) for k in others}
    if ctx.fire("say", Owner("room", me.room), room=me.room, said=text):
        return
    ctx.out.insert(me.key, mark, f"You say: {text}")
    for key in others:  # what was said comes before what a trigger answered
        ctx.out.insert(key, marks[key], f"{me.name} says: {text}")
    ctx.log_event("say", {"bytes": utf8_len(text)}, me.key, me.room)


def do_whisper(ctx: Context) -> None:
    words = ctx.command.args.split(" ", 1)
    if not words[0]:
        ctx.fail("Whisper to whom? e.g. whisper Ana meet me at the well")
    if len(words) < 2 or not words[1].strip():
        ctx.fail(f"Whisper what to {words[0][:20]}? e.g. whisper {words[0][:20]} meet me at the well")
    name, text = words[0], _speech(ctx, words[1].strip(), "Whisper", "whisper Ana hi")
    me = ctx.player
    here = [Candidate(p, p.name, ()) for p in ctx.online_in_room(me.room, (me.key,))]
    found = match(name, here)
    if found.item is None:
        if found.problem:
            ctx.fail(found.problem)
        ctx.fail(f"{name} is not here." if name.lower() != me.name.lower() else "You mutter to yourself.")
    target = found.item
    ctx.reply(f"You whisper to {target.name}: {text}")
    ctx.tell(target.key, f"{me.name} whispers: {text}")


def do_emote(ctx: Context) -> None:
    text = _speech(ctx, ctx.command.args, "Emote", "emote waves")
    me = ctx.player
    if looks_like_notice(me.name):
        ctx.fail(f"Emotes start with your name, and '{me.name}' reads like a system message. Ask staff"
                 " for another name.")
    sep = "" if text[0] in "'," else " "
    end = "" if text[-1] in ".!?…" or not text[-1].isalnum() else "."
    line = f"{me.name}{sep}{text}{end}"
    ctx.reply(line)
    ctx.to_others(line)


def do_who(ctx: Context) -> None:
    names = sorted(ctx.state.names_of(ctx.presence.online_keys()), key=str.lower)
    ctx.reply(f"Online ({len(names)}): " + ", ".join(names) + ".")


VERBS: tuple[Verb, ...] = (
    Verb("say", do_say, usage="say TEXT", summary='speak to everyone here (or start with ")',
         example="say hello", topic="talk"),
    Verb("whisper", do_whisper, usage="whisper NAME TEXT", summary="speak to one player here, privately",
         example="whisper Ana hi", topic="talk"),
    Verb("emote", do_emote, usage="emote TEXT", summary="act: EMOTE waves shows 'Ana waves.' (or start with :)",
         example="emote waves", topic="talk"),
    Verb("who", do_who, usage="who", summary="who is online", example="who", topic="talk"),
)
