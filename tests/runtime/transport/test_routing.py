"""Which gateway carries a reply: fewest hops, then best SNR, then most recent, among the online
gateways that heard the node recently; failover when a gateway goes offline."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.transport.routing import Router

ANA, BOB = "!11111111", "!22222222"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def router(window: float = 120.0) -> tuple[Router, Clock]:
    clock = Clock()
    r = Router(window, clock=clock)
    for g in ("a", "b", "c"):
        r.set_status(g, True)
    return r, clock


def test_the_same_packet_heard_twice_goes_back_through_the_better_radio() -> None:
    r, _ = router()
    r.heard(ANA, "a", -3.0, 0)
    r.heard(ANA, "b", 9.5, 0)
    assert r.route(ANA) == "b"


def test_fewer_hops_beat_a_better_snr_of_a_relay() -> None:
    r, _ = router()
    r.heard(ANA, "a", -8.0, 0)  # heard directly, weakly
    r.heard(ANA, "b", 12.0, 2)  # a strong relay two hops away
    assert r.route(ANA) == "a"


def test_an_equal_hearing_goes_to_the_most_recent() -> None:
    r, clock = router()
    r.heard(ANA, "a", 5.0, 0)
    clock.now += 1
    r.heard(ANA, "b", 5.0, 0)
    assert r.route(ANA) == "b"


def test_an_old_hearing_does_not_compete_with_a_recent_one() -> None:
    r, clock = router(window=60)
    r.heard(ANA, "a", 12.0, 0)  # long ago, strong
    clock.now += 300
    r.heard(ANA, "b", -5.0, 1)  # now, weak: the node moved
    assert r.route(ANA) == "b"
    r.heard(ANA, "a", 1.0, 0)  # a hears it again
    assert r.route(ANA) == "a"


def test_a_missing_snr_counts_as_the_lowest() -> None:
    r, _ = router()
    r.heard(ANA, "a", None, 0)
    r.heard(ANA, "b", -20.0, 0)
    assert r.route(ANA) == "b"


def test_an_offline_gateway_s_players_move_to_another_that_heard_them() -> None:
    r, _ = router()
    r.heard(ANA, "a", 9.0, 0)
    r.heard(ANA, "b", -9.0, 3)
    r.heard(BOB, "a", 1.0, 0)
    assert r.route(ANA) == "a"
    assert r.set_status("a", False) is True
    assert r.set_status("a", False) is False  # no change
    assert r.route(ANA) == "b"
    assert sorted(r.heard_by("a")) == [ANA, BOB]
    # Bob was heard by no other gateway: any online one carries it (a DM floods the mesh)
    assert r.route(BOB) in ("b", "c")
    assert r.set_status("a", True) is True
    assert r.route(ANA) == "a"


def test_a_gateway_with_its_radio_down_is_the_last_resort() -> None:
    r, _ = router()
    r.heard(ANA, "a", 9.0, 0)
    r.heard(ANA, "b", -9.0, 0)
    r.set_status("a", True, radio_up=False)
    assert r.route(ANA) == "b"
    r.set_status("b", False)
    assert r.route(ANA) == "a"  # down radio, but online: it keeps the reply until its radio is back


def test_no_gateway_online_keeps_the_last_that_heard_the_node() -> None:
    r, clock = router()
    r.heard(ANA, "a", 9.0, 0)
    clock.now += 1
    r.heard(ANA, "b", -9.0, 0)
    for g in ("a", "b", "c"):
        r.set_status(g, False)
    assert r.route(ANA) == "b"  # the broker keeps it for b's return
    assert Router().route(ANA) is None


def test_an_unknown_node_goes_through_the_gateway_that_heard_anyone_last() -> None:
    r, clock = router()
    r.heard(BOB, "c", 0.0, 0)
    clock.now += 1
    r.heard(BOB, "b", 0.0, 0)
    assert r.route(ANA) == "b"


def test_a_retained_offline_status_of_an_unknown_gateway_changes_nothing() -> None:
    r = Router()
    assert r.set_status("ghost", False) is False
    assert not r.online("ghost")
    assert r.set_status("ghost", True) is True


def test_memory_is_bounded() -> None:
    r = Router(max_nodes=100)
    r.set_status("a", True)
    for i in range(1000):
        r.heard(f"!{i + 1:08x}", "a", 0.0, 0)
    assert len(r) == 100
    assert r.hearings(f"!{1000:08x}") and not r.hearings(f"!{1:08x}")


hearing = st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.one_of(st.none(), st.floats(-30, 30)),
                    st.one_of(st.none(), st.integers(0, 7)), st.floats(0, 1000))


@settings(max_examples=200, deadline=None)
@given(st.lists(hearing, max_size=12), st.sets(st.sampled_from(["a", "b", "c", "d"])))
def test_a_route_is_online_whenever_any_gateway_is(hearings: list[tuple[str, float | None, int | None, float]],
                                                   online: set[str]) -> None:
    r = Router(window_s=100)
    for g in ("a", "b", "c", "d"):
        r.set_status(g, True)
    for g, snr, hops, at in sorted(hearings, key=lambda h: h[3]):
        r.heard(ANA, g, snr, hops, at=at)
    for g in ("a", "b", "c", "d"):
        r.set_status(g, g in online)
    route = r.route(ANA)
    if online:
        assert route in online
        heard_online = [h for h in r.hearings(ANA) if h.gateway in online]
        if heard_online:  # the chosen one heard the node, with the fewest hops among recent hearings
            newest = max(h.at for h in heard_online)
            recent = [h for h in heard_online if h.at >= newest - 100]
            best_hops = min(h.hops if h.hops is not None else 99 for h in recent)
            chosen = next(h for h in recent if h.gateway == route)
            assert (chosen.hops if chosen.hops is not None else 99) == best_hops
    elif hearings:
        assert route in {g for g, *_ in hearings}
    else:
        assert route is None
