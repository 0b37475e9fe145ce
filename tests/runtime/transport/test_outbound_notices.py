"""The outbound queue's two classes: own replies first, notices coalesced, cancelled, aged out
and summarised; personal lines kept; everything bounded."""

from __future__ import annotations

import random

from runtime.engine.io import Note
from runtime.transport.outbound import OutQueue, missed_text


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


def arrive(actor: str, room: str = "hall") -> Note:
    return Note(f"{actor.title()} arrives.", tag=(actor, room, +1))


def leave(actor: str, room: str = "hall") -> Note:
    return Note(f"{actor.title()} leaves north.", tag=(actor, room, -1))


def test_replies_go_before_notices_waiting_longer() -> None:
    q = OutQueue(16)
    q.put_notes("ana", [Note("Bob waves.")])
    q.put_notes("bob", [Note("Ana smiles.")])
    q.put("cai", ["c1"])
    q.put("ana", ["a1", "a2"])
    assert drain(q) == [("cai", "c1"), ("ana", "a1"), ("ana", "a2"), ("ana", "Bob waves."), ("bob", "Ana smiles.")]


def test_established_replies_go_before_newcomers() -> None:
    q = OutQueue(16)
    for i in range(5):
        q.put(f"new{i}", [f"welcome {i}"], newcomer=True)
    q.put("old", ["bal: 10"])
    assert drain(q)[0] == ("old", "bal: 10")


def test_notices_to_one_player_coalesce_into_few_frames() -> None:
    q = OutQueue(16, frame_bytes=50)
    q.put_notes("ana", [Note(f"Player{i} waves.") for i in range(9)])  # 14 bytes each
    frames = drain(q)
    assert len(frames) == 3  # 3 lines a frame: 14 + 1 + 14 + 1 + 14 = 44 <= 50 < 59
    assert frames[0] == ("ana", "Player0 waves.\nPlayer1 waves.\nPlayer2 waves.")
    assert all(len(t.encode()) <= 50 for _, t in frames)


def test_a_long_notice_line_is_cut_into_frames_without_losing_text() -> None:
    q = OutQueue(16, frame_bytes=40)
    text = "Somebody says: " + " ".join(f"word{i}" for i in range(20))
    q.put_notes("ana", [Note(text), Note("Bob waves.")])
    frames = [t for _, t in drain(q)]
    assert all(len(t.encode()) <= 40 for t in frames)
    assert " ".join(" ".join(frames).split()) == " ".join((text + " Bob waves.").split())


def test_arrival_and_departure_both_unsent_cancel_either_way() -> None:
    q = OutQueue(16)
    q.put_notes("ana", [arrive("bob"), Note("Cai waves."), leave("bob")])
    q.put_notes("ana", [leave("dan"), arrive("dan")])
    assert drain(q) == [("ana", "Cai waves.")]
    assert q.notes_cancelled == 4


def test_presence_in_other_rooms_or_already_sent_does_not_cancel() -> None:
    q = OutQueue(16)
    q.put_notes("ana", [leave("bob", "hall")])
    q.put_notes("ana", [arrive("bob", "yard")])  # Ana moved with Bob: both are news
    assert [t for _, t in drain(q)] == ["Bob leaves north.\nBob arrives."]
    q.put_notes("ana", [arrive("bob")])
    assert drain(q) == [("ana", "Bob arrives.")]
    q.put_notes("ana", [leave("bob")])  # the arrival is already on the air
    assert drain(q) == [("ana", "Bob leaves north.")]


def test_old_ambient_notices_age_out_and_are_summarised_personal_ones_stay() -> None:
    clock = Clock()
    q = OutQueue(16, clock, notice_max_age_s=30)
    q.put_notes("ana", [Note(f"Crowd {i} cheers.") for i in range(12)])
    q.put_notes("ana", [Note("Bob whispers: meet me at the gate.", personal=True)])
    clock.now = 31
    q.put_notes("ana", [Note("Cai arrives.")])
    frames = drain(q)
    assert frames == [("ana", "Bob whispers: meet me at the gate.\nCai arrives.\n" + missed_text(12))]
    assert q.notes_expired == 12


def test_the_summary_rides_on_the_next_reply_when_no_notice_follows() -> None:
    clock = Clock()
    q = OutQueue(16, clock, notice_max_age_s=5)
    q.put_notes("ana", [Note("Bob waves."), Note("Cai waves.")])
    clock.now = 10
    q.put("ana", ["You have ¤10.00."])
    assert drain(q) == [("ana", "You have ¤10.00.\n" + missed_text(2))]


def test_too_many_notices_drop_the_oldest_ambient_first() -> None:
    q = OutQueue(16, max_notes=4)
    q.put_notes("ana", [Note("Bob whispers: psst", personal=True)])
    q.put_notes("ana", [Note(f"n{i}") for i in range(6)])
    assert q.notice_lines == 4
    assert q.notes_overflowed == 3
    (frame,) = [t for _, t in drain(q)]
    assert frame.splitlines() == ["Bob whispers: psst", "n3", "n4", "n5", missed_text(3)]


def test_a_flood_of_notices_keeps_the_queue_bounded_and_replies_prompt() -> None:
    """500 players in one room, everyone acting: notices never outgrow their bound, dead lines
    are compacted away, and a reply queued at any time goes out next."""
    clock = Clock()
    rng = random.Random(3)
    q = OutQueue(64, clock, max_notes=256, notice_max_age_s=60)
    players = [f"p{i}" for i in range(500)]
    for step in range(3000):
        clock.now = step * 2.5
        actor = rng.choice(players)
        for who in rng.sample(players, 50):
            if who != actor:
                q.put_notes(who, [arrive(actor) if step % 2 else leave(actor)])
        if step % 7 == 0:
            q.put(actor, ["ok"])
            f = q.pop(timeout=0)
            assert f is not None and f.to == actor and f.text.startswith("ok")
        else:
            q.pop(timeout=0)
        assert q.notice_lines <= 256
        assert len(q._ambient) <= 2 * 256 + 50
    assert q.notes_expired + q.notes_overflowed > 0
