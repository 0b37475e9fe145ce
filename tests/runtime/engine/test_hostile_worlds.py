"""Issue 11, items 3 and 4: a world the compiler would now reject (an image built by an older
compiler or another tool) still cannot take the server down.

- A text that doubles with every line (``grow``) once reached 2.7 GB in one USE: the VM refuses
  to build a text over ``MAX_TEXT`` characters; the command fails, its state is unchanged, and
  memory stays small.
- Two rooms whose enter triggers teleport to each other (``loops``, the start room among them)
  once made every login fail: the cascade stops after ``MAX_CASCADE`` nested events with the
  player in a real room, and the login succeeds."""

from __future__ import annotations

import resource
from pathlib import Path

from runtime.engine.engine import TRIGGER_FAILED
from runtime.image.opcodes import MAX_TEXT
from tests.runtime.engine.helpers import Driver, engine
from tests.runtime.hostile import diagnostics, unchecked


def test_the_compiler_rejects_both_worlds() -> None:
    assert ("MM3015", "error") in {(c, s) for c, s, _ in diagnostics("grow")}
    assert ("MM4020", "error") in {(c, s) for c, s, _ in diagnostics("loops")}


def test_a_growing_text_fails_its_command_and_changes_nothing(tmp_path: Path) -> None:
    eng = engine(tmp_path / "w.duckdb", w=unchecked("grow"))
    d = Driver(eng)
    d.text("Ana", "look")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert d.text("Ana", "use mirror") == TRIGGER_FAILED
    assert d.text("Ana", "use mirror") == TRIGGER_FAILED
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 50_000, f"memory grew by {grown_kb} kB"
    eng.close()
    eng = engine(tmp_path / "w.duckdb", w=unchecked("grow"))
    rows = eng.db.query("SELECT name, value FROM vars WHERE owner = 'Ana'")
    assert rows == [], rows  # neither player.s nor player.n moved: the whole command rolled back
    eng.close()


def test_a_text_at_the_limit_is_fine_and_one_more_fails(tmp_path: Path) -> None:
    from runtime import vm
    from runtime.image.model import Code

    # CONST "x"*MAX_TEXT, CONST "", CONCAT, SAY, END   vs   … "y" …
    def code(second: str) -> Code:
        ops = bytes([0x01, 0, 0, 0x01, 0, 1, 0x16, 0x50, 0x62])
        return Code(ops, ("x" * MAX_TEXT, second), (), (), "test", 5, 1)

    class Env:
        def get(self, name: str) -> int:
            return 0

        def has(self, object_id: str) -> bool:
            return False

        def here(self, object_id: str) -> bool:
            return False

        def random(self, low: int, high: int) -> int:
            return low

        def format_money(self, amount: int) -> str:
            return str(amount)

    ok = vm.run(code(""), Env())
    assert ok.error is None and len(ok.effects) == 1
    too_long = vm.run(code("y"), Env())
    assert too_long.error == f"text longer than {MAX_TEXT} characters" and too_long.effects == ()


def test_a_teleport_loop_lets_the_login_succeed_in_a_real_room(tmp_path: Path) -> None:
    eng = engine(tmp_path / "w.duckdb", w=unchecked("loops"))
    d = Driver(eng)
    first = d.text("Ana", "look")
    assert TRIGGER_FAILED not in first
    assert first.startswith("Welcome to Loops!"), first
    assert "A pulls you on." in first and "B pushes you back." in first
    room = eng.db.query("SELECT room FROM players WHERE key = 'Ana'")[0][0]
    assert room in ("loops.a", "loops.b")
    assert d.text("Ana", "east").startswith("Room C")  # and the player can walk away
    eng.close()
    # Back after a restart: the login (no enter triggers for an old player) works too.
    eng = engine(tmp_path / "w.duckdb", w=unchecked("loops"))
    again = Driver(eng)
    again.now = 10**7
    assert again.text("Ana", "look").startswith("Room C")
    eng.close()
