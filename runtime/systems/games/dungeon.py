"""TinyHack's rules: a seeded dungeon of small levels, one move per radio message.

Pure game logic, no engine and no storage (``tinyhack.py`` is the glue).  A level is a grid of
``WIDTH`` x ``HEIGHT`` cells joined by passages (a random spanning tree plus a few extra links,
so every cell is reachable).  The player arrives at the level's start cell; the stairs down are
at the cell farthest from it, and on the last level a boss waits there instead: kill it to win.
Other cells hold monsters or items (a potion ``!``, gold ``$``, a sword ``/``).

The layout comes from the dungeon's seed alone, through our own small generator (splitmix64),
so a saved game finds the same dungeon after a restart or an upgrade of Python.  Fights use the
random source the caller passes (the engine's, seeded by ``--seed``).

The whole view — what happened, a status line and the map — fits one 200-byte frame::

    You kill the rat.
    L1/3 HP8/10 A2 !0 $3
    .-@-?
    | |
    .-. ?

``@`` you, ``.`` an empty cell you have seen, ``?`` a cell a passage leads to that you have not
seen, letters are monsters, ``>`` the stairs.  Only the part of the grid that shows something
is sent.  Rules and commands: docs/games.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from typing import Protocol

WIDTH, HEIGHT = 4, 3
CELLS = WIDTH * HEIGHT
START_HP = 10
START_ATK = 2
POTION_HEAL = 5
HIT_PERCENT = 75  # a monster's chance to hit
MASK = (1 << 64) - 1

DIRS: Mapping[str, tuple[int, int]] = {"n": (0, -1), "s": (0, 1), "e": (1, 0), "w": (-1, 0)}
DIR_WORDS: Mapping[str, str] = {
    "n": "n", "north": "n", "s": "s", "south": "s", "e": "e", "east": "e", "w": "w", "west": "w",
}
DIR_NAMES: Mapping[str, str] = {"n": "north", "s": "south", "e": "east", "w": "west"}


class Roller(Protocol):
    """The random source of fights (``random.Random`` fits)."""

    def randrange(self, start: int, stop: int | None = ..., step: int = ...) -> int: ...


class SeedRng:
    """splitmix64: a tiny generator whose output is fixed forever for a given seed."""

    def __init__(self, seed: int) -> None:
        self.state = seed & MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def below(self, n: int) -> int:
        return self.next() % n

    def shuffle(self, items: list[int]) -> None:
        for i in range(len(items) - 1, 0, -1):
            j = self.below(i + 1)
            items[i], items[j] = items[j], items[i]


@dataclass(frozen=True)
class Monster:
    name: str
    letter: str
    hp: int
    atk: int


@dataclass(frozen=True)
class Item:
    kind: str  # "!" potion, "$" gold, "/" sword
    amount: int = 0  # gold pieces


MONSTERS: tuple[tuple[Monster, ...], ...] = (
    (Monster("rat", "r", 2, 1), Monster("bat", "b", 2, 1), Monster("goblin", "g", 3, 2)),
    (Monster("goblin", "g", 3, 2), Monster("kobold", "k", 4, 2), Monster("orc", "o", 5, 2)),
    (Monster("orc", "o", 5, 2), Monster("wolf", "w", 4, 3), Monster("troll", "T", 7, 3)),
)
"""By tier: the first level draws from the first row, the deepest levels from the last."""


def boss(levels: int) -> Monster:
    return Monster("dragon", "D", 8 + 2 * levels, 3 + levels // 3)


@dataclass(frozen=True)
class Level:
    number: int
    links: frozenset[tuple[int, int]]  # (a, b) with a < b: a passage between neighbouring cells
    start: int
    goal: int  # the stairs, or the boss on the last level
    last: bool
    monsters: Mapping[int, Monster]
    items: Mapping[int, Item]

    def linked(self, a: int, b: int) -> bool:
        return (min(a, b), max(a, b)) in self.links


def neighbour(cell: int, d: str) -> int | None:
    dx, dy = DIRS[d]
    x, y = cell % WIDTH + dx, cell // WIDTH + dy
    if 0 <= x < WIDTH and 0 <= y < HEIGHT:
        return y * WIDTH + x
    return None


def _distances(links: frozenset[tuple[int, int]], start: int) -> list[int]:
    dist = [-1] * CELLS
    dist[start] = 0
    queue = [start]
    for cell in queue:
        for d in "nsew":
            nb = neighbour(cell, d)
            if nb is not None and (min(cell, nb), max(cell, nb)) in links and dist[nb] < 0:
                dist[nb] = dist[cell] + 1
                queue.append(nb)
    return dist


@lru_cache(maxsize=256)
def level(seed: int, number: int, levels: int) -> Level:
    """Level ``number`` (1-based) of the dungeon ``seed`` with ``levels`` levels."""
    rng = SeedRng(seed * 1_000_003 + number * 7919 + levels)
    start = rng.below(CELLS)
    links: set[tuple[int, int]] = set()
    seen = {start}
    stack = [start]
    while stack:  # a random spanning tree (depth-first)
        cell = stack[-1]
        options = [nb for d in "nsew" if (nb := neighbour(cell, d)) is not None and nb not in seen]
        if not options:
            stack.pop()
            continue
        nb = options[rng.below(len(options))]
        links.add((min(cell, nb), max(cell, nb)))
        seen.add(nb)
        stack.append(nb)
    for _ in range(2):  # a couple of loops
        cell = rng.below(CELLS)
        d = "nsew"[rng.below(4)]
        nb = neighbour(cell, d)
        if nb is not None:
            links.add((min(cell, nb), max(cell, nb)))
    frozen = frozenset(links)
    dist = _distances(frozen, start)
    goal = max(range(CELLS), key=lambda c: (dist[c], -c))
    last = number >= levels
    free = [c for c in range(CELLS) if c not in (start, goal)]
    rng.shuffle(free)
    tier = MONSTERS[min(len(MONSTERS) - 1, (number - 1) * len(MONSTERS) // max(1, levels))]
    count = min(4, 1 + number)
    monsters: dict[int, Monster] = {c: tier[rng.below(len(tier))] for c in free[:count]}
    if last:
        monsters[goal] = boss(levels)
    rest = free[count:]
    items: dict[int, Item] = {}
    kinds = ["!", "$", "$"] + (["/"] if number % 2 == 1 else [])
    for cell, kind in zip(rest, kinds, strict=False):
        items[cell] = Item(kind, 1 + rng.below(3 * number) if kind == "$" else 0)
    return Level(number, frozen, start, goal, last, monsters, items)


# ------------------------------------------------------------------ a game in progress
@dataclass(frozen=True)
class Progress:
    seed: int
    levels: int
    level: int
    pos: int
    hp: int
    max_hp: int
    atk: int
    potions: int
    gold: int
    turns: int
    seen: int  # bit per cell of this level the player has been in
    cleared: int  # bit per cell whose monster is dead or whose item is taken
    wounds: int  # damage done to the monster of the player's cell (reset when leaving it)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))

    @staticmethod
    def from_json(text: str) -> Progress | None:
        """A saved game, or None when the text is not one (damaged or from elsewhere)."""
        try:
            data = json.loads(text)
            fields = Progress.__dataclass_fields__
            if not isinstance(data, dict) or set(data) != set(fields):
                return None
            if not all(isinstance(v, int) and not isinstance(v, bool) for v in data.values()):
                return None
            p = Progress(**data)
        except (ValueError, TypeError, RecursionError):
            return None
        if not (1 <= p.levels <= 9 and 1 <= p.level <= p.levels and 0 <= p.pos < CELLS and 0 < p.hp <= p.max_hp):
            return None
        if p.atk < 1 or min(p.potions, p.gold, p.turns, p.seen, p.cleared, p.wounds) < 0:
            return None
        return p


def new_game(seed: int, levels: int) -> Progress:
    first = level(seed, 1, levels)
    return Progress(seed, levels, 1, first.start, START_HP, START_HP, START_ATK, 0, 0, 0,
                    1 << first.start, 0, 0)


@dataclass(frozen=True)
class Outcome:
    progress: Progress | None  # None: the game is over (won, lost or abandoned)
    text: str
    ended: str = ""  # "" | "win" | "death" | "quit"
    moved: bool = False  # the command did something (it is not just a look or a refusal)


def current(p: Progress) -> Level:
    return level(p.seed, p.level, p.levels)


def _monster_here(p: Progress, lv: Level) -> Monster | None:
    m = lv.monsters.get(p.pos)
    return m if m is not None and not p.cleared >> p.pos & 1 else None


def _item_here(p: Progress, lv: Level) -> Item | None:
    it = lv.items.get(p.pos)
    return it if it is not None and not p.cleared >> p.pos & 1 else None


def _monster_hits(p: Progress, m: Monster, rng: Roller) -> tuple[Progress, str]:
    if rng.randrange(100) >= HIT_PERCENT:
        return p, f"The {m.name} misses."
    dmg = 1 + rng.randrange(m.atk)
    return replace(p, hp=p.hp - dmg), f"The {m.name} hits you ({dmg})."


def _arrive(p: Progress, lv: Level) -> str:
    m = _monster_here(p, lv)
    if m is not None:
        return f"A {m.name} ({m.hp - p.wounds}hp) is here! FIGHT or flee."
    it = _item_here(p, lv)
    if it is not None:
        return {"!": "A potion lies here. TAKE it.", "$": "Gold glitters here. TAKE it.",
                "/": "A sword lies here. TAKE it."}[it.kind]
    if p.pos == lv.goal and not lv.last:
        return "Stairs lead down. DOWN to descend."
    return ""


def act(p: Progress, command: str, rng: Roller) -> Outcome:
    """One command of a game in progress."""
    word = command.strip().lower()
    lv = current(p)
    if word in ("", "l", "look", "map"):
        return Outcome(p, _arrive(p, lv) or "You look around.")
    if word in DIR_WORDS:
        return _move(p, lv, DIR_WORDS[word], rng)
    if word in ("fight", "f", "attack", "hit", "kill"):
        return _fight(p, lv, rng)
    if word in ("take", "t", "get"):
        return _take(p, lv)
    if word in ("drink", "potion", "quaff"):
        if p.potions <= 0:
            return Outcome(p, "You have no potion.")
        hp = min(p.max_hp, p.hp + POTION_HEAL)
        return Outcome(replace(p, hp=hp, potions=p.potions - 1, turns=p.turns + 1),
                       f"You drink a potion: HP {hp}.", moved=True)
    if word in ("down", "d", "descend", ">"):
        return _descend(p, lv)
    if word == "quit":
        return Outcome(None, f"You leave the dungeon with {p.gold} gold. Game over.", "quit", True)
    return Outcome(p, f"TinyHack has no '{word[:12]}'. Try n s e w fight take drink down quit.")


def _move(p: Progress, lv: Level, d: str, rng: Roller) -> Outcome:
    nb = neighbour(p.pos, d)
    if nb is None or not lv.linked(p.pos, nb):
        return Outcome(p, f"No way {DIR_NAMES[d]}.")
    said: list[str] = []
    m = _monster_here(p, lv)
    if m is not None:  # fleeing: the monster strikes once
        p, hit = _monster_hits(p, m, rng)
        said.append(hit)
        if p.hp <= 0:
            return _death(p, m, said)
    p = replace(p, pos=nb, seen=p.seen | 1 << nb, turns=p.turns + 1, wounds=0)
    said.append(f"You go {DIR_NAMES[d]}.")
    said.append(_arrive(p, lv))
    return Outcome(p, " ".join(s for s in said if s), moved=True)


def _fight(p: Progress, lv: Level, rng: Roller) -> Outcome:
    m = _monster_here(p, lv)
    if m is None:
        return Outcome(p, "There is nothing to fight here.")
    dmg = 1 + rng.randrange(p.atk)
    wounds = p.wounds + dmg
    p = replace(p, turns=p.turns + 1)
    if wounds >= m.hp:
        p = replace(p, cleared=p.cleared | 1 << p.pos, wounds=0)
        if lv.last and p.pos == lv.goal:
            return Outcome(None, f"You slay the {m.name}! You win with {p.gold} gold.", "win", True)
        return Outcome(p, " ".join(s for s in (f"You kill the {m.name}.", _arrive(p, lv)) if s), moved=True)
    p = replace(p, wounds=wounds)
    p, hit = _monster_hits(p, m, rng)
    said = [f"You hit the {m.name} ({dmg}).", hit]
    if p.hp <= 0:
        return _death(p, m, said)
    return Outcome(p, " ".join(said) + f" It has {m.hp - wounds}hp.", moved=True)


def _death(p: Progress, m: Monster, said: list[str]) -> Outcome:
    return Outcome(None, " ".join([*said, f"The {m.name} kills you on level {p.level}. Game over."]),
                   "death", True)


def _take(p: Progress, lv: Level) -> Outcome:
    m = _monster_here(p, lv)
    if m is not None:
        return Outcome(p, f"The {m.name} is in the way.")
    it = _item_here(p, lv)
    if it is None:
        return Outcome(p, "There is nothing to take.")
    p = replace(p, cleared=p.cleared | 1 << p.pos, turns=p.turns + 1)
    if it.kind == "!":
        return Outcome(replace(p, potions=p.potions + 1), "You take a potion. DRINK heals.", moved=True)
    if it.kind == "$":
        return Outcome(replace(p, gold=p.gold + it.amount), f"You take {it.amount} gold.", moved=True)
    return Outcome(replace(p, atk=p.atk + 1), f"You take a sword: attack {p.atk + 1}.", moved=True)


def _descend(p: Progress, lv: Level) -> Outcome:
    if p.pos != lv.goal or lv.last:
        return Outcome(p, "There are no stairs here.")
    nxt = level(p.seed, p.level + 1, p.levels)
    p = replace(p, level=p.level + 1, pos=nxt.start, seen=1 << nxt.start, cleared=0, wounds=0,
                max_hp=p.max_hp + 2, hp=min(p.max_hp + 2, p.hp + 2), turns=p.turns + 1)
    return Outcome(p, f"You descend to level {p.level}. (+2 HP)", moved=True)


# ------------------------------------------------------------------ the view
def _glyph(p: Progress, lv: Level, cell: int) -> str:
    if cell == p.pos:
        return "@"
    if not p.seen >> cell & 1:
        return "?"
    live = not p.cleared >> cell & 1
    m = lv.monsters.get(cell)
    if m is not None and live:
        return m.letter
    it = lv.items.get(cell)
    if it is not None and live:
        return it.kind
    if cell == lv.goal and not lv.last:
        return ">"
    return "."


def map_lines(p: Progress) -> list[str]:
    """The level as seen: cells you have been in, and the passages out of them."""
    lv = current(p)

    def known(cell: int) -> bool:
        if p.seen >> cell & 1:
            return True
        return any(
            nb is not None and p.seen >> nb & 1 and lv.linked(cell, nb)
            for nb in (neighbour(cell, d) for d in "nsew")
        )

    rows: list[str] = []
    for y in range(HEIGHT):
        cells, links = [], []
        for x in range(WIDTH):
            c = y * WIDTH + x
            cells.append(_glyph(p, lv, c) if known(c) else " ")
            right = c + 1 if x + 1 < WIDTH else None
            if right is not None:
                seen_pair = p.seen >> c & 1 or p.seen >> right & 1
                cells.append("-" if seen_pair and lv.linked(c, right) else " ")
            below = c + WIDTH
            if y + 1 < HEIGHT:
                seen_pair = p.seen >> c & 1 or p.seen >> below & 1
                links.append("|" if seen_pair and lv.linked(c, below) else " ")
                links.append(" ")
        rows.append("".join(cells).rstrip())
        if y + 1 < HEIGHT:
            rows.append("".join(links).rstrip())
    return _crop(rows)


def _crop(rows: list[str]) -> list[str]:
    """Only the part of the grid that shows something (airtime is scarce)."""
    while rows and not rows[0]:
        rows.pop(0)
    while rows and not rows[-1]:
        rows.pop()
    indent = min((len(r) - len(r.lstrip(" ")) for r in rows if r), default=0)
    return [r[indent:] for r in rows]


def status(p: Progress) -> str:
    return f"L{p.level}/{p.levels} HP{p.hp}/{p.max_hp} A{p.atk} !{p.potions} ${p.gold}"


def view(p: Progress, text: str) -> str:
    """What the player is shown: what happened, the status line, the map."""
    lines = [text] if text else []
    lines.append(status(p))
    lines += map_lines(p)
    return "\n".join(lines)


HELP = (
    "TinyHack: reach the stairs (>) on each level and slay the dragon (D) at the bottom. "
    "PLAY TINYHACK n|s|e|w, fight, take, drink, down, map, quit. @ you, ? unseen, ! potion, $ gold, / sword."
)
