"""TinyHack: the dungeon's rules (every level connected, stairs farthest, the layout fixed by the
seed forever, every view one frame), saves that survive a restart and damage, and a reward paid
once per player and dungeon seed."""

from __future__ import annotations

import random
from collections import deque
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.engine.engine import Engine
from runtime.image.model import ConfigEntry, World
from runtime.systems.games import dungeon
from runtime.systems.games.dungeon import CELLS, Progress, act, current, level, neighbour, new_game, view
from runtime.systems.games.tinyhack import DAY_MS
from tests.runtime.engine.helpers import engine
from tests.transcripts.runner import world

COMMANDS = ["n", "s", "e", "w", "north", "fight", "take", "drink", "down", "map", "look", "", "dance", "f", "t"]


def _reachable(lv: dungeon.Level) -> dict[int, int]:
    dist = {lv.start: 0}
    queue = deque([lv.start])
    while queue:
        c = queue.popleft()
        for d in "nsew":
            nb = neighbour(c, d)
            if nb is not None and lv.linked(c, nb) and nb not in dist:
                dist[nb] = dist[c] + 1
                queue.append(nb)
    return dist


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 10**6), levels=st.integers(1, 9), data=st.data())
def test_every_level_is_connected_with_the_goal_farthest(seed: int, levels: int, data: st.DataObject) -> None:
    number = data.draw(st.integers(1, levels))
    lv = level(seed, number, levels)
    dist = _reachable(lv)
    assert len(dist) == CELLS
    assert dist[lv.goal] == max(dist.values()) and lv.goal != lv.start
    assert lv.start not in lv.monsters and lv.start not in lv.items
    assert not set(lv.monsters) & set(lv.items)
    assert lv.last == (number == levels)
    assert (lv.goal in lv.monsters) == lv.last
    assert lv.goal not in lv.items


def test_the_layout_is_fixed_by_the_seed_forever() -> None:
    """Saves keep only the seed: a change to the generator would move every saved player.
    Changing this expectation means saved games no longer match their dungeon."""
    p = new_game(4242, 3)
    lv = current(p)
    assert (lv.start, lv.goal, sorted(lv.links)) == (
        7, 3, [(0, 1), (0, 4), (1, 2), (2, 3), (4, 5), (4, 8), (5, 6), (6, 10), (7, 11), (8, 9), (10, 11)],
    )
    assert {c: m.name for c, m in lv.monsters.items()} == {5: "goblin", 6: "bat"}
    assert view(p, "Hi.") == "Hi.\nL1/3 HP10/10 A2 !0 $0\n@\n|\n?"


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 10**6), levels=st.integers(1, 9), roll=st.integers(0, 2**32),
       commands=st.lists(st.sampled_from(COMMANDS), max_size=120))
def test_any_play_keeps_the_rules_and_fits_one_frame(seed: int, levels: int, roll: int, commands: list[str]) -> None:
    rng = random.Random(roll)
    p = new_game(seed, levels)
    assert len(view(p, "New dungeon #999999. Find > on each level; the dragon D waits at the bottom.").encode()) <= 200
    for command in commands:
        out = act(p, command, rng)
        if out.progress is None:
            assert out.ended in ("win", "death", "quit")
            assert len(out.text.encode()) <= 200
            return
        q = out.progress
        assert len(view(q, out.text).encode()) <= 200, view(q, out.text)
        assert 0 < q.hp <= q.max_hp and q.level >= p.level and q.turns >= p.turns
        assert q.seen >> q.pos & 1
        assert Progress.from_json(q.to_json()) == q
        if not out.moved:
            assert q == p
        p = q


def test_damaged_saves_are_refused() -> None:
    good = new_game(7, 2).to_json()
    assert Progress.from_json(good) == new_game(7, 2)
    for bad in ("", "{", "[]", "null", '{"seed": 1}', good.replace('"hp":10', '"hp":0'),
                good.replace('"hp":10', '"hp":true'), good.replace('"level":1', '"level":5'),
                good.replace('"pos":', '"pos":99,"x":'), good.replace('"atk":2', '"atk":"2"'),
                "[" * 100_000):
        assert Progress.from_json(bad) is None, bad


# ------------------------------------------------------------------ in the engine
def _variant(**settings: object) -> World:
    w = world("games")
    games = []
    for g in w.games:
        if g.type == "tinyhack":
            entries = {e.key: e.value for e in g.config} | settings
            g = replace(g, config=tuple(ConfigEntry(k, v) for k, v in sorted(entries.items())))  # type: ignore[arg-type]
        games.append(g)
    return replace(w, games=tuple(games))


