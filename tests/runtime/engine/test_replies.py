from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.engine.replies import MORE_MARK, join_list, paginate
from runtime.frames import split_frames, utf8_len


def test_short_text_is_one_page() -> None:
    page = paginate("hello", 200, 3)
    assert page.text == "hello" and page.rest is None


def test_long_text_pages_at_a_word_boundary() -> None:
    text = " ".join(f"word{i}" for i in range(300))
    page = paginate(text, 200, 3)
    assert page.text.endswith(MORE_MARK)
    assert len(split_frames(page.text, 200)) == 3
    assert page.rest is not None
    shown = page.text[: -len(MORE_MARK)].split()
    assert shown + page.rest.split() == text.split()


def test_a_single_huge_word_is_cut_anyway() -> None:
    text = "x" * 2000
    page = paginate(text, 50, 2)
    assert len(split_frames(page.text, 50)) <= 2
    assert page.rest is not None and page.text[: -len(MORE_MARK)] + page.rest == text


def test_join_list() -> None:
    assert join_list([]) == ""
    assert join_list(["a"]) == "a"
    assert join_list(["a", "b"]) == "a and b"
    assert join_list(["a", "b", "c"]) == "a, b and c"


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=0, max_size=3000), st.integers(min_value=16, max_value=300), st.integers(1, 4))
def test_pages_always_fit_and_lose_nothing(text: str, frame_bytes: int, pages: int) -> None:
    rest: str | None = text
    seen = 0
    words: list[str] = []
    while rest is not None and seen < 200:
        page = paginate(rest, frame_bytes, pages)
        frames = split_frames(page.text, frame_bytes)
        assert len(frames) <= pages
        assert all(utf8_len(f) <= frame_bytes for f in frames)
        body = page.text[: -len(MORE_MARK)] if page.rest is not None else page.text
        words += body.split()
        assert page.rest is None or utf8_len(page.rest) < utf8_len(rest)
        rest = page.rest
        seen += 1
    assert "".join(words) == "".join(text.split())


def test_frames_keep_a_short_last_line_whole() -> None:
    """A reply that ends in a short line is cut before that line, not inside it at a space
    ("…Did you mean" / "TAKE?")."""
    from runtime.frames import split_frames

    room = "Hub\n" + "A round hall with a door in every direction. " * 3 + "\nExits: n, s, e, w, u, d, in, out"
    room = room.replace(" \n", "\n")
    last = "Unknown command 'tkae'. Did you mean TAKE?"
    assert 200 - len(last) < len(room) <= 200
    frames = split_frames(room + "\n" + last, 200)
    assert frames == [room, last]
    # a newline early in the window is not worth a frame: the space is used
    text = "Hi\n" + "word " * 60
    assert len(split_frames(text, 200)) == len(split_frames(text.replace("\n", " "), 200))
