"""The slot machine's expected return: the fast reel-by-reel sum equals the definition (every
combination weighed, first matching line paid) on any table."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.image.games import ANY, expected_return, expected_return_by_enumeration, line_for
from runtime.image.model import PayLine, SlotSymbol

NAMES = ["a", "b", "c", "d"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[tuple[SlotSymbol, ...], tuple[PayLine, ...]]:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    symbols = tuple(SlotSymbol(n, draw(st.integers(1, 9))) for n in names)
    reels = draw(st.integers(1, 4))
    lines = draw(st.lists(
        st.tuples(st.lists(st.sampled_from([*names, ANY]), min_size=reels, max_size=reels), st.integers(1, 50)),
        min_size=1, max_size=6))
    return symbols, tuple(PayLine(tuple(r), p) for r, p in lines)


@settings(max_examples=300, deadline=None)
@given(table=tables())
def test_the_fast_sum_is_the_definition(table: tuple[tuple[SlotSymbol, ...], tuple[PayLine, ...]]) -> None:
    symbols, payouts = table
    assert expected_return(symbols, payouts) == expected_return_by_enumeration(symbols, payouts)


def test_the_first_matching_line_pays() -> None:
    lines = (PayLine(("a", ANY), 1), PayLine(("a", "a"), 9))
    assert line_for(["a", "a"], lines) == lines[0]
    assert line_for(["b", "a"], lines) is None
