"""Which backups to keep: ``keep DAILY WEEKLY MONTHLY`` (the newest backup of each of the last
DAILY days that have one, of each of the last WEEKLY ISO weeks, of each of the last MONTHLY
months; a backup may count for several rules) and how often the scheduler takes one.

Pure functions over (id, created) pairs, so the policy is tested without files and the store
(``runtime.store.backup``) applies it.  Days, weeks and months are UTC calendar periods.  At
most DAILY + WEEKLY + MONTHLY backups survive a pruning, whatever arrived in between.

The policy lives in the database's ``meta`` table (``/backup_policy``, ``meshmush admin``),
so a restore brings back the policy of its time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from runtime.durations import DAY_MS, format_duration

MAX_KEEP = 1000
MIN_EVERY_MS = 10 * 60_000

META_KEEP = "backup.keep"
META_EVERY = "backup.every_ms"


class PolicyError(ValueError):
    """A policy that cannot be used; the message says why."""


@dataclass(frozen=True)
class Policy:
    daily: int = 7
    weekly: int = 4
    monthly: int = 6
    every_ms: int = DAY_MS  # 0: no scheduled backups

    def __post_init__(self) -> None:
        for name, value in (("daily", self.daily), ("weekly", self.weekly), ("monthly", self.monthly)):
            if not 0 <= value <= MAX_KEEP:
                raise PolicyError(f"keep {name} must be between 0 and {MAX_KEEP}, not {value}")
        if self.daily < 1:
            raise PolicyError("keep at least 1 daily backup")
        if self.every_ms and self.every_ms < MIN_EVERY_MS:
            raise PolicyError(f"scheduled backups at most every {format_duration(MIN_EVERY_MS)}")

    @property
    def most(self) -> int:
        """The most backups a pruning leaves."""
        return self.daily + self.weekly + self.monthly

    def describe(self) -> str:
        every = f"every {format_duration(self.every_ms)}" if self.every_ms else "not scheduled"
        return f"backups {every}; keep {self.daily} daily, {self.weekly} weekly, {self.monthly} monthly"

    def to_meta(self) -> dict[str, str]:
        return {META_KEEP: f"{self.daily} {self.weekly} {self.monthly}", META_EVERY: str(self.every_ms)}

    @classmethod
    def from_meta(cls, meta: Mapping[str, str]) -> Policy:
        """The stored policy; the defaults where nothing (or something unreadable) is stored."""
        base = cls()
        try:
            keep = [int(x) for x in meta.get(META_KEEP, "").split()]
            every = int(meta[META_EVERY]) if META_EVERY in meta else base.every_ms
            if len(keep) != 3:
                keep = [base.daily, base.weekly, base.monthly]
            return cls(keep[0], keep[1], keep[2], every)
        except (ValueError, PolicyError):
            return base


def _utc(ms: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _day(ms: int) -> tuple[int, ...]:
    d = _utc(ms)
    return (d.year, d.month, d.day)


def _week(ms: int) -> tuple[int, ...]:
    iso = _utc(ms).isocalendar()
    return (iso.year, iso.week)


def _month(ms: int) -> tuple[int, ...]:
    d = _utc(ms)
    return (d.year, d.month)


def select_keep(backups: Iterable[tuple[str, int]], policy: Policy) -> set[str]:
    """The ids (of ``(id, created_ms)`` pairs) the policy keeps."""
    newest_first = sorted(backups, key=lambda b: (b[1], b[0]), reverse=True)
    keep: set[str] = set()
    rules: Sequence[tuple[Callable[[int], tuple[int, ...]], int]] = (
        (_day, policy.daily),
        (_week, policy.weekly),
        (_month, policy.monthly),
    )
    for period, count in rules:
        seen: set[tuple[int, ...]] = set()
        for backup_id, created in newest_first:
            if len(seen) >= count:
                break
            p = period(created)
            if p not in seen:
                seen.add(p)
                keep.add(backup_id)
    return keep
