"""Money is conserved: after any sequence of economy commands by several players (PAY, BUY,
SELL, GIVE, trigger ``pay``/``charge``, moves, restock ticks), in batches or one by one,

- the sum of balances is the starting money plus the declared sources minus the declared sinks
  (ledger rows between a player and ``shop:ID`` / ``trigger:ID``), and each player's balance is
  what the ledger says it is;
- no balance is negative, every ledger amount is positive, every party is a player or declared."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine.io import Incoming
from tests.runtime.systems.economy_helpers import MARKET, balances, economy_engine
from tests.transcripts.runner import world

PLAYERS = ("Ana", "Bob", "Cy")
AMOUNTS = ("0.01", "0.10", "0.50", "1.00", "2.50", "4.99", "9.99", "0.00", "-1.00", "lots", "1.5")
THINGS = ("apple", "rope", "gum", "gem", "rock")

_commands = st.one_of(
    st.builds(lambda who, amount: f"pay {who} {amount}", st.sampled_from((*PLAYERS, "Zed")), st.sampled_from(AMOUNTS)),
    st.builds(lambda thing: f"buy {thing}", st.sampled_from(THINGS)),
    st.builds(lambda thing: f"buy {thing}", st.sampled_from(THINGS[:3])),
    st.builds(lambda thing: f"sell {thing}", st.sampled_from(THINGS)),
    st.builds(lambda thing: f"sell {thing}", st.sampled_from(THINGS[:3])),
    st.builds(lambda thing, who: f"give {thing} to {who}", st.sampled_from(THINGS), st.sampled_from(PLAYERS)),
    st.sampled_from(("use jar", "use tap", "take gem", "take rock", "w", "e", "list", "bal")),
)
_step = st.one_of(
    st.tuples(st.sampled_from(PLAYERS), _commands),
    st.tuples(st.just("@tick"), st.integers(min_value=1, max_value=15)),  # minutes
)


def _declared() -> set[str]:
    w = world(MARKET)
    parties = {f"shop:{s.id}" for s in w.shops}
    parties |= {f"trigger:{o.id}" for o in w.objects} | {f"trigger:{r.id}" for r in w.rooms}
    return parties | {f"trigger:{n.id}" for n in w.npcs} | {f"trigger:{w.id}"}


@pytest.mark.slow
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    in_shop=st.lists(st.booleans(), min_size=len(PLAYERS), max_size=len(PLAYERS)),
    steps=st.lists(st.lists(_step, min_size=1, max_size=3), min_size=10, max_size=40),
)
def test_balances_are_what_the_ledger_says(in_shop: list[bool], steps: list[list[tuple[str, object]]]) -> None:
    eng = economy_engine(None)
    try:
        now = 1000
        for who, shop in zip(PLAYERS, in_shop, strict=True):
            now += 1000
            eng.handle(who, "w" if shop else "look", now)
        for batch in steps:
            incoming = []
            for who, what in batch:
                now += 1000
                if who == "@tick":
                    assert isinstance(what, int)
                    now += what * 60_000
                    eng.tick(now)
                else:
                    incoming.append(Incoming(who, str(what), now))
            if incoming:
                eng.handle_batch(incoming)
        money = balances(eng)
        rows = [(str(a), str(b), int(n)) for a, b, n in eng.db.query("SELECT payer, payee, amount FROM ledger")]
    finally:
        eng.close()

    start = world(MARKET).currency.starting_balance
    players = set(money)
    assert players == set(PLAYERS)
    assert all(v >= 0 for v in money.values()), money
    assert all(n > 0 for _, _, n in rows), rows
    declared = _declared()
    for payer, payee, _ in rows:
        assert {payer, payee} - players <= declared, (payer, payee)
        assert payer in players or payee in players, (payer, payee)
    sources = sum(n for a, b, n in rows if a not in players and b in players)
    sinks = sum(n for a, b, n in rows if a in players and b not in players)
    assert sum(money.values()) == len(players) * start + sources - sinks
    for p in players:
        incoming_money = sum(n for _, b, n in rows if b == p)
        outgoing_money = sum(n for a, _, n in rows if a == p)
        assert money[p] == start + incoming_money - outgoing_money, p
