"""The games' part of the contract: the settings each game type takes, their defaults, and the
slot-machine arithmetic that both the compiler (its expected-return warning) and the runtime
(paying a spin) must agree on.

It sits beside ``money.py`` for the same reason: one definition read by both sides.  Pure
functions over the model, no I/O.  How the games play is in docs/games.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction

from runtime.image.model import Game, PayLine, Scalar, SlotSymbol

TYPES: tuple[str, ...] = ("tinyhack", "eightball", "fortune", "slots")

ANY = "any"
"""In a payout line: any symbol on this reel."""

MAX_REELS = 5
MAX_SYMBOLS = 10
MAX_TEXTS = 100
TEXT_BYTES = 150
"""An 8-ball answer or a fortune, at most (it is shown in one frame with a short lead-in)."""
MAX_LEVELS = 9
SYMBOL_CHARS = 10

SETTINGS: Mapping[str, Mapping[str, str]] = {
    "slots": {"min_bet": "money", "max_bet": "money"},
    "tinyhack": {"levels": "int", "reward": "money", "seed_daily": "bool"},
    "eightball": {},
    "fortune": {"cost": "money"},
}
"""Scalar ``config`` keys per game type: key -> "money" | "int" | "bool"."""

LISTS: Mapping[str, str] = {"eightball": "answers", "fortune": "fortunes"}
"""The ``config`` key holding a game type's list of texts."""

DEFAULT_ANSWERS: tuple[str, ...] = (
    "Yes, without a doubt.",
    "The signs point to yes.",
    "Most likely.",
    "You may count on it.",
    "It is so.",
    "Yes.",
    "The mists say yes.",
    "Better not tell you now.",
    "Ask again after the next tide.",
    "The static is too thick. Ask again.",
    "Cannot say yet.",
    "Concentrate and ask again.",
    "Do not count on it.",
    "The answer is no.",
    "Very doubtful.",
    "The stars say no.",
    "Unlikely.",
    "Only if the bridge is down.",
)

DEFAULT_FORTUNES: tuple[str, ...] = (
    "A message you waited for is already on its way.",
    "The quiet channel carries the clearest words.",
    "A stranger's repeater will carry your luck further.",
    "Patience: a slow signal still arrives.",
    "You will find something small that matters a lot.",
    "Someone is about to ask you for directions.",
    "Your next trade will be a fair one.",
    "A locked door opens for the one who asks twice.",
    "Keep your lantern close; the dark is shorter than it looks.",
    "An old friend is closer than you think.",
    "Good news travels hop by hop.",
    "Today is a fine day to write a letter.",
)

DEFAULT_SYMBOLS: tuple[SlotSymbol, ...] = (
    SlotSymbol("cherry", 5),
    SlotSymbol("lemon", 4),
    SlotSymbol("bell", 3),
    SlotSymbol("star", 2),
    SlotSymbol("seven", 1),
)

DEFAULT_PAYOUTS: tuple[PayLine, ...] = (
    PayLine(("seven", "seven", "seven"), 100),
    PayLine(("star", "star", "star"), 30),
    PayLine(("bell", "bell", "bell"), 15),
    PayLine(("lemon", "lemon", "lemon"), 8),
    PayLine(("cherry", "cherry", "cherry"), 5),
    PayLine(("cherry", "cherry", ANY), 2),
    PayLine(("cherry", ANY, ANY), 1),
)
"""About 92.7 % expected return (``expected_return``; docs/games.md has the table)."""

DEFAULT_LEVELS = 3


def defaults(game_type: str, starting_balance: int) -> dict[str, Scalar]:
    """The scalar settings a game of ``game_type`` gets when the world does not give them."""
    if game_type == "slots":
        return {"min_bet": 1, "max_bet": max(1, starting_balance)}
    if game_type == "tinyhack":
        return {"levels": DEFAULT_LEVELS, "reward": 0, "seed_daily": False}
    if game_type == "fortune":
        return {"cost": 0}
    return {}


def setting(game: Game, key: str, default: Scalar) -> Scalar:
    """A scalar setting of ``game`` (the compiler fills every one in; ``default`` is a guard)."""
    for entry in game.config:
        if entry.key == key:
            return entry.value
    return default


