"""Boards over a real database: posts keep their numbers, the board keeps its newest posts, a
moderator's /remove writes an audit row, and a board without a room serves every room that has
no board of its own."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from runtime.engine.engine import default_modules
from runtime.image.model import Board
from tests.runtime.engine.helpers import Driver, engine
from tests.runtime.systems.economy_helpers import PROMOTE
from tests.transcripts.runner import world


def _driver(path: Path, **changes: object) -> Driver:
    w = world("games")
    return Driver(engine(path, w=replace(w, **changes), modules=(*default_modules(), PROMOTE)))


def test_numbers_stay_put_and_the_board_keeps_its_newest(tmp_path: Path) -> None:
    d = _driver(tmp_path / "s.duckdb")
    try:
        d.send("Ana", "n")
        for n in range(1, 6):
            assert d.text("Ana", f"post note {n}") == f"You pin post #{n} to the cork board."
        rows = d.engine.db.query("SELECT id, board, author, body FROM posts ORDER BY id")
        assert rows == [(n, "arc.cork", "Ana", f"note {n}") for n in (3, 4, 5)]  # keep: 3
        assert d.text("Ana", "read").splitlines()[1:] == ["#5 Ana now: note 5", "#4 Ana now: note 4",
                                                          "#3 Ana now: note 3"]
        assert "no post #2" in d.text("Ana", "read 2")
    finally:
        d.engine.close()


def test_a_moderator_removes_a_post_with_an_audit_row(tmp_path: Path) -> None:
    d = _driver(tmp_path / "s.duckdb")
    try:
        d.send("Ana", "n")
        d.send("Ana", "post rude words")
        d.send("Ana", "post kind words")
        assert d.text("Ana", "/remove 1") == "Staff only."  # the staff table's one reply, audited
        d.send("Mo", "promote moderator")
        d.send("Mo", "n")
        assert d.text("Mo", "/remove 1") == "Removed post #1 by Ana from the cork board."
        assert d.engine.db.query("SELECT id FROM posts") == [(2,)]
        audit = d.engine.db.query("SELECT actor, action, target, detail FROM audit ORDER BY seq")
        assert audit == [("Ana", "remove", "1", "needs moderator; has player"),
                         ("Mo", "remove", "post 1", "board arc.cork, by Ana: rude words")]
        assert d.text("Ana", "read 2").endswith("kind words")  # the other post keeps its number
        assert d.text("Mo", "/remove 1") == "The cork board has no post #1. READ lists them."
        assert d.text("Mo", "/remove x") == "Remove which post? /remove N, with N as READ lists them."
    finally:
        d.engine.close()


def test_a_board_without_a_room_serves_rooms_without_their_own(tmp_path: Path) -> None:
    w = world("games")
    d = _driver(tmp_path / "s.duckdb", boards=(*w.boards, Board("arc.town", "town board", None)))
    try:
        assert d.text("Ana", "post anywhere").endswith("You pin post #1 to the town board.")
        d.send("Ana", "e")
        assert d.text("Ana", "read").startswith("town board, 1 post.")
        d.send("Ana", "w")
        d.send("Ana", "n")
        assert d.text("Ana", "read") == "The cork board is empty. POST TEXT pins a note."
        assert "Board: cork board (READ, POST)." in d.text("Ana", "look")
    finally:
        d.engine.close()
