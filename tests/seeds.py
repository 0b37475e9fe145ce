"""Fixed seeds for the randomised tests, so a failure can be replayed (pytest prints them in its
header); an environment variable overrides each."""

from __future__ import annotations

import os

CRASH_SEED_ENV = "MESHMUSH_CRASH_SEED"
DEFAULT_CRASH_SEED = 20240611


class SeedError(ValueError):
    pass


def crash_seed() -> int:
    """The kill -9 trials' seed: ``MESHMUSH_CRASH_SEED=N`` tries another."""
    raw = os.environ.get(CRASH_SEED_ENV, "").strip()
    if not raw:
        return DEFAULT_CRASH_SEED
    try:
        return int(raw)
    except ValueError:
        raise SeedError(f"{CRASH_SEED_ENV} must be a whole number, not {raw!r}") from None