def setting_int(game: Game, key: str, default: int) -> int:
    value = setting(game, key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


# ------------------------------------------------------------------ slots
def line_for(reels: Sequence[str], payouts: Sequence[PayLine]) -> PayLine | None:
    """The first payout line the shown reels match (None: the spin pays nothing)."""
    for line in payouts:
        if len(line.reels) == len(reels) and all(
            want in (ANY, got) for want, got in zip(line.reels, reels, strict=True)
        ):
            return line
    return None


def reel_count(payouts: Sequence[PayLine]) -> int:
    return len(payouts[0].reels) if payouts else 3


def expected_return(symbols: Sequence[SlotSymbol], payouts: Sequence[PayLine]) -> Fraction:
    """What a spin returns on average, as a fraction of the bet, exactly: every combination of
    symbols weighed by the product of its symbols' weights, paid by its first matching line.

    Reel by reel, only the lines still able to match are followed; once the first of them
    needs nothing more (``any`` on every remaining reel) every completion pays it, and once
    none is left nothing more pays, so whole subtrees are summed at once."""
    total = sum(s.weight for s in symbols)
    if total <= 0 or not payouts:
        return Fraction(0)
    reels = reel_count(payouts)
    lines = [(line.reels, line.pays) for line in payouts if len(line.reels) == reels]
    rest_free = [[all(w == ANY for w in want[r:]) for r in range(reels + 1)] for want, _ in lines]
    span: list[int] = [int(total ** (reels - r)) for r in range(reels + 1)]

    def weigh(reel: int, alive: list[int]) -> int:
        """Σ over completions from ``reel`` of (their weights) × pays, for the lines ``alive``."""
        if not alive:
            return 0
        first = alive[0]
        if rest_free[first][reel]:
            return span[reel] * lines[first][1]
        return sum(
            s.weight * weigh(reel + 1, [i for i in alive if lines[i][0][reel] in (ANY, s.name)])
            for s in symbols
        )

    return Fraction(weigh(0, list(range(len(lines)))), span[0])


def expected_return_by_enumeration(symbols: Sequence[SlotSymbol], payouts: Sequence[PayLine]) -> Fraction:
    """The same figure by weighing every combination one by one (the definition; for tests)."""
    total = sum(s.weight for s in symbols)
    if total <= 0 or not payouts:
        return Fraction(0)
    reels = reel_count(payouts)
    weighted = 0
    for combo in itertools.product(symbols, repeat=reels):
        line = line_for([s.name for s in combo], payouts)
        if line is not None:
            weight = 1
            for s in combo:
                weight *= s.weight
            weighted += weight * line.pays
    return Fraction(weighted, total**reels)


def percent(value: Fraction) -> str:
    """An expected return as people read it: '92.8%' (one decimal, half rounded up)."""
    tenths = (value * 1000 + Fraction(1, 2)).__floor__()
    return f"{tenths // 10}.{tenths % 10}%"


def top_multiplier(payouts: Sequence[PayLine]) -> int:
    """The most a spin can return, as a multiple of the bet."""
    return max((line.pays for line in payouts), default=0)


def table_problems(symbols: Sequence[SlotSymbol], payouts: Sequence[PayLine]) -> list[str]:
    """What is wrong with a slot machine's symbols and payout table, in plain words."""
    problems: list[str] = []
    names = [s.name for s in symbols]
    if not symbols:
        problems.append("it has no symbols")
    if len(symbols) > MAX_SYMBOLS:
        problems.append(f"it has {len(symbols)} symbols; at most {MAX_SYMBOLS}")
    if len(set(names)) != len(names):
        problems.append("a symbol is listed twice")
    if ANY in names:
        problems.append(f"'{ANY}' is a wildcard, not a symbol name")
    for s in symbols:
        if s.weight <= 0:
            problems.append(f"symbol '{s.name}' needs a weight above 0")
    if not payouts:
        problems.append("it has no payout lines")
    reels = reel_count(payouts)
    if not 1 <= reels <= MAX_REELS:
        problems.append(f"a payout line has {reels} reels; 1 to {MAX_REELS}")
    for line in payouts:
        if len(line.reels) != reels:
            problems.append(f"payout lines have different lengths ({reels} and {len(line.reels)} reels)")
            break
    for line in payouts:
        if line.pays <= 0:
            problems.append(f"payout line {'/'.join(line.reels)} pays {line.pays}; it must pay at least 1")
        for want in line.reels:
            if want != ANY and want not in names:
                problems.append(f"payout line {'/'.join(line.reels)} names unknown symbol '{want}'")
    return problems


def game_problems(game: Game) -> list[str]:
    """What a decoded image's game is missing (the verifier's check)."""
    problems: list[str] = []
    if game.type not in TYPES:
        return [f"unknown game type '{game.type}'"]
    if game.type in LISTS and not game.texts:
        problems.append(f"no {LISTS[game.type]}")
    if game.type == "slots":
        problems += table_problems(game.symbols, game.payouts)
        lo, hi = setting_int(game, "min_bet", 0), setting_int(game, "max_bet", 0)
        if not 0 < lo <= hi:
            problems.append(f"bets from {lo} to {hi} are not a range of positive amounts")
    if game.type == "tinyhack" and not 1 <= setting_int(game, "levels", 0) <= MAX_LEVELS:
        problems.append(f"levels must be 1 to {MAX_LEVELS}")
    return problems
