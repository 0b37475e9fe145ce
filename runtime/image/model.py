"""The world as carried by an image: frozen dataclasses, the one contract between
compiler and runtime.

Everything here is pure data.  Money is always an ``int`` of minor units; durations are
``int`` seconds; ids are the designer's dotted ids.  The compiler builds these objects
(``compiler.assemble``), ``runtime.image.codec`` writes and reads them, the runtime only
reads them.  Every tuple of entities is sorted by id so equal worlds give equal images.
"""

from __future__ import annotations

from dataclasses import dataclass

Scalar = bool | int | str
"""A value of declared state, a constant in bytecode, or a game config value."""


@dataclass(frozen=True)
class Tier:
    name: str  # "gold"
    short: str  # "g"
    value: int  # minor units per one of this tier


@dataclass(frozen=True)
class Currency:
    mode: str  # "decimal" | "multitier"
    symbol: str  # decimal only ("" for multitier)
    decimals: int  # decimal only (0 for multitier)
    tiers: tuple[Tier, ...]  # multitier only, largest value first
    starting_balance: int


@dataclass(frozen=True)
class StateVar:
    name: str  # full dotted name, e.g. "player.reputation"
    scope: str  # "world" | "player" | "room" | "self"
    type: str  # "bool" | "int" | "money" | "text"
    default: Scalar


@dataclass(frozen=True)
class LineEntry:
    pc: int  # first instruction offset this entry covers
    line: int  # 1-based line in ``Code.file``


@dataclass(frozen=True)
class Code:
    """One compiled trigger body or expression.

    ``ops`` is bytecode (see ``runtime.image.opcodes``); ``consts`` its constant pool;
    ``lines`` maps instruction offsets back to the YAML source: ``file`` names the document
    ("room town.gazebo") and lines count from the document's first line, so renaming files or
    moving documents between them leaves the image byte-identical.  Jumps only go forward,
    so ``max_steps`` (computed by the compiler, re-checked by the verifier) bounds the run.
    """

    ops: bytes
    consts: tuple[Scalar, ...]
    names: tuple[str, ...]  # variable names and ids the ops refer to by index
    lines: tuple[LineEntry, ...]
    file: str  # the owning document: "KIND ID", e.g. "room town.gazebo"
    max_steps: int
    max_messages: int


@dataclass(frozen=True)
class Trigger:
    event: str  # enter exit look say tick take drop use talk login
    code: Code
    match: str | None = None  # ``say`` triggers: the word that fires it (lowercase)
    every: int | None = None  # ``tick`` triggers: period in seconds
    line: int = 0  # line of the trigger entry within its document


@dataclass(frozen=True)
class Exit:
    direction: str  # canonical long name: north, south, ..., in, out
    to: str  # room id
    when: Code | None = None  # expression: exit usable when it yields true
    blocked: str | None = None  # message when ``when`` is false


@dataclass(frozen=True)
class Room:
    id: str
    name: str
    description: str
    exits: tuple[Exit, ...]
    flags: tuple[str, ...]
    objects: tuple[str, ...]  # object ids, one instance of each placed here at world start
    triggers: tuple[Trigger, ...]
    renamed_from: tuple[str, ...] = ()  # ids this room had in earlier versions (state follows it)


@dataclass(frozen=True)
class Object:
    id: str
    name: str
    aliases: tuple[str, ...]
    description: str
    takeable: bool
    value: int  # money, minor units
    flags: tuple[str, ...]
    triggers: tuple[Trigger, ...]
    shop: str | None = None  # vending object: ``use`` opens this shop
    renamed_from: tuple[str, ...] = ()  # ids this object had in earlier versions (state follows it)


@dataclass(frozen=True)
class DialogueOption:
    say: str
    when: Code | None = None
    goto: str | None = None  # None ends the conversation


@dataclass(frozen=True)
class DialogueNode:
    id: str
    text: str
    options: tuple[DialogueOption, ...]
    do: Code | None = None


