"""``meshmush play``: the engine on a console, with exactly the frames the radio would send.

Interactive (no ``--script``): one player (``--player``, default ``Traveller``), a prompt with
line editing on a terminal, real time for ticks.  Script mode (``--script FILE``, or ``-`` for
standard input read line by line): lines ``NAME> COMMAND``; ``#`` lines and blank lines are
comments; ``@wait DURATION`` (``30s``, ``10m``, ``1h30m``) advances the script's clock and runs
the engine's tick (an extension, see docs/runtime.md).  Time in a script is virtual: it starts
at the wall-clock time rounded down to a mark of every tick period of the world (so each run
meets the same marks) and moves only by ``@wait`` (and 1 ms per command).

Output, one line per frame (split with ``runtime.frames.split_frames`` at ``--frame-bytes``):
- ``text``: the command echoed as ``NAME> COMMAND``, then ``[TO] frame`` (``[TO 1/2]`` when the
  message took several frames; the frame's further lines indented under its first);
- ``jsonl``: ``{"to", "text", "bytes", "part", "parts"}`` per frame, nothing else.

Exit codes: 0 done; 2 usage (a malformed script line, with its number); 1 a runtime problem
(the database is locked by another process, belongs to another world …).  Never a traceback.

``python -m runtime.play IMAGE [flags]`` runs the same on a built image (the runtime never
imports the compiler; ``meshmush play`` also takes a world directory).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from runtime.engine import names
from runtime.engine.engine import Engine, EngineConfig, EngineError
from runtime.engine.ticks import aligned_start
from runtime.engine.world_view import WorldView
from runtime.frames import split_frames, utf8_len
from runtime.image.codec import ImageError, load_image_file
from runtime.image.model import World
from runtime.store.db import Database, StoreError
from runtime.transport.handler import Outgoing

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
MAX_NAME = 32
DEFAULT_PLAYER = "Traveller"
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$")
_NAME = re.compile(r"^[^\s>#@]+$")

log = logging.getLogger("meshmush.play")


class ScriptError(Exception):
    """A malformed script line; the message names the line."""


@dataclass(frozen=True)
class Say:
    line: int
    name: str
    command: str


@dataclass(frozen=True)
class Wait:
    line: int
    ms: int
    text: str


Step = Say | Wait


def parse_duration(text: str) -> int | None:
    """Milliseconds for ``90s``, ``10m``, ``1h30m``, ``250ms``; None if malformed."""
    m = _DURATION.match(text.strip().lower())
    if not m or not any(m.groups()):
        return None
    h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
    return ((h * 60 + mi) * 60 + s) * 1000 + ms


def parse_line(text: str, number: int, where: str) -> Step | None:
    """One script line: a command, a directive, or None for a comment or a blank line."""
    line = text.rstrip("\r\n")
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return None
    if stripped.startswith("@"):
        word, _, rest = stripped.partition(" ")
        if word.lower() != "@wait":
            raise ScriptError(f"{where}:{number}: unknown directive '{word}' (known: @wait DURATION)")
        ms = parse_duration(rest)
        if ms is None:
            raise ScriptError(f"{where}:{number}: '@wait' needs a duration like 30s, 10m or 1h30m")
        return Wait(number, ms, stripped)
    name, sep, command = line.partition(">")
    name = name.strip()
    if not sep or not name:
        raise ScriptError(f"{where}:{number}: expected 'NAME> COMMAND', got {stripped[:60]!r}")
    if not _NAME.match(name) or len(name) > MAX_NAME:
        raise ScriptError(
            f"{where}:{number}: player name {name[:40]!r} must be one word of at most {MAX_NAME} characters"
            " without spaces, '>', '#' or '@'"
        )
    if names.is_reserved(name):
        raise ScriptError(f"{where}:{number}: {_reserved(name)}")
    return Say(number, name, command.strip())


def _reserved(name: str) -> str:
    return f"player name {name!r} is reserved (system replies start with it); choose another"


def parse_script(lines: Iterable[str], where: str) -> Iterator[Step]:
    for number, text in enumerate(lines, 1):
        step = parse_line(text, number, where)
        if step is not None:
            yield step


class Printer:
    def __init__(self, out: TextIO, fmt: str, frame_bytes: int) -> None:
        self.out = out
        self.fmt = fmt
        self.frame_bytes = frame_bytes

    def echo(self, text: str) -> None:
        if self.fmt == "text":
            self.out.write(text + "\n")

    def frames(self, messages: Sequence[Outgoing]) -> None:
        for msg in messages:
            frames = list(msg.frames) or split_frames(msg.text, self.frame_bytes)
            for k, frame in enumerate(frames, 1):
                if self.fmt == "jsonl":
                    record = {"to": msg.to, "text": frame, "bytes": utf8_len(frame), "part": k, "parts": len(frames)}
                    self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
                else:
                    tag = f"[{msg.to}]" if len(frames) == 1 else f"[{msg.to} {k}/{len(frames)}]"
                    pad = "\n" + " " * (len(tag) + 1)
                    self.out.write(f"{tag} {pad.join(frame.splitlines()) if frame else ''}".rstrip() + "\n")
        self.out.flush()


class Clock:
    """Virtual time for scripts: moves by @wait and 1 ms a command."""

    def __init__(self, start_ms: int) -> None:
        self.now = start_ms

    def step(self, ms: int = 1) -> int:
        self.now += ms
        return self.now


def run_script(engine: Engine, steps: Iterable[Step], printer: Printer, clock: Clock) -> None:
    for step in steps:
        if isinstance(step, Wait):
            printer.echo(step.text)
            printer.frames(engine.tick(clock.step(step.ms)))
            continue
        printer.echo(f"{step.name}> {step.command}")
        printer.frames(engine.handle(step.name, step.command, clock.step()))


def run_interactive(engine: Engine, name: str, stdin: TextIO, stdout: TextIO, printer: Printer) -> None:
    tty = stdin.isatty() and stdout.isatty()
    if tty:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401 - line editing for input()
    printer.frames(engine.welcome(name, _now()))
    while True:
        try:
            if tty and stdin is sys.stdin and stdout is sys.stdout:
                line = input("> ")
            else:
                if tty:
                    stdout.write("> ")
                    stdout.flush()
                raw = stdin.readline()
                if not raw:
                    break
                line = raw.rstrip("\n")
        except EOFError:
            break
        printer.frames(engine.tick(_now()))
        printer.frames(engine.handle(name, line, _now()))
        if line.strip().lower() == "quit":
            break


def freeze_startup_objects() -> None:
    """Move everything loaded at start-up (the world, the tables) out of the garbage
    collector's sight: full collections then stop rescanning it (p99 latency: see
    docs/runtime.md).  Process-wide, so entry points call it, not the engine."""
    gc.collect()
    gc.freeze()


def _now() -> int:
    return int(time.time() * 1000)


def _setup_logging() -> None:
    root = logging.getLogger("meshmush")
    if not root.handlers and not logging.getLogger().handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("meshmush: %(message)s"))
        root.addHandler(handler)
        root.setLevel(logging.WARNING)


def run_play(
    world: World,
    image_hash: str,
    *,
    db_path: Path | None,
    seed: int | None,
    player: str | None,
    script: Path | None,
    fmt: str,
    frame_bytes: int,
    stdin: TextIO,
    stdout: TextIO,
) -> int:
    _setup_logging()
    if fmt not in ("text", "jsonl"):
        return _fail(f"unknown --format {fmt!r} (text or jsonl)", EXIT_USAGE)
    if player is not None and not player.strip():
        return _fail("--player needs a name, e.g. --player Ana", EXIT_USAGE)
    name = (player or DEFAULT_PLAYER).strip()
    if not _NAME.match(name) or len(name) > MAX_NAME:
        return _fail(f"--player {name!r}: one word of at most {MAX_NAME} characters", EXIT_USAGE)
    if names.is_reserved(name):
        return _fail(f"--player: {_reserved(name)}", EXIT_USAGE)
    steps: Iterable[Step] | None = None
    if script is not None and str(script) != "-":
        try:
            text = script.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return _fail(f"cannot read script {script}: {getattr(exc, 'strerror', None) or exc}", EXIT_USAGE)
        try:
            steps = list(parse_script(text.splitlines(), str(script)))
        except ScriptError as exc:
            return _fail(str(exc), EXIT_USAGE)
    try:
        db = Database.open(db_path)
    except StoreError as exc:
        return _fail(str(exc), EXIT_ERROR)
    try:
        clock = Clock(_now() if script is None else aligned_start(WorldView(world).tick_triggers(), _now()))
        engine = Engine(world, db, image_hash, config=EngineConfig(frame_bytes=frame_bytes, seed=seed),
                        now_ms=clock.now)
    except (EngineError, StoreError) as exc:
        db.close()
        return _fail(str(exc), EXIT_ERROR)
    printer = Printer(stdout, fmt, frame_bytes)
    freeze_startup_objects()
    try:
        if script is None:
            run_interactive(engine, name, stdin, stdout, printer)
        else:
            run_script(engine, steps if steps is not None else parse_script(stdin, "<stdin>"), printer, clock)
    except ScriptError as exc:
        return _fail(str(exc), EXIT_USAGE)
    except StoreError as exc:
        return _fail(str(exc), EXIT_ERROR)
    except KeyboardInterrupt:
        stdout.write("\n")
    except BrokenPipeError:
        pass
    finally:
        try:
            engine.close()
        except StoreError as exc:
            log.error("closing the database: %s", exc)
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    print(f"meshmush play: {message}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m runtime.play", description="Play a built world image.")
    parser.add_argument("image", metavar="IMAGE")
    parser.add_argument("--db", metavar="PATH")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--player", metavar="NAME")
    parser.add_argument("--script", metavar="FILE")
    parser.add_argument("--format", choices=("text", "jsonl"), default="text")
    parser.add_argument("--frame-bytes", type=int, default=200, metavar="N")
    args = parser.parse_args(argv)
    if not 40 <= args.frame_bytes <= 10000:
        return _fail("--frame-bytes must be between 40 and 10000", EXIT_USAGE)
    try:
        world, info = load_image_file(args.image)
    except ImageError as exc:
        return _fail(str(exc), EXIT_ERROR)
    return run_play(
        world,
        info.content_hash,
        db_path=Path(args.db) if args.db else None,
        seed=args.seed,
        player=args.player,
        script=Path(args.script) if args.script else None,
        fmt=args.format,
        frame_bytes=args.frame_bytes,
        stdin=sys.stdin,
        stdout=sys.stdout,
    )


if __name__ == "__main__":
    sys.exit(main())
