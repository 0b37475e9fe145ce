"""What mail and boards share: cleaning what a player writes, ages, names, previews.

Text a player writes is stored exactly as shown to readers, after ``message_body``: the
engine's ``parser.clean`` (control characters become spaces, bidi and zero-width marks go,
whitespace collapses), then every other Unicode format character (category Cf: the bidi
embeddings, isolates and marks that ``clean`` does not list, the Arabic letter mark, tags …)
except the zero-width joiner and non-joiner that some scripts and emoji need.  A text longer
than the world's ``messages.length`` (UTF-8 bytes) is refused, never cut.  Bodies reach the
database only as bound parameters and are never logged (analytics record only sizes).
"""

from __future__ import annotations

import unicodedata

from runtime.engine.context import Context
from runtime.engine.parser import clean
from runtime.frames import utf8_len

_KEEP_FORMAT = {"\u200c", "\u200d"}  # zero-width non-joiner and joiner
PREVIEW_CHARS = 24


def message_body(ctx: Context, raw: str, what: str) -> str:
    """The cleaned text of a mail or post; refuses an empty or too long one."""
    text = "".join(ch for ch in clean(raw) if ch in _KEEP_FORMAT or unicodedata.category(ch) != "Cf")
    text = " ".join(text.split())
    if not text:
        ctx.fail(f"The {what} is empty.")
    limit = ctx.world.world.messages.length
    size = utf8_len(text)
    if size > limit:
        ctx.fail(f"That {what} is {size} bytes; one holds at most {limit}. Shorten it.")
    return text


def age(ms: int) -> str:
    """'now', '5m', '3h', '2d': how long ago, rounded down."""
    seconds = max(0, ms) // 1000
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def ago(ms: int) -> str:
    text = age(ms)
    return "just now" if text == "now" else f"{text} ago"


def preview(text: str, chars: int = PREVIEW_CHARS) -> str:
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def name_of(ctx: Context, key: str) -> str:
    """A player's name by key (the key itself if the player is gone)."""
    p = ctx.state.player(key)
    return p.name if p is not None else key