class Bot:
    def __init__(self, eng: Engine, who: str, now: int) -> None:
        self.eng, self.who, self.now = eng, who, now

    def send(self, text: str) -> str:
        self.now += 1000
        return "\n".join(o.text for o in self.eng.handle(self.who, text, self.now) if o.to == self.who)

    def progress(self) -> Progress | None:
        txn = self.eng.tables.begin()
        try:
            row = txn.get("game_saves", (self.who, "arc.tinyhack"))
        finally:
            txn.rollback()
        return Progress.from_json(row[3]) if row else None

    def win(self) -> str:
        """Play games (the same dungeon on a daily seed) until one is won; the last reply."""
        for _ in range(20):
            self.send("play tinyhack")
            while (p := self.progress()) is not None:
                lv = current(p)
                live = not p.cleared >> p.pos & 1
                if p.hp <= 4 and p.potions:
                    cmd = "drink"
                elif p.pos in lv.monsters and live:
                    cmd = "fight"
                elif p.pos in lv.items and live:
                    cmd = "take"
                else:
                    cmd = self._step(p, lv)
                reply = self.send("play tinyhack " + cmd)
            if "You win" in reply:
                return reply
        raise AssertionError("the bot never won")

    @staticmethod
    def _step(p: Progress, lv: dungeon.Level) -> str:
        if p.pos == lv.goal and not lv.last:
            return "down"
        prev: dict[int, tuple[int, str] | None] = {p.pos: None}
        queue = deque([p.pos])
        while queue:
            c = queue.popleft()
            for d in "nsew":
                nb = neighbour(c, d)
                if nb is not None and lv.linked(c, nb) and nb not in prev:
                    prev[nb] = (c, d)
                    queue.append(nb)
        c, first = lv.goal, "n"
        while (step := prev[c]) is not None:
            c, first = step
        return first


def test_a_win_pays_once_per_dungeon_seed(tmp_path: Path) -> None:
    w = _variant(seed_daily=True)
    eng = engine(tmp_path / "s.duckdb", w=w)
    try:
        bot = Bot(eng, "Ana", 5 * DAY_MS)
        bot.send("e")
        first = bot.win()
        assert "Reward: $1.50. You have $6.50." in first
        second = bot.win()  # the same day: the same dungeon
        assert "You won this dungeon before: no reward this time." in second
        bot.now = 6 * DAY_MS  # the next day's dungeon pays again
        third = bot.win()
        assert "Reward: $1.50. You have $8.00." in third
        rows = eng.db.query("SELECT seed, reward FROM game_wins WHERE player = 'Ana' ORDER BY seed")
        assert rows == [(5, 150), (6, 150)]
        ledger = eng.db.query("SELECT payer, payee, amount, reason FROM ledger ORDER BY seq")
        assert ledger == [("game:arc.tinyhack", "Ana", 150, "tinyhack reward")] * 2
    finally:
        eng.close()


def test_a_game_survives_a_restart_and_a_damaged_save_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    eng = engine(path, w=world("games"))
    bot = Bot(eng, "Ana", 1000)
    bot.send("e")
    bot.send("play tinyhack")
    started = bot.progress()
    assert started is not None
    bot.send("play tinyhack " + Bot._step(started, current(started)))
    before = bot.progress()
    assert before is not None and before != started
    eng.close()
    eng = engine(path, w=world("games"))
    try:
        bot = Bot(eng, "Ana", 10 * DAY_MS)  # days of radio silence
        assert bot.progress() == before
        assert dungeon.status(before) in bot.send("play tinyhack map")
    finally:
        eng.close()
    con = duckdb.connect(str(path))  # damaged by hand while the server is stopped
    con.execute("UPDATE game_saves SET state = '{\"broken\": tr' WHERE player = 'Ana'")
    con.close()
    eng = engine(path, w=world("games"))
    try:
        bot = Bot(eng, "Ana", 11 * DAY_MS)
        reply = bot.send("play tinyhack n")
        assert "\nYour saved game was damaged and is gone. New dungeon #" in reply, reply
        assert bot.progress() is not None
    finally:
        eng.close()


@pytest.mark.parametrize("word", ["quit", "new"])
def test_refusals_change_nothing(tmp_path: Path, word: str) -> None:
    eng = engine(tmp_path / "s.duckdb", w=world("games"))
    try:
        bot = Bot(eng, "Ana", 1000)
        bot.send("e")
        if word == "new":
            bot.send("play tinyhack")
        before = bot.progress()
        reply = bot.send(f"play tinyhack {word}")
        assert reply in ("You are not in a TinyHack game. PLAY TINYHACK starts one.",
                         "You are in a game already: PLAY TINYHACK QUIT ends it.")
        assert bot.progress() == before
    finally:
        eng.close()
