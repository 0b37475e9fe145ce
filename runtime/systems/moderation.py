"""Watching and moderating: /PLAYERS, /WHERE, /GOTO, /SUMMON, /MUTE, /UNMUTE, /KICK, /BAN,
/UNBAN, /BROADCAST (docs/moderation.md).

- Mutes are per player (``mutes``), bans per radio node id (``bans``: a node is what a radio
  can be refused by); both may have an end time, are checked against the clock on every use
  (so they end on time, across restarts) and are deleted by the tick once over.
- A muted player's ``say``, ``whisper``, ``emote``, ``post`` and sending ``mail`` are refused
  with one short notice and reach nobody (``MUTED_VERBS``: by verb name, so verbs added by
  other systems under these names are covered as they land).
- A banned node gets one short notice (at once if it is online, else at its next message),
  then silence: its messages are dropped before a session starts, with no reply, so it costs
  no airtime (``before`` hook).
- Nobody acts on themselves, and only on players of a lower level (``outranks``).
"""

from __future__ import annotations

import logging

from runtime.durations import format_duration, parse_duration
from runtime.engine.context import Context, WorldContext
from runtime.engine.parser import Candidate, match
from runtime.engine.registry import Hooks, Verb
from runtime.engine.state import Player
from runtime.frames import utf8_len
from runtime.systems._staff_util import NODE_ID, find_player, outranks, shown

log = logging.getLogger("meshmush.moderation")

MUTED_VERBS = frozenset({"say", "whisper", "emote", "mail", "post"})
"""Verbs a mute silences (``mail`` only when it sends: ``mail NAME TEXT``)."""

PAGE_PLAYERS = 8
MAX_REASON = 100
MAX_BROADCAST = 160
LEVEL_TAG = {"moderator": "m", "admin": "a", "sysop": "s"}


def _left(until: int | None, now: int) -> str:
    return "" if until is None else f" for {format_duration(until - now)}"


def active_mute(ctx: Context, key: str) -> tuple[int | None, str] | None:
    """(until or None, reason) of a mute in force, else None."""
    row = ctx.state.txn.get("mutes", (key,))
    if row is None or (row[1] is not None and row[1] <= ctx.now_ms):
        return None
    return (None if row[1] is None else int(row[1])), str(row[3] or "")


def active_ban(ctx: WorldContext, node: str) -> tuple[int | None, str, bool] | None:
    """(until or None, reason, notified) of a ban in force, else None."""
    row = ctx.state.txn.get("bans", (node,))
    if row is None or (row[1] is not None and row[1] <= ctx.now_ms):
        return None
    return (None if row[1] is None else int(row[1])), str(row[3] or ""), bool(row[5])


def ban_notice(until: int | None, reason: str, now: int) -> str:
    why = f": {reason}" if reason else "."
    return f"You are banned{_left(until, now)}{why}"


# ------------------------------------------------------------------ watching
def _builders(ctx: Context) -> set[str]:
    return {str(r[0]) for r in ctx.state.txn.scan("staff_grants") if r[1] == "builder"}


def _cut(text: str, limit: int) -> str:
    if utf8_len(text) <= limit:
        return text
    out = ""
    for ch in text:
        if utf8_len(out + ch) > limit - 1:
            break
        out += ch
    return out + "~"


def _player_line(p: Player, now: int, builders: set[str], budget: int) -> str:
    tag = LEVEL_TAG.get(p.level, "") + ("b" if p.key in builders else "")
    idle = format_duration(max(0, now - p.last_seen), 1)
    tail = f" {idle}" + (f" {tag}" if tag else "")
    room = p.room.rsplit(".", 1)[-1]
    name = p.name
    line = f"{name} {room}{tail}"
    over = utf8_len(line) - budget
    if over > 0:
        room = _cut(room, max(4, utf8_len(room) - over))
        line = f"{name} {room}{tail}"
        over = utf8_len(line) - budget
        if over > 0:
            line = f"{_cut(name, max(4, utf8_len(name) - over))} {room}{tail}"
    return line


