"""Helpers the staff systems share: finding a player by name or node id, outranking, short
times, the node-id form."""

from __future__ import annotations

import re
import time

from runtime.engine.context import Context
from runtime.engine.parser import Candidate, match
from runtime.engine.state import Player

NODE_ID = re.compile(r"\A![0-9a-f]{8}\Z")


def find_player(ctx: Context, text: str) -> Player:
    """A player by exact name or key (online or asleep), else an online one by unambiguous
    prefix; fails with a short reply."""
    name = text.strip()
    if not name:
        ctx.fail("Whom? Give a player's name.")
    found = ctx.state.player_by_name(name) or ctx.state.player(name)
    if found is not None:
        return found
    online = [p for p in (ctx.state.player(k) for k in ctx.presence.online_keys()) if p is not None]
    hit = match(name, [Candidate(p, p.name, ()) for p in online])
    if hit.item is None:
        ctx.fail(hit.problem or f"No player is called '{shown(name)}'.")
    return hit.item


def outranks(ctx: Context, target: Player, what: str) -> None:
    """Refuse acting on yourself or on staff of your level or above."""
    me = ctx.player
    if target.key == me.key:
        ctx.fail(f"You can't {what} yourself.")
    mine = max(me.rank, 3 if ctx.ops.is_config_sysop(me.key) else 0)
    theirs = max(target.rank, 3 if ctx.ops.is_config_sysop(target.key) else 0)
    if theirs >= mine:
        ctx.fail(f"You can't {what} {target.name}: {target.level} is not below your level.")


def shown(text: str, limit: int = 24) -> str:
    t = "".join(c if c.isprintable() else "?" for c in text)
    return t if len(t) <= limit else t[: limit - 1] + "…"


def clock(ms: int) -> str:
    """``01-31 14:03`` (UTC)."""
    return time.strftime("%m-%d %H:%M", time.gmtime(ms // 1000))


def label(ctx: Context, key: str) -> str:
    """A player's name for a key, or the key itself."""
    p = ctx.state.player(key)
    return p.name if p is not None else key


def sentence(text: str) -> str:
    """A message as a reply: capital first letter, a full stop."""
    t = text.strip()
    if not t:
        return t
    t = t[0].upper() + t[1:]
    return t if t[-1] in ".!?" else t + "."
