"""Forgetting players who never came back.

Anyone can invent node numbers, and each one that gets a word in becomes a player.  A player who
never became established (its last command came less than ``established_after_ms`` after it was
created), has not been seen for ``idle_ms``, is offline, plain (no staff level), still holds
exactly the starting balance and is named in no other table (no items, house, mail, ledger row,
post …) is a stray: its row, its ``player.*`` variables and its dialogue positions are deleted.
Everything else about a world stays exactly as it was.
"""

from __future__ import annotations

from collections.abc import Callable

from runtime.store.tables import Txn

# tables whose rows about a stray go with it; every other table naming a player keeps it
_OWN_TABLES = {"players", "vars", "dialogue", "meta"}


def find_strays(
    txn: Txn,
    *,
    now_ms: int,
    idle_ms: int,
    established_after_ms: int,
    starting_balance: int,
    online: Callable[[str], bool],
    tables: tuple[str, ...],
) -> list[str]:
    candidates: set[str] = set()
    for key, _name, _lc, _room, balance, level, created, seen in txn.scan("players"):
        if (
            (level or "player") == "player"
            and seen - created < established_after_ms
            and now_ms - seen >= idle_ms
            and balance == starting_balance
            and not online(key)
        ):
            candidates.add(key)
    if not candidates:
        return []
    for table in tables:
        if table in _OWN_TABLES:
            continue
        for row in txn.scan(table):
            for value in row:
                if isinstance(value, str) and value in candidates:
                    candidates.discard(value)
        if not candidates:
            return []
    return sorted(candidates)


def forget(txn: Txn, keys: list[str]) -> None:
    """Delete the strays' rows, their ``player.*`` variables and dialogue positions."""
    gone = set(keys)
    for key in keys:
        txn.delete("players", (key,))
    for scope, owner, name, _value in list(txn.scan("vars")):
        if scope == "player" and owner in gone:
            txn.delete("vars", (scope, owner, name))
    for player, npc, _node in list(txn.scan("dialogue")):
        if player in gone:
            txn.delete("dialogue", (player, npc))
