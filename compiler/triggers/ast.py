"""The trigger language's syntax tree: frozen dataclasses, each with its source position
(1-based line and column inside the trigger's source text)."""

from __future__ import annotations

from dataclasses import dataclass

Pos = tuple[int, int]


@dataclass(frozen=True)
class Lit:
    pos: Pos
    value: bool | int | str
    type: str  # bool | int | money | text
    raw: str


@dataclass(frozen=True)
class Var:
    pos: Pos
    name: str


@dataclass(frozen=True)
class Call:
    pos: Pos
    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class Unary:
    pos: Pos
    op: str  # not | -
    operand: Expr


@dataclass(frozen=True)
class Binary:
    pos: Pos
    op: str  # or and == != < <= > >= + - * /
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Interp:
    """A string with ``{expr}`` holes: parts are literal text or expressions."""

    pos: Pos
    parts: tuple[str | Expr, ...]


Expr = Lit | Var | Call | Unary | Binary | Interp


@dataclass(frozen=True)
class Say:
    pos: Pos
    text: Interp


@dataclass(frozen=True)
class Announce:
    pos: Pos
    text: Interp


@dataclass(frozen=True)
class Set:
    pos: Pos
    name: str
    name_pos: Pos
    value: Expr


@dataclass(frozen=True)
class IdStmt:
    """give / take / teleport OBJECT_OR_ROOM_ID"""

    pos: Pos
    op: str  # give | take | teleport
    target: str
    target_pos: Pos


@dataclass(frozen=True)
class MoneyStmt:
    """pay / charge MONEY"""

    pos: Pos
    op: str  # pay | charge
    amount: Expr


@dataclass(frozen=True)
class Stop:
    pos: Pos


@dataclass(frozen=True)
class If:
    pos: Pos
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


Stmt = Say | Announce | Set | IdStmt | MoneyStmt | Stop | If
