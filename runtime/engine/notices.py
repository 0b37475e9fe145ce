"""What a line from the system looks like, so that no player can write one.

Frames join lines with "\\n" and a radio shows each frame as a message: a player whose text
could begin a line could forge "Slow down: you are sending too fast" or "Sorry, the server
could not save that".  The rules that prevent it:

1. A player's text never holds a line break: ``parser.clean`` turns every control and
   separator character into a space, and the social verbs split and rejoin on whitespace again
   (``one_line``) before they speak;
2. a line that carries a player's text begins with that player's name (``Ana says: …``,
   ``Ana whispers: …``, ``Ana waves.``) — an emote's text follows the name after a space, an
   apostrophe or a comma, never right after it;
3. a name that reads like the start of a system notice (``NOTICE_WORDS``: "You", "Slow",
   "Server" …) cannot emote (new players cannot take such names: the names module reserves
   them; this catches players created before that).
"""

from __future__ import annotations

import unicodedata

from runtime.engine.names import RESERVED

NOTICE_WORDS = RESERVED
"""Words system notices and replies begin with (``runtime.engine.names.RESERVED``, the one list)."""


def one_line(text: str) -> str:
    """``text`` with every kind of line break or other whitespace run as one space."""
    return " ".join(text.split())


def looks_like_notice(name: str) -> bool:
    """True when a line starting with ``name`` could pass for a system notice."""
    folded = unicodedata.normalize("NFKC", name).casefold().strip()
    if not folded or not folded[0].isalnum():
        return True
    word = "".join(c for c in folded.split()[0] if c.isalnum())
    return word in NOTICE_WORDS
