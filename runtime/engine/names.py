"""Players' display names: made from what a radio (its long name) or a script says, unique, and
kept apart from the words system replies start with.

- ``sanitise``: letters, digits, ``_`` and ``-`` (accents folded, words joined with ``_``), at
  most ``MAX_LEN`` characters, starting with a letter; None when nothing usable is left.
- ``placeholder``: the name a radio player gets while its long name is unknown: ``p`` and the
  node id's last four hex digits (``p9f3a``).
- ``from_radio``: the name a radio's long name gives, or None when it gives none — nothing
  usable, or the meshtastic library's own stand-in (``Meshtastic 9f3a``) for a node whose
  NODEINFO it has not heard yet.
- ``is_placeholder``: a name given while the real one was unknown (``p9f3a``, ``p9f3a2``,
  ``Meshtastic_9f3a``); such a player takes the radio's long name when it arrives.
- ``is_reserved``: the first words of system replies ("You …", "Slow down …", "Server …",
  "Sorry, …") and the staff level names, case-insensitive: a player called "You" or "Slow"
  could make their messages read as the system's ("You pays you 1.00").
- ``unique``: the name, or the name with 2, 3 … appended, skipping taken and reserved ones.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from runtime.engine.staff_table import LEVELS

MAX_LEN = 16
LIBRARY_STAND_IN = re.compile(r"^meshtastic[ _]([0-9a-f]{4})$", re.IGNORECASE)
"""The long name the meshtastic library invents for a node it has no NODEINFO for."""

_REPLY_WORDS = """
you your yours slow server system sorry something someone somebody nothing nobody noone everyone
everybody anyone keeper staff builder welcome bye type unknown online money exits commands help
more meshmush it that this the there here administrator mod operator owner guest root notice
warning error alert broadcast
"""
RESERVED: frozenset[str] = frozenset(_REPLY_WORDS.split()) | frozenset(LEVELS)
"""First words of the engine's, the transport's and the systems' own replies, people a reply
may speak of, and the staff levels (``registry.LEVELS``: player, moderator, admin, sysop).
The one list: ``runtime.engine.notices`` checks emotes against it too."""


def sanitise(raw: str | None) -> str | None:
    words: list[str] = []
    for word in unicodedata.normalize("NFKD", raw or "").split():
        kept = "".join(c for c in word if c.isascii() and (c.isalnum() or c in "_-"))
        if kept:
            words.append(kept)
    name = "_".join(words)[:MAX_LEN].strip("_-")
    if not name or not name[0].isalpha():
        return None
    return name


def placeholder(key: str) -> str:
    tail = "".join(c for c in key.lower() if c.isalnum())[-4:]
    return "p" + (tail or "layer")


def from_radio(long_name: str | None) -> str | None:
    if long_name is None or LIBRARY_STAND_IN.match(long_name.strip()):
        return None
    return sanitise(long_name)


def is_placeholder(name: str, key: str) -> bool:
    low = name.lower()
    base = placeholder(key)
    if low == base or (low.startswith(base) and low[len(base):].isdigit()):
        return True
    m = LIBRARY_STAND_IN.match(low.replace("_", " "))
    return m is not None and key.lower().endswith(m.group(1))


def is_reserved(name: str) -> bool:
    return name.strip().lower() in RESERVED


def unique(base: str, taken: Callable[[str], bool]) -> str:
    """``base`` if free, else ``base2``, ``base3`` … (cut to ``MAX_LEN``): "You2 pays you" cannot
    pass for a system reply, which never starts with a word and a digit."""
    name, n = base[:MAX_LEN], 1
    while taken(name) or is_reserved(name):
        n += 1
        suffix = str(n)
        name = base[: MAX_LEN - len(suffix)] + suffix
    return name
