"""The retention policy: keep the newest backup of each of the last DAILY days, WEEKLY ISO
weeks and MONTHLY months; over a simulated year of daily backups exactly those remain."""

from __future__ import annotations

import datetime as dt

import pytest

from runtime.durations import DAY_MS, format_duration, parse_duration
from runtime.store.retention import Policy, PolicyError, select_keep


def _ms(d: dt.date, hour: int = 3) -> int:
    return int(dt.datetime(d.year, d.month, d.day, hour, tzinfo=dt.UTC).timestamp() * 1000)


def _year_of_daily_backups() -> list[tuple[str, int]]:
    day = dt.date(2025, 1, 1)
    out = []
    while day.year == 2025:
        out.append((day.isoformat(), _ms(day)))
        day += dt.timedelta(days=1)
    return out


# 2025-12-31 is a Wednesday of ISO week 2026-W01; the weeks before end on Sundays Dec 28, 21, 14.
YEAR_END_7_4_6 = {
    *(f"2025-12-{d}" for d in range(25, 32)),  # the last 7 days
    "2025-12-28", "2025-12-21", "2025-12-14",  # the newest of each of the last 4 ISO weeks (+ Dec 31)
    "2025-11-30", "2025-10-31", "2025-09-30", "2025-08-31", "2025-07-31",  # + Dec 31: 6 months
}


def test_a_year_of_daily_backups_keeps_exactly_the_policy() -> None:
    assert select_keep(_year_of_daily_backups(), Policy(7, 4, 6)) == YEAR_END_7_4_6
    assert len(YEAR_END_7_4_6) == 14


def test_pruning_every_day_ends_where_pruning_once_does() -> None:
    kept: list[tuple[str, int]] = []
    policy = Policy(7, 4, 6)
    for backup in _year_of_daily_backups():
        kept.append(backup)
        keep = select_keep(kept, policy)
        kept = [b for b in kept if b[0] in keep]
        assert len(kept) <= policy.most
    assert {b[0] for b in kept} == YEAR_END_7_4_6


def test_several_backups_a_day_keep_the_newest_of_the_day() -> None:
    day = dt.date(2025, 3, 10)  # a Monday
    backups = [(f"{h:02d}", _ms(day, h)) for h in (1, 5, 23)]
    assert select_keep(backups, Policy(1, 0, 0)) == {"23"}
    assert select_keep(backups, Policy(2, 1, 1)) == {"23"}


def test_gaps_count_days_that_have_backups() -> None:
    days = [dt.date(2025, 1, 1), dt.date(2025, 1, 20), dt.date(2025, 3, 3)]
    backups = [(d.isoformat(), _ms(d)) for d in days]
    assert select_keep(backups, Policy(2, 0, 0)) == {"2025-01-20", "2025-03-03"}


def test_policy_limits_and_storage() -> None:
    with pytest.raises(PolicyError, match="at least 1 daily"):
        Policy(0, 1, 1)
    with pytest.raises(PolicyError, match="between 0 and 1000"):
        Policy(1, 1001, 1)
    with pytest.raises(PolicyError, match="at most every 10m"):
        Policy(every_ms=60_000)
    p = Policy(3, 2, 1, 12 * 3_600_000)
    assert Policy.from_meta(p.to_meta()) == p
    assert Policy.from_meta({}) == Policy()
    assert Policy.from_meta({"backup.keep": "x y z", "backup.every_ms": "-5"}) == Policy()
    assert Policy(every_ms=0).describe().startswith("backups not scheduled")
    assert p.describe() == "backups every 12h; keep 3 daily, 2 weekly, 1 monthly"


@pytest.mark.parametrize(("text", "ms"), [("90s", 90_000), ("10m", 600_000), ("1d12h", DAY_MS + DAY_MS // 2),
                                          ("2w", 14 * DAY_MS), ("1H", 3_600_000)])
def test_durations(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", ["", "0m", "10", "m", "1x", "1 d", "-1d", "1d-2h", "forever"])
def test_not_durations(text: str) -> None:
    assert parse_duration(text) is None


def test_formatting_durations() -> None:
    assert [format_duration(ms) for ms in (0, 999, 59_000, 5_400_000, DAY_MS + 3_600_000)] == [
        "0s", "0s", "59s", "1h30m", "1d1h"]
    assert format_duration(5_400_000, 1) == "1h"
