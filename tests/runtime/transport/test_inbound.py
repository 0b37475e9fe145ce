"""Inbound filtering: duplicates, token buckets, length, player names from radio names."""

from __future__ import annotations

from runtime.transport.inbound import Deduper, InboundFilter, InboundLimits, RateLimiter, Verdict, player_name


def test_duplicates_are_dropped_for_a_while_and_memory_is_bounded() -> None:
    d = Deduper(window_s=10, max_entries=100)
    assert not d.seen("!a", 1, 0.0)
    assert d.seen("!a", 1, 5.0)
    assert not d.seen("!b", 1, 5.0)  # same id, other node
    assert not d.seen("!a", 1, 20.0)  # forgotten after the window
    for i in range(10_000):
        d.seen("!a", 1000 + i, 30.0)
    assert len(d) <= 100


def test_token_bucket_slows_only_the_flooder() -> None:
    r = RateLimiter(burst=3, per_minute=6, cooldown_s=60)
    assert [r.check("!f", 0.0) for _ in range(3)] == [Verdict.ACCEPT] * 3
    assert r.check("!f", 0.1) is Verdict.SLOW_DOWN
    assert r.check("!f", 0.2) is Verdict.IGNORED
    assert r.check("!f", 59.0) is Verdict.IGNORED
    assert r.check("!ok", 0.3) is Verdict.ACCEPT  # others are not affected
    assert r.check("!f", 61.0) is Verdict.ACCEPT  # after the cooldown, refilled
    slow = RateLimiter(burst=1, per_minute=6, cooldown_s=0)
    assert slow.check("!s", 0.0) is Verdict.ACCEPT
    assert slow.check("!s", 10.0) is Verdict.ACCEPT  # one token every 10 s


def test_filter_order_and_length() -> None:
    f = InboundFilter(InboundLimits(burst=2, per_minute=60, cooldown_s=5, max_bytes=20))
    assert f.check("!a", 1, "look", 0.0) is Verdict.ACCEPT
    assert f.check("!a", 1, "look", 0.0) is Verdict.DUPLICATE  # does not use a token
    assert f.check("!a", 2, "ü" * 11, 0.0) is Verdict.TOO_LONG  # 22 bytes
    assert f.check("!a", 3, "look", 0.0) is Verdict.SLOW_DOWN
    assert "20 bytes" in f.too_long_text(22)


def test_player_names_from_radio_names() -> None:
    assert player_name("Ana", "!11111111") == "Ana"
    assert player_name("José Núñez", "!11111111") == "Jose_Nunez"
    assert player_name("🦊 Fox", "!11111111") == "Fox"
    assert player_name("🦊", "!1111abcd") == "pabcd"
    assert player_name(None, "!1111abcd") == "pabcd"
    assert player_name("42", "!1111abcd") == "pabcd"
    assert len(player_name("A" * 40, "!1")) == 16
