"""A typed facade over one command's ``Txn``: players, instances, declared variables, ledger.

Everything a command reads or writes goes through the transaction, so a refusal or an error
rolls all of it back.  Systems with tables of their own (shops, houses, mail …) use
``state.txn`` directly and allocate ids with ``state.next_id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from runtime.engine.refusal import Refusal
from runtime.engine.staff_table import LEVELS
from runtime.engine.world_view import WorldView
from runtime.image.model import Scalar
from runtime.image.money import MAX_AMOUNT
from runtime.store.tables import Row, Txn

IdSource = Callable[[str, str], int]
"""``(table, column) -> a fresh id`` (the database's ``next_id``)."""

HOLDER_ROOM = "room"
HOLDER_PLAYER = "player"
HOLDER_NONE = "none"
TOUCH_MS = 60_000
"""``players.last_seen`` is updated when it is at least this old."""


class BalanceCeiling(Refusal):
    """A balance would pass the money ceiling (``runtime.image.money.MAX_AMOUNT``): the
    command is refused like any other refusal (rolled back, one line to the player)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"That would put {name}'s money over the limit; nothing changed.")
        self.name = name


class InsufficientFunds(Exception):
    """A balance would go below zero."""

    def __init__(self, balance: int, needed: int) -> None:
        super().__init__(f"balance {balance} is less than {needed}")
        self.balance = balance
        self.needed = needed


@dataclass(frozen=True)
class Player:
    key: str  # radio node id, or the name in `meshmush play`
    name: str
    room: str
    balance: int
    level: str  # "player" | "moderator" | "admin" | "sysop"
    created_at: int
    last_seen: int

    @property
    def rank(self) -> int:
        return LEVELS.get(self.level, 0)

    @staticmethod
    def from_row(row: Row) -> Player:
        key, name, _lc, room, balance, level, created, seen = row
        return Player(key, name, room, balance, level or "player", created, seen)

    def row(self) -> Row:
        return (
            self.key,
            self.name,
            self.name.lower(),
            self.room,
            self.balance,
            self.level,
            self.created_at,
            self.last_seen,
        )


@dataclass(frozen=True)
class Instance:
    iid: int
    object_id: str
    holder_kind: str  # "room" | "player" | "none"
    holder: str  # room id or player key ("" for none)

    @staticmethod
    def from_row(row: Row) -> Instance:
        iid, obj, kind, holder = row
        return Instance(int(iid), str(obj), str(kind), str(holder or ""))


PlayerMemo = dict[str, tuple[Row, "Player"]]
"""Players already built from their rows: key → (the row, its Player).  A row is immutable, so
while the table holds the same row object the Player is the same; an engine keeps one memo
for all its commands, so ``ctx.player`` and loops over players cost a lookup, not a new object."""


class State:
    def __init__(self, txn: Txn, world: WorldView, ids: IdSource, memo: PlayerMemo | None = None) -> None:
        self.txn = txn
        self.world = world
        self._ids = ids
        self._memo: PlayerMemo = memo if memo is not None else {}

    def _player_of(self, row: Row) -> Player:
        key = row[0]
        hit = self._memo.get(key)
        if hit is not None and hit[0] is row:
            return hit[1]
        p = Player.from_row(row)
        self._memo[key] = (row, p)
        return p

    def next_id(self, table: str, column: str) -> int:
        return self._ids(table, column)

    # ------------------------------------------------------------------ players
    def player(self, key: str) -> Player | None:
        row = self.txn.get("players", (key,))
        return self._player_of(row) if row is not None else None

    def names_of(self, keys: Iterable[str]) -> list[str]:
        """The names of the players with these keys (no ``Player`` built: WHO over a crowd)."""
        get = self.txn.get
        return [row[1] for row in (get("players", (k,)) for k in keys) if row is not None]

    def require_player(self, key: str) -> Player:
        p = self.player(key)
        if p is None:
            raise KeyError(f"no player {key!r}")
        return p

    def player_by_name(self, name: str) -> Player | None:
        rows = self.txn.find("players", "name_lc", name.strip().lower())
        return self._player_of(rows[0]) if rows else None

    def players_in_room(self, room: str) -> list[Player]:
        return [self._player_of(r) for r in self.txn.find("players", "room", room)]

    def keys_in_room(self, room: str) -> list[str]:
        """Keys of the players in ``room`` (cheaper than ``players_in_room`` for messaging)."""
        return [r[0] for r in self.txn.find("players", "room", room)]

    def all_players(self) -> list[Player]:
        return [self._player_of(r) for r in self.txn.scan("players")]

    def create_player(self, key: str, name: str, room: str, balance: int, now_ms: int) -> Player:
        p = Player(key, name, room, balance, "player", now_ms, now_ms)
        self.txn.put("players", p.row())
        return p

    def save_player(self, player: Player) -> None:
        self.txn.put("players", player.row())

    def set_room(self, key: str, room: str) -> None:
        p = self.require_player(key)
        self.save_player(_replace(p, room=room))

    def touch(self, key: str, now_ms: int) -> None:
        """Record that the player was seen, to the minute (a write per command would cost a row)."""
        p = self.require_player(key)
        if now_ms - p.last_seen >= TOUCH_MS or now_ms < p.last_seen:
            self.save_player(_replace(p, last_seen=now_ms))

    def adjust_balance(self, key: str, delta: int) -> int:
        """Add ``delta`` (may be negative) and return the new balance; never below zero
        (``InsufficientFunds``), never above the money ceiling (``BalanceCeiling``)."""
        p = self.require_player(key)
        new = p.balance + delta
        if new < 0:
            raise InsufficientFunds(p.balance, -delta)
        if new > MAX_AMOUNT:
            raise BalanceCeiling(p.name)
        self.save_player(_replace(p, balance=new))
        return new

    def ledger(self, payer: str, payee: str, amount: int, reason: str, now_ms: int) -> None:
        seq = self.next_id("ledger", "seq")
        self.txn.put("ledger", (seq, now_ms, payer, payee, amount, reason))

    # ------------------------------------------------------------------ instances
    def instance(self, iid: int) -> Instance | None:
        row = self.txn.get("instances", (iid,))
        return Instance.from_row(row) if row is not None else None

    def instances_in_room(self, room: str) -> list[Instance]:
        return [
            i for i in map(Instance.from_row, self.txn.find("instances", "holder", room)) if i.holder_kind == HOLDER_ROOM
        ]

    def inventory(self, key: str) -> list[Instance]:
        return [
            i
            for i in map(Instance.from_row, self.txn.find("instances", "holder", key))
            if i.holder_kind == HOLDER_PLAYER
        ]

    def new_instance(self, object_id: str, holder_kind: str, holder: str) -> Instance:
        inst = Instance(self.next_id("instances", "iid"), object_id, holder_kind, holder)
        self.txn.put("instances", (inst.iid, inst.object_id, inst.holder_kind, inst.holder))
        return inst

    def move_instance(self, iid: int, holder_kind: str, holder: str) -> Instance:
        inst = self.instance(iid)
        if inst is None:
            raise KeyError(f"no instance {iid}")
        moved = Instance(iid, inst.object_id, holder_kind, holder)
        self.txn.put("instances", (iid, moved.object_id, holder_kind, holder))
        return moved

    def delete_instance(self, iid: int) -> None:
        self.txn.delete("instances", (iid,))
        for var in self.world.vars_in_scope("self"):
            self.txn.delete("vars", ("self", str(iid), var.name))

    # ------------------------------------------------------------------ variables
    def get_var(self, name: str, owner: str) -> Scalar:
        """A declared variable (full dotted name) of ``owner`` ('' for world), default if unset."""
        scope = name.split(".", 1)[0]
        row = self.txn.get("vars", (scope, owner, name))
        if row is not None:
            value: Scalar = json.loads(row[3])
            return value
        var = self.world.state_var(name)
        if var is None:
            raise KeyError(f"undeclared variable {name!r}")
        return var.default

    def set_var(self, name: str, owner: str, value: Scalar) -> None:
        scope = name.split(".", 1)[0]
        self.txn.put("vars", (scope, owner, name, json.dumps(value)))


def _replace(p: Player, **changes: object) -> Player:
    from dataclasses import replace

    return replace(p, **changes)  # type: ignore[arg-type]
