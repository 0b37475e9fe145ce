"""Slots through the ledger: after any sequence of spins (good and bad bets), payments and
fortunes by several players, in batches or one by one,

- no spin pays more than the table allows: every win row follows its own bet row and is the
  bet times a multiplier of the payout table (never above the best line);
- the ledger balances: the sum of balances is the starting money plus what ``game:ID`` paid out
  minus what it took in, and each balance is what the ledger says;
- no balance is negative.

And the spin itself: reels come from the symbols, the line paid is the first that matches, and
over many spins the machine returns what the compiler computed."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine.io import Incoming
from runtime.image.games import DEFAULT_PAYOUTS, DEFAULT_SYMBOLS, expected_return, line_for, top_multiplier
from runtime.image.model import Game
from runtime.systems.games.slots import spin
from tests.runtime.engine.helpers import engine
from tests.transcripts.runner import world

GAMES = "games"
PLAYERS = ("Ana", "Bob", "Cy")
BETS = ("0.50", "0.75", "1.00", "2.00", "2.01", "0.49", "0.00", "-1.00", "5", "lots", "9.99")

_commands = st.one_of(
    st.builds(lambda bet: f"play slots {bet}", st.sampled_from(BETS)),
    st.builds(lambda bet: f"play slots {bet}", st.sampled_from(BETS[:4])),
    st.builds(lambda who, amount: f"pay {who} {amount}", st.sampled_from(PLAYERS), st.sampled_from(BETS)),
    st.sampled_from(("play fortune", "play slots", "play slots table", "bal", "w", "e")),
)
_step = st.tuples(st.sampled_from(PLAYERS), _commands)


def _slots() -> Game:
    return next(g for g in world(GAMES).games if g.type == "slots")


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.lists(_step, min_size=1, max_size=4), min_size=5, max_size=30),
       seed=st.integers(0, 2**16))
def test_spins_pay_what_the_table_allows_and_the_ledger_balances(
    steps: list[list[tuple[str, str]]], seed: int
) -> None:
    eng = engine(None, w=world(GAMES), seed=seed)
    try:
        now = 1000
        for who in PLAYERS:
            now += 1000
            eng.handle(who, "e", now)
        for batch in steps:
            incoming = []
            for who, what in batch:
                now += 1000
                incoming.append(Incoming(who, what, now))
            eng.handle_batch(incoming)
        money = {str(k): int(b) for k, b in eng.db.query("SELECT key, balance FROM players")}
        rows = [(int(s), str(a), str(b), int(n), str(r))
                for s, a, b, n, r in eng.db.query("SELECT seq, payer, payee, amount, reason FROM ledger ORDER BY seq")]
    finally:
        eng.close()

    game = _slots()
    party = f"game:{game.id}"
    pays = {line.pays for line in game.payouts}
    start = world(GAMES).currency.starting_balance
    players = set(PLAYERS)
    assert set(money) == players
    assert all(v >= 0 for v in money.values()), money
    by_seq = {r[0]: r for r in rows}
    for seq, payer, payee, amount, reason in rows:
        assert amount > 0
        assert {payer, payee} - players <= {party, "game:arc.fortune"}, (payer, payee)
        if reason == "slots bet":
            assert payee == party and payer in players
            assert 50 <= amount <= 200  # min_bet 0.50, max_bet 2.00
        if reason == "slots win":
            bet = by_seq.get(seq - 1)
            assert bet is not None and bet[4] == "slots bet" and bet[1] == payee, (seq, bet)
            assert amount % bet[3] == 0 and amount // bet[3] in pays
            assert amount <= bet[3] * top_multiplier(game.payouts)
    sources = sum(n for _, a, b, n, _ in rows if a not in players and b in players)
    sinks = sum(n for _, a, b, n, _ in rows if a in players and b not in players)
    assert sum(money.values()) == len(players) * start + sources - sinks
    for p in players:
        assert money[p] == start + sum(n for _, _, b, n, _ in rows if b == p) - sum(
            n for _, a, _, n, _ in rows if a == p), p


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32))
def test_a_spin_shows_real_symbols_and_pays_the_first_matching_line(seed: int) -> None:
    game = _slots()
    reels, line = spin(random.Random(seed), game)
    assert len(reels) == 3 and set(reels) <= {s.name for s in game.symbols}
    assert line == line_for(reels, game.payouts)


def test_many_spins_return_what_the_compiler_computed() -> None:
    game = Game("t.slots", "slots", None, (), (), DEFAULT_SYMBOLS, DEFAULT_PAYOUTS)
    rng = random.Random(7)
    spins = 60_000
    paid = 0
    for _ in range(spins):
        _reels, line = spin(rng, game)
        paid += line.pays if line is not None else 0
    expected = float(expected_return(DEFAULT_SYMBOLS, DEFAULT_PAYOUTS))
    assert abs(paid / spins - expected) < 0.05, (paid / spins, expected)