def do_players(ctx: Context) -> None:
    online = sorted((p for p in (ctx.state.player(k) for k in ctx.presence.online_keys()) if p is not None),
                    key=lambda p: p.name.lower())
    head = f"Online {len(online)}:"
    if not online:
        ctx.reply("Online 0.")
        return
    builders = _builders(ctx)
    budget = max(16, (ctx.ops.frame_bytes - utf8_len(head) - utf8_len(" [MORE]")) // PAGE_PLAYERS - 1)
    lines = [_player_line(p, ctx.now_ms, builders, budget) for p in online]
    first, rest = lines[:PAGE_PLAYERS], lines[PAGE_PLAYERS:]
    if rest:
        ctx.reply("\n".join([head, *first]) + " [MORE]")
        ctx.session.pending = "\n".join(rest)
    else:
        ctx.reply("\n".join([head, *first]))


def do_where(ctx: Context) -> None:
    target = find_player(ctx, ctx.command.args)
    room = ctx.room(target.room)
    place = f"{room.name} ({target.room})" if room is not None else target.room
    ago = format_duration(max(0, ctx.now_ms - target.last_seen), 1)
    state = "online" if ctx.presence.is_online(target.key) else "asleep"
    ctx.reply(f"{target.name} ({target.key}, {target.level}): {place}, {state}, last seen {ago} ago.")


def do_goto(ctx: Context) -> None:
    what = ctx.command.args.strip()
    if not what:
        ctx.fail("Go to whom or where? e.g. /goto Ana or /goto town.square")
    me = ctx.player
    dest: str | None = None
    online = [p for p in (ctx.state.player(k) for k in ctx.presence.online_keys()) if p is not None]
    person = ctx.state.player_by_name(what) or match(what, [Candidate(p, p.name, ()) for p in online]).item
    if person is not None:
        if person.key == me.key:
            ctx.fail("You are already with yourself.")
        dest = person.room
    elif ctx.room(what.lower()) is not None:
        dest = what.lower()
    else:
        rooms = [Candidate(r.id, r.name, ()) for r in ctx.world.world.rooms]
        found = match(what, rooms)
        if found.item is None:
            ctx.fail(found.problem or f"No player or room '{shown(what)}'.")
        dest = found.item
    if dest == me.room:
        ctx.fail("You are already there.")
    ctx.move_to(dest)


def do_summon(ctx: Context) -> None:
    target = find_player(ctx, ctx.command.args)
    me = ctx.player
    if target.key == me.key:
        ctx.fail("You can't summon yourself.")
    if target.rank > me.rank:
        ctx.fail(f"You can't summon {target.name}: {target.level} is above your level.")
    if not ctx.presence.is_online(target.key):
        ctx.fail(f"{target.name} is not online.")
    if target.room == me.room:
        ctx.fail(f"{target.name} is already here.")
    room = ctx.room(me.room)
    ctx.to_room(target.room, f"{target.name} vanishes.", (target.key,))
    ctx.state.set_room(target.key, me.room)
    ctx.to_room(me.room, f"{target.name} appears.", (target.key, me.key))
    ctx.tell(target.key, f"{me.name} summons you to {room.name if room else me.room}. LOOK to see it.")
    ctx.reply(f"{target.name} is here now.")


# ------------------------------------------------------------------ mutes
def _duration_arg(ctx: Context, text: str, usage: str) -> int:
    ms = parse_duration(text)
    if ms is None:
        ctx.fail(f"'{shown(text)}' is not a duration (e.g. 10m, 2h, 7d). {usage}")
    return ms


def do_mute(ctx: Context) -> None:
    usage = "Usage: /mute NAME [DURATION]"
    words = ctx.command.words
    if not 1 <= len(words) <= 2:
        ctx.fail(usage)
    target = find_player(ctx, words[0])
    outranks(ctx, target, "mute")
    until = ctx.now_ms + _duration_arg(ctx, words[1], usage) if len(words) == 2 else None
    ctx.state.txn.put("mutes", (target.key, until, ctx.player_key, "", ctx.now_ms))
    left = _left(until, ctx.now_ms)
    ctx.audit("mute", target.name, left.strip() or "until unmuted")
    ctx.reply(f"{target.name} is muted{left or ' until /unmute'}.")
    if ctx.presence.is_online(target.key):
        ctx.tell(target.key, f"Staff muted you{left}.")


def do_unmute(ctx: Context) -> None:
    target = find_player(ctx, ctx.command.args)
    if active_mute(ctx, target.key) is None:
        ctx.fail(f"{target.name} is not muted.")
    ctx.state.txn.delete("mutes", (target.key,))
    ctx.audit("unmute", target.name)
    ctx.reply(f"{target.name} may speak again.")
    if ctx.presence.is_online(target.key):
        ctx.tell(target.key, "You may speak again.")


def gate(ctx: Context, verb: Verb) -> str | None:
    """A muted player's speech is refused with one short notice (it reaches nobody)."""
    if verb.name not in MUTED_VERBS:
        return None
    if verb.name == "mail":
        words = ctx.command.words
        if len(words) < 2 or words[0].isdigit() or words[0].lower() == "delete":
            return None  # reading or deleting mail is not speaking
    mute = active_mute(ctx, ctx.player_key)
    if mute is None:
        return None
    return f"You are muted{_left(mute[0], ctx.now_ms)}."


# ------------------------------------------------------------------ kick and ban
def do_kick(ctx: Context) -> None:
    target = find_player(ctx, ctx.command.args)
    outranks(ctx, target, "kick")
    if not ctx.presence.is_online(target.key):
        ctx.fail(f"{target.name} is not online.")
    ctx.tell(target.key, "Staff ended your session. Send any command to come back.")
    ctx.to_room(target.room, f"{target.name} falls asleep.", (target.key, ctx.player_key))
    key = target.key
    ops = ctx.ops

    def end() -> list[tuple[str, str]]:
        ops.end_session(key)
        return []

    ctx.after_commit(end)
    ctx.reply(f"{target.name} is disconnected.")


def _ban_target(ctx: Context, text: str) -> tuple[str, Player | None]:
    """(node id, player) for a name or a node id (a node that never played may be banned)."""
    if NODE_ID.match(text.strip().lower()) and ctx.state.player(text.strip().lower()) is None:
        return text.strip().lower(), None
    target = find_player(ctx, text)
    return target.key, target


def do_ban(ctx: Context) -> None:
    usage = "Usage: /ban NAME [DURATION] [REASON]"
    words = ctx.command.args.split()
    if not words:
        ctx.fail(usage)
    node, target = _ban_target(ctx, words[0])
    if target is not None:
        outranks(ctx, target, "ban")
    rest = words[1:]
    until: int | None = None
    if rest and parse_duration(rest[0]) is not None:
        until = ctx.now_ms + _duration_arg(ctx, rest[0], usage)
        rest = rest[1:]
    reason = " ".join(rest)
    if utf8_len(reason) > MAX_REASON:
        ctx.fail(f"Keep the reason under {MAX_REASON} bytes.")
    who = target.name if target is not None else node
    online = target is not None and ctx.presence.is_online(target.key)
    ctx.state.txn.put("bans", (node, until, ctx.player_key, reason, ctx.now_ms, online))
    left = _left(until, ctx.now_ms)
    ctx.audit("ban", who, f"{node}{left}" + (f": {reason}" if reason else ""))
    if online and target is not None:
        ctx.tell(target.key, ban_notice(until, reason, ctx.now_ms))
        ctx.to_room(target.room, f"{target.name} falls asleep.", (target.key, ctx.player_key))
        ops = ctx.ops

        def end() -> list[tuple[str, str]]:
            ops.end_session(node)
            return []

        ctx.after_commit(end)
    ctx.reply(f"Banned {who} ({node}){left or ' until /unban'}.")


def do_unban(ctx: Context) -> None:
    text = ctx.command.args.strip()
    if not text:
        ctx.fail("Usage: /unban NAME")
    node, target = _ban_target(ctx, text)
    who = target.name if target is not None else node
    if active_ban(ctx, node) is None:
        ctx.fail(f"{who} is not banned.")
    ctx.state.txn.delete("bans", (node,))
    ctx.audit("unban", who, node)
    ctx.reply(f"{who} is no longer banned.")


def before(ctx: Context) -> str | None:
    """A banned node: one notice, then silence (no session, no reply)."""
    ban = active_ban(ctx, ctx.player_key)
    if ban is None:
        return None
    until, reason, notified = ban
    if notified:
        return ""
    row = ctx.state.txn.get("bans", (ctx.player_key,))
    assert row is not None
    ctx.state.txn.put("bans", (*row[:5], True))
    return ban_notice(until, reason, ctx.now_ms)


# ------------------------------------------------------------------ broadcast
def do_broadcast(ctx: Context) -> None:
    text = ctx.command.args.strip()
    if not text:
        ctx.fail("Broadcast what? e.g. /broadcast Restart in 5 minutes.")
    if utf8_len(text) > MAX_BROADCAST:
        ctx.fail(f"Too long: at most {MAX_BROADCAST} bytes (you wrote {utf8_len(text)}).")
    line = f"[{ctx.player.name} to all] {text}"
    ctx.to_everyone(line)
    ctx.audit("broadcast", "", text[:80])
    count = len(ctx.presence.online_keys())
    ctx.log_event("broadcast", {"bytes": utf8_len(text), "to": count}, ctx.player_key, ctx.player.room)


# ------------------------------------------------------------------ expiry
def on_tick(ctx: WorldContext) -> None:
    """Delete mutes and bans whose time is over (they already stopped counting)."""
    now = ctx.now_ms
    for row in list(ctx.state.txn.scan("mutes")):
        if row[1] is not None and row[1] <= now:
            ctx.state.txn.delete("mutes", (row[0],))
            if ctx.presence.is_online(str(row[0])):
                ctx.tell(str(row[0]), "You may speak again.")
    for row in list(ctx.state.txn.scan("bans")):
        if row[1] is not None and row[1] <= now:
            ctx.state.txn.delete("bans", (row[0],))
            log.info("the ban of %s is over", row[0])


VERBS: tuple[Verb, ...] = (
    Verb("/players", do_players, usage="/players", summary="who is online: room, idle time, level",
         example="/players", topic="staff"),
    Verb("/where", do_where, usage="/where NAME", summary="where a player is", example="/where Ana", topic="staff"),
    Verb("/goto", do_goto, usage="/goto NAME|ROOM", summary="go to a player or a room", example="/goto Ana",
         shows_room=True, topic="staff"),
    Verb("/mute", do_mute, usage="/mute NAME [DURATION]", summary="silence a player (say, whisper, emote, mail, post)",
         example="/mute Bob 10m", topic="staff"),
    Verb("/unmute", do_unmute, usage="/unmute NAME", summary="lift a mute", example="/unmute Bob", topic="staff"),
    Verb("/kick", do_kick, usage="/kick NAME", summary="end a player's session", example="/kick Bob", topic="staff"),
    Verb("/ban", do_ban, usage="/ban NAME [DURATION] [REASON]", summary="refuse a radio node",
         example="/ban Bob 1d spamming", abbreviate=False, topic="staff"),
    Verb("/unban", do_unban, usage="/unban NAME", summary="lift a ban", example="/unban Bob", topic="staff"),
    Verb("/summon", do_summon, usage="/summon NAME", summary="bring an online player here", example="/summon Ana", topic="staff"),
    Verb("/broadcast", do_broadcast, usage="/broadcast TEXT", summary="tell everyone online",
         example="/broadcast Restart in 5 minutes.", topic="staff"),
)

HOOKS = Hooks(gate=gate, before=before, on_tick=on_tick)