@dataclass(frozen=True)
class Npc:
    id: str
    name: str
    aliases: tuple[str, ...]
    room: str
    description: str
    dialogue: tuple[DialogueNode, ...]  # the node named "start" is where talk begins
    triggers: tuple[Trigger, ...]


@dataclass(frozen=True)
class StockItem:
    item: str  # object id
    price: int
    quantity: int | None = None  # None = unlimited
    restock: int | None = None  # seconds per unit restocked, None = never


@dataclass(frozen=True)
class BuyItem:
    item: str
    price: int


@dataclass(frozen=True)
class Shop:
    id: str
    name: str
    room: str | None  # None: only reachable through a vending object
    stock: tuple[StockItem, ...]
    buys: tuple[BuyItem, ...]


@dataclass(frozen=True)
class HouseExit:
    direction: str
    to: str  # a template room key (``local``) or a world room id
    local: bool


@dataclass(frozen=True)
class HouseRoom:
    key: str  # template-local id, e.g. "main"
    name: str  # may contain "{owner}"
    description: str
    exits: tuple[HouseExit, ...]


@dataclass(frozen=True)
class HouseTemplate:
    key: str  # "cottage"
    name: str
    price: int
    max_guests: int
    rooms: tuple[HouseRoom, ...]  # the first room is the entrance (``home`` goes there)


@dataclass(frozen=True)
class Housing:
    id: str
    office: str  # room id where HOUSE BUY works
    templates: tuple[HouseTemplate, ...]
    max_per_player: int = 1
    sell_back_percent: int = 50


@dataclass(frozen=True)
class ConfigEntry:
    key: str
    value: Scalar  # money-valued keys (min_bet, max_bet, ...) already in minor units


@dataclass(frozen=True)
class SlotSymbol:
    name: str  # what a reel shows: "cherry"
    weight: int  # relative chance of this symbol on every reel (> 0)


@dataclass(frozen=True)
class PayLine:
    reels: tuple[str, ...]  # one symbol name per reel, or "any" (``runtime.image.games.ANY``)
    pays: int  # the spin returns the bet times this (> 0); the first matching line pays


@dataclass(frozen=True)
class Game:
    id: str
    type: str  # tinyhack | eightball | fortune | slots
    room: str | None  # None: playable anywhere
    config: tuple[ConfigEntry, ...]  # every scalar setting of the type, defaults filled in
    texts: tuple[str, ...] = ()  # eightball answers, fortune fortunes (defaults filled in)
    symbols: tuple[SlotSymbol, ...] = ()  # slots: the symbols of each reel
    payouts: tuple[PayLine, ...] = ()  # slots: the payout table, in the order lines are tried


@dataclass(frozen=True)
class Board:
    id: str
    name: str
    room: str | None
    keep: int = 50  # posts kept; a new post beyond this removes the oldest


@dataclass(frozen=True)
class Messages:
    """Limits of player-written messages (the world's ``messages:``)."""

    inbox: int = 30  # mails one mailbox holds; mail to a full one is refused
    length: int = 160  # UTF-8 bytes of one mail or post


@dataclass(frozen=True)
class BuilderLimits:
    """Limits of live building (the world's ``builder:``; the server config may override)."""

    clones_per_player: int = 20  # copies made with /create and /clone one builder may own
    clones_total: int = 500  # such copies in the whole world


@dataclass(frozen=True)
class World:
    id: str
    title: str
    format: int
    start: str
    currency: Currency
    state: tuple[StateVar, ...]
    triggers: tuple[Trigger, ...]  # world-level: login, tick
    rooms: tuple[Room, ...]
    objects: tuple[Object, ...]
    npcs: tuple[Npc, ...]
    shops: tuple[Shop, ...]
    housing: tuple[Housing, ...]
    games: tuple[Game, ...]
    boards: tuple[Board, ...]
    messages: Messages = Messages()
    builder: BuilderLimits = BuilderLimits()
