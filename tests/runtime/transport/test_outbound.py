"""The outbound queue: fairness, bounds, drops reported, and a long soak."""

from __future__ import annotations

import random

from runtime.transport.outbound import DROP_NOTICE, OutQueue


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def drain(q: OutQueue) -> list[tuple[str, str]]:
    out = []
    while (f := q.pop(timeout=0)) is not None:
        out.append((f.to, f.text))
    return out


def test_round_robin_by_frame() -> None:
    q = OutQueue(16)
    q.put("ana", ["a1", "a2", "a3"])
    q.put("bob", ["b1"])
    q.put("cai", ["c1", "c2"])
    assert drain(q) == [("ana", "a1"), ("bob", "b1"), ("cai", "c1"), ("ana", "a2"), ("cai", "c2"), ("ana", "a3")]


def test_a_player_keeps_order_and_push_front_goes_first() -> None:
    q = OutQueue(16)
    q.put("ana", ["a1", "a2"])
    q.put("bob", ["b1"])
    f = q.pop(timeout=0)
    assert f is not None and f.text == "a1"
    q.push_front(f)  # the radio did not take it
    assert drain(q) == [("ana", "a1"), ("bob", "b1"), ("ana", "a2")]


def test_full_queue_drops_oldest_messages_of_the_most_queued_player() -> None:
    clock = Clock()
    q = OutQueue(8, clock)
    q.put("bob", ["b1"])
    for i in range(3):
        clock.now += 1
        q.put("ana", [f"a{i}.1", f"a{i}.2"])
    assert len(q) == 7
    clock.now += 1
    drops = q.put("cai", ["c1", "c2"])
    assert [(d.to, d.texts, d.frames) for d in drops] == [("ana", ["a0.1\na0.2"], 2)]
    assert len(q) <= 8
    sent = drain(q)
    assert ("ana", DROP_NOTICE) in sent
    assert ("bob", "b1") in sent and ("cai", "c1") in sent and ("cai", "c2") in sent
    assert not any(t.startswith("a0") for _, t in sent)
    assert sum(1 for _, t in sent if t == DROP_NOTICE) == 1


def test_soak_never_grows_and_quiet_players_still_get_answers() -> None:
    """Hours of traffic faster than the air can carry: the queue stays bounded and a quiet
    player's reply still goes out within one round of the players that are waiting."""
    clock = Clock()
    rng = random.Random(7)
    q = OutQueue(64, clock)
    players = [f"p{i}" for i in range(20)]
    pacing = 2.5
    worst_quiet_wait = 0
    for step in range(int(4 * 3600 / pacing)):  # four hours of transmission slots
        clock.now = step * pacing
        for _ in range(rng.randint(0, 4)):  # more arrives than one frame a slot
            who = rng.choice(players)
            q.put(who, [f"{who} {step} {k}" for k in range(rng.randint(1, 3))])
        if step % 100 == 0:
            q.put("quiet", ["hello"])
            waited = 0
            while True:
                f = q.pop(timeout=0)
                assert f is not None
                if f.to == "quiet":
                    break
                waited += 1
            worst_quiet_wait = max(worst_quiet_wait, waited)
        else:
            q.pop(timeout=0)
        assert len(q) <= 64
        assert len(q._texts) <= 64 + 64  # message texts kept only while queued
    assert q.peak <= 64
    assert q.dropped_frames > 0
    assert worst_quiet_wait <= len(players)
