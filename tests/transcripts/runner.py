"""Running a transcript case: ``cases/NAME.script`` (``NAME> COMMAND`` lines, ``@wait``
directives, header comments ``# world: DIR``, ``# seed: N``, ``# frame-bytes: N``) through
``runtime.play.run_play`` against a world under ``worlds/``, giving the text ``play`` prints.
``cases/NAME.expected`` holds what it must print; ``UPDATE_TRANSCRIPTS=1`` rewrites it.

Two headers prepare the database before the case plays (both need a database file; without
one the runner uses a temporary file):
- ``# after: OTHER`` plays case ``OTHER`` first on the same database, its output unread, then
  this case in a new ``play`` process state: a server restart between the two (sessions gone,
  the database kept);
- ``# staff: NAME LEVEL`` makes player NAME staff of that level first (a test-only verb on the
  public system API; sessions do not carry over).
``# sysop: NAME`` plays NAME as sysop, as ``meshmush play --sysop NAME`` does."""

from __future__ import annotations

import io
import re
import tempfile
import types
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.engine.context import Context
from runtime.engine.engine import Engine, EngineConfig, default_modules
from runtime.engine.registry import Verb
from runtime.image.model import World
from runtime.play import run_play
from runtime.store.db import Database

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
WORLDS = HERE / "worlds"
_HEADER = re.compile(r"^#\s*(world|seed|frame-bytes|after|staff|sysop):\s*(\S.*?)\s*$")


@dataclass(frozen=True)
class Case:
    path: Path
    world: str
    seed: int
    frame_bytes: int
    after: str | None = None
    staff: tuple[tuple[str, str], ...] = ()
    sysop: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def expected(self) -> Path:
        return self.path.with_suffix(".expected")


def load_case(path: Path) -> Case:
    found = {"world": "lab", "seed": "1", "frame-bytes": "200"}
    staff: list[tuple[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADER.match(line)
        if m and m.group(1) == "staff":
            name, level = m.group(2).split()
            staff.append((name, level))
        elif m:
            found[m.group(1)] = m.group(2)
    return Case(path, found["world"], int(found["seed"]), int(found["frame-bytes"]), found.get("after"),
                tuple(staff), found.get("sysop"))


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES.glob("*.script"))]


@cache
def world(name: str) -> World:
    diags = Diagnostics()
    w = compile_world(WORLDS / name, diags)
    assert w is not None, [d.as_json() for d in diags.items]
    return w


def _promote(ctx: Context) -> None:
    ctx.state.save_player(replace(ctx.player, level=ctx.command.args.strip()))
    ctx.reply("ok")


_STAFF = types.ModuleType("transcript_staff")
_STAFF.VERBS = (Verb("promote", _promote),)  # type: ignore[attr-defined]


def _make_staff(case: Case, db: Path) -> None:
    eng = Engine(world(case.world), Database.open(db), "transcript", config=EngineConfig(seed=case.seed),
                 modules=(*default_modules(), _STAFF), now_ms=0)
    try:
        for name, level in case.staff:
            eng.handle(name, f"promote {level}", 1)
    finally:
        eng.close()


def play(case: Case, db: Path | None, fmt: str = "text") -> str:
    if (case.after or case.staff) and db is None:
        with tempfile.TemporaryDirectory(prefix="transcript-") as tmp:
            return play(case, Path(tmp) / "state.duckdb", fmt)
    if case.after:
        play(load_case(CASES / f"{case.after}.script"), db)
    if case.staff:
        assert db is not None
        _make_staff(case, db)
    out = io.StringIO()
    code = run_play(
        world(case.world),
        "transcript",
        db_path=db,
        seed=case.seed,
        player=None,
        script=case.path,
        fmt=fmt,
        frame_bytes=case.frame_bytes,
        stdin=io.StringIO(""),
        stdout=out,
        sysop=case.sysop,
    )
    assert code == 0, f"play exited {code}"
    return out.getvalue()


def command_words(case: Case) -> set[str]:
    """The first word of every command in the script (shortcuts " ' : as typed)."""
    words: set[str] = set()
    for line in case.path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "@")) or ">" not in line:
            continue
        command = line.split(">", 1)[1].strip()
        if command:
            words.add(command[0] if command[0] in "\"':" else command.split()[0].lower())
    return words
