"""Money notation: parse and print amounts in a world's currency.

Amounts are integer minor units everywhere.  ``decimal`` amounts are written ``10.00``
(exactly ``decimals`` digits after the point, optional when ``decimals`` is 0) and printed
with the symbol (``¤10.00``).  ``multitier`` amounts join tier counts with their short names,
largest first (``1g5s``, ``3c``) and are printed the same way (``0c`` for nothing).
"""

from __future__ import annotations

import re

from runtime.image.model import Currency

# ASCII digits only: Python's \d (and str.isdigit) also accept "١" or "²", which a player
# could use to write an amount that looks different from what is paid.
_DECIMAL = re.compile(r"^([0-9]{1,30})(?:\.([0-9]{1,30}))?$")
_TIER_PART = re.compile(r"([0-9]{1,30})([a-z]+)")

MAX_AMOUNT = 10**15
"""THE money ceiling: the largest amount (minor units) accepted anywhere — players' input,
amounts in world files, every number trigger arithmetic produces (``runtime.vm``), ``pay`` and
``charge``, and every balance (``State.adjust_balance``).  Sums of a few amounts under it stay
far inside DuckDB's BIGINT (about 9.2 * 10^18), so no write can fail on a number."""


def within_ceiling(value: int) -> bool:
    """True when ``value`` (any sign) is inside the money ceiling."""
    return -MAX_AMOUNT <= value <= MAX_AMOUNT


def parse_count(text: str, limit: int = MAX_AMOUNT) -> int | None:
    """A whole number a person typed: ASCII digits only (no sign, no "١", no "²"), at most
    ``limit``; None otherwise.  For menu choices, indexes, counts."""
    s = text.strip()
    if not s or len(s) > 30 or not s.isascii() or not s.isdigit():
        return None
    value = int(s)
    return value if value <= limit else None


class MoneyError(ValueError):
    """An amount written in a notation the currency does not accept."""


def example(currency: Currency) -> str:
    """A valid amount in this currency, for hints."""
    if currency.mode == "decimal":
        return "10" if currency.decimals == 0 else "10." + "0" * currency.decimals
    return "".join(f"1{t.short}" for t in currency.tiers[:2]) or "1"


def parse_amount(text: str, currency: Currency) -> int:
    """Parse ``text`` (no symbol needed; a leading symbol is allowed) into minor units."""
    s = text.strip()
    if currency.mode == "decimal":
        if currency.symbol and s.startswith(currency.symbol):
            s = s[len(currency.symbol) :]
        m = _DECIMAL.match(s)
        if not m:
            raise MoneyError(f"'{text}' is not an amount; write it like {example(currency)}")
        whole, frac = m.group(1), m.group(2)
        if currency.decimals == 0:
            if frac is not None:
                raise MoneyError(f"'{text}' has decimals; this currency has none")
            frac = ""
        elif frac is None or len(frac) != currency.decimals:
            raise MoneyError(
                f"'{text}' needs exactly {currency.decimals} digits after the point, like {example(currency)}"
            )
        value = int(whole) * 10**currency.decimals + (int(frac) if frac else 0)
    else:
        s = s.lower().replace(" ", "")
        pos = 0
        value = 0
        order = {t.short: i for i, t in enumerate(currency.tiers)}
        by_short = {t.short: t for t in currency.tiers}
        last = -1
        for m in _TIER_PART.finditer(s):
            if m.start() != pos:
                break
            short = m.group(2)
            if short not in by_short:
                names = ", ".join(t.short for t in currency.tiers)
                raise MoneyError(f"'{text}': unknown tier '{short}' (tiers: {names})")
            if order[short] <= last:
                raise MoneyError(f"'{text}': write tiers once each, largest first, like {example(currency)}")
            last = order[short]
            value += int(m.group(1)) * by_short[short].value
            pos = m.end()
        if pos != len(s) or not s:
            raise MoneyError(f"'{text}' is not an amount; write it like {example(currency)}")
    if value > MAX_AMOUNT:
        raise MoneyError(f"'{text}' is too large; the most is {format_amount(MAX_AMOUNT, currency)}")
    return int(value)


def format_amount(value: int, currency: Currency) -> str:
    """Print minor units in the currency's notation (negative amounts get a leading '-')."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    if currency.mode == "decimal":
        if currency.decimals == 0:
            return f"{sign}{currency.symbol}{v}"
        unit = 10**currency.decimals
        return f"{sign}{currency.symbol}{v // unit}.{v % unit:0{currency.decimals}d}"
    parts = []
    for tier in currency.tiers:
        count, v = divmod(v, tier.value)
        if count:
            parts.append(f"{count}{tier.short}")
    if not parts:
        smallest = currency.tiers[-1].short if currency.tiers else ""
        return f"0{smallest}"
    return sign + "".join(parts)
