from __future__ import annotations

from runtime.engine.parser import Candidate, clean, match, split


def test_clean_removes_controls_and_invisible_marks() -> None:
    assert clean("  take\tthe\x00 lamp\r\n") == "take the lamp"
    assert clean("say \u202eevil\u202c hi\u200b") == "say evil hi"
    assert clean("\x1b[31mred") == "[31mred"
    assert clean("") == ""


def test_clean_keeps_emoji_and_other_scripts() -> None:
    assert clean("say 👩‍👩‍👧 héllo мир 你好") == "say 👩‍👩‍👧 héllo мир 你好"


def test_split_lowercases_the_verb_only() -> None:
    assert split("TAKE Brass Lamp") == ("take", "Brass Lamp")
    assert split("look") == ("look", "")
    assert split("") == ("", "")


def test_split_shortcuts() -> None:
    assert split('"Hello there') == ("say", "Hello there")
    assert split("'hi") == ("say", "hi")
    assert split(":waves") == ("emote", "waves")


CANDS = [
    Candidate("lamp", "brass lamp", ("lamp", "lantern"), "lab.lamp"),
    Candidate("bell", "brass bell", ("bell",), "lab.bell"),
    Candidate("red", "red ball", ("ball",), "lab.red"),
    Candidate("blue", "blue ball", ("ball",), "lab.blue"),
    Candidate("p1", "smooth pebble", ("pebble",), "lab.pebble"),
    Candidate("p2", "smooth pebble", ("pebble",), "lab.pebble"),
]


def test_exact_names_and_aliases_win() -> None:
    assert match("brass lamp", CANDS).item == "lamp"
    assert match("LANTERN", CANDS).item == "lamp"
    assert match("the lantern", CANDS).item == "lamp"


def test_prefixes_of_names_aliases_and_words() -> None:
    assert match("lant", CANDS).item == "lamp"
    assert match("red", CANDS).item == "red"
    assert match("pebb", CANDS).item == "p1"


def test_ambiguity_asks_which_one() -> None:
    m = match("ball", CANDS)
    assert m.item is None and m.problem == "Which one: blue ball or red ball?"
    m = match("brass", CANDS)
    assert m.item is None and m.problem == "Which one: brass bell or brass lamp?"


def test_copies_of_one_object_are_not_ambiguous() -> None:
    assert match("pebble", CANDS).item == "p1"


def test_nothing_matches() -> None:
    assert match("unicorn", CANDS).item is None
    assert match("unicorn", CANDS).problem is None
    assert match("   ", CANDS).item is None
