"""English for generated text: the article of a noun and a counted noun, so that no message says
"a object" or "1 players".  Both the compiler (diagnostics) and the runtime (players' replies,
``inspect``) build such phrases; this is the one package both of them may import."""

from __future__ import annotations

_VOWEL_LETTERS = frozenset("aeiou")
_SOUNDS_LIKE_YOU = ("uni", "use", "usu", "ura", "ure", "uti", "eu", "ewe", "one", "once")
_SILENT_H = ("hour", "honest", "honour", "honor", "heir")
_LETTER_NAMES_WITH_VOWEL = frozenset("AEFHILMNORSX")  # "an NPC", "an X-ray", "a UFO"
_SIBILANT_ENDINGS = ("s", "x", "z", "ch", "sh")


def article(noun: str) -> str:
    """'a' or 'an' for ``noun`` as it is pronounced (leading quotes and brackets are skipped):
    an object, a room, an 'enter' event, a unicorn, an hour, an NPC."""
    word = noun.lstrip("'\"`([{ ").split(" ", 1)[0].split("-", 1)[0]
    if not word:
        return "a"
    if len(word) > 1 and word.isupper() and word.isalpha():  # an acronym, read letter by letter
        return "an" if word[0] in _LETTER_NAMES_WITH_VOWEL else "a"
    low = word.lower()
    if low.startswith(_SILENT_H):
        return "an"
    if low.startswith(_SOUNDS_LIKE_YOU):
        return "a"
    if low[0].isdigit():
        return "an" if low[0] == "8" or (low.startswith(("11", "18")) and len(low) in (2, 5)) else "a"
    return "an" if low[0] in _VOWEL_LETTERS else "a"


def with_article(noun: str) -> str:
    """'an object', 'a room'."""
    return f"{article(noun)} {noun}"


def plural(noun: str) -> str:
    """The regular English plural of a (last) word: rooms, boxes, berries, keys."""
    low = noun.lower()
    if low.endswith(_SIBILANT_ENDINGS):
        return noun + "es"
    if low.endswith("y") and len(low) > 1 and low[-2] not in _VOWEL_LETTERS:
        return noun[:-1] + "ies"
    return noun + "s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """'1 player', '2 players', '0 players'; ``many`` for an irregular plural ('2 people')."""
    return f"{n} {noun if n == 1 else (many if many is not None else plural(noun))}"
