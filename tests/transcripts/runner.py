"""Running a transcript case: ``cases/NAME.script`` (``NAME> COMMAND`` lines, ``@wait``
directives, header comments ``# world: DIR``, ``# seed: N``, ``# frame-bytes: N``) through
``runtime.play.run_play`` against a world under ``worlds/``, giving the text ``play`` prints;
``# sysop: NAME`` plays NAME as sysop (``play --sysop``).
``cases/NAME.expected`` holds what it must print; ``UPDATE_TRANSCRIPTS=1`` rewrites it."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.image.model import World
from runtime.play import run_play

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
WORLDS = HERE / "worlds"
_HEADER = re.compile(r"^#\s*(world|seed|frame-bytes|sysop):\s*(\S+)\s*$")


@dataclass(frozen=True)
class Case:
    path: Path
    world: str
    seed: int
    frame_bytes: int
    sysop: str | None = None

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def expected(self) -> Path:
        return self.path.with_suffix(".expected")


def load_case(path: Path) -> Case:
    found = {"world": "lab", "seed": "1", "frame-bytes": "200", "sysop": ""}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _HEADER.match(line)
        if m:
            found[m.group(1)] = m.group(2)
    return Case(path, found["world"], int(found["seed"]), int(found["frame-bytes"]), found["sysop"] or None)


def all_cases() -> list[Case]:
    return [load_case(p) for p in sorted(CASES.glob("*.script"))]


@cache
def world(name: str) -> World:
    diags = Diagnostics()
    w = compile_world(WORLDS / name, diags)
    assert w is not None, [d.as_json() for d in diags.items]
    return w


def play(case: Case, db: Path | None, fmt: str = "text") -> str:
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
