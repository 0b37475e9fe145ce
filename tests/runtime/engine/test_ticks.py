from __future__ import annotations

from runtime.engine.ticks import DAY_MS, TickClock, aligned_start
from runtime.image.model import Code, Trigger

CODE = Code(b"\x62", (), (), (), "room r", 1, 0)


def _entry(every: int, owner: str = "r") -> tuple[str, str, Trigger]:
    return ("room", owner, Trigger("tick", CODE, every=every))


def test_fires_on_period_marks_at_most_once_per_call() -> None:
    ten = _entry(600)
    clock = TickClock([ten], start_ms=1_000)
    assert clock.due(599_999) == []
    assert clock.due(600_000) == [ten]
    assert clock.due(600_001) == []
    assert clock.due(5_000_000) == [ten]  # several marks passed: once
    assert clock.due(5_000_001) == []


def test_marks_do_not_depend_on_the_start() -> None:
    a, b = TickClock([_entry(60)], 0), TickClock([_entry(60)], 59_000)
    assert [bool(a.due(t)) for t in (59_999, 60_000, 119_999)] == [False, True, False]
    assert [bool(b.due(t)) for t in (59_999, 60_000, 119_999)] == [False, True, False]


def test_triggers_without_a_period_never_fire() -> None:
    clock = TickClock([("world", "w", Trigger("tick", CODE))], 0)
    assert clock.due(10**12) == []


def test_aligned_start_is_a_mark_of_every_period() -> None:
    entries = [_entry(600), _entry(1200), _entry(1800)]
    start = aligned_start(entries, 1_700_000_123_456)
    assert start % 3_600_000 == 0 and 0 <= 1_700_000_123_456 - start < 3_600_000
    odd = aligned_start([_entry(7 * 60), _entry(13 * 3600)], 1_700_000_123_456)
    assert odd % DAY_MS == 0
    assert aligned_start([], 12_345) == 12_000
