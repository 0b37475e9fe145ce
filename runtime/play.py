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
import os
import re
import stat
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TextIO

from runtime.engine import names
from runtime.engine.engine import Engine, EngineConfig, EngineError
from runtime.engine.io import Outgoing
from runtime.engine.ticks import aligned_start
from runtime.engine.world_view import WorldView
from runtime.frames import pack_lines, split_frames, utf8_len
from runtime.image.codec import ImageError, load_image_file
from runtime.image.model import World
from runtime.store.db import Database, StoreError

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
MAX_NAME = 32
DEFAULT_PLAYER = "Traveller"
MAX_SCRIPT_LINE = 4096
"""Characters in one script line; a longer one (``--script /dev/zero``) is a usage error, not
a process that reads until memory runs out."""
MAX_WAIT_MS = 366 * 24 * 3600 * 1000
"""Longest ``@wait`` (a year): the script's clock must stay a sane millisecond timestamp."""
_DURATION = re.compile(r"^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?$")
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
    """Milliseconds for ``90s``, ``10m``, ``1h30m``, ``250ms``; None if malformed.  ASCII
    digits only; a duration over ``MAX_WAIT_MS`` comes back as ``MAX_WAIT_MS + 1``."""
    m = _DURATION.match(text.strip().lower())
    if not m or not any(m.groups()):
        return None
    if any(g is not None and len(g) > 12 for g in m.groups()):
        return MAX_WAIT_MS + 1
    h, mi, s, ms = (int(g) if g else 0 for g in m.groups())
    return min(((h * 60 + mi) * 60 + s) * 1000 + ms, MAX_WAIT_MS + 1)


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
        if ms > MAX_WAIT_MS:
            raise ScriptError(f"{where}:{number}: '@wait' is at most 366 days (8784h)")
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


def script_lines(stream: IO[str] | IO[bytes], where: str) -> Iterator[str]:
    """The stream's lines, read one at a time and at most ``MAX_SCRIPT_LINE`` characters each
    (a script is never held in memory whole).  A byte stream is decoded line by line, so text
    that is not UTF-8 is a ScriptError naming its line."""
    number = 0
    while True:
        try:
            raw = stream.readline(MAX_SCRIPT_LINE * 4 + 1)
        except UnicodeDecodeError:
            raise ScriptError(f"{where}: the script is not UTF-8 text") from None
        if not raw:
            return
        number += 1
        if isinstance(raw, bytes):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.start >= len(raw) - 3 and not raw.endswith(b"\n"):
                    line = ""  # cut inside a character: the line is too long anyway
                else:
                    raise ScriptError(f"{where}:{number}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None
        else:
            line = raw
        if len(line.rstrip("\r\n")) > MAX_SCRIPT_LINE or (not line and raw):
            raise ScriptError(f"{where}:{number}: line is longer than {MAX_SCRIPT_LINE} characters")
        yield line


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
            if msg.frames:
                frames = list(msg.frames)
            elif msg.notes:  # notices: packed line by line, as an idle radio sends them
                frames = pack_lines([n.text for n in msg.notes], self.frame_bytes)
            else:
                frames = split_frames(msg.text, self.frame_bytes)
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
                raw = stdin.readline(MAX_SCRIPT_LINE + 1)
                if not raw:
                    break
                if len(raw) > MAX_SCRIPT_LINE and not raw.endswith("\n"):
                    raise ScriptError(f"<stdin>: a line is longer than {MAX_SCRIPT_LINE} characters")
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
    sysop: str | None = None,
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
    if sysop is not None and (not _NAME.match(sysop) or len(sysop) > MAX_NAME):
        return _fail(f"--sysop {sysop!r}: one word of at most {MAX_NAME} characters", EXIT_USAGE)
    if sysop is not None and names.is_reserved(sysop):
        return _fail(f"--sysop: {_reserved(sysop)}", EXIT_USAGE)
    steps: Iterable[Step] | None = None
    stream: IO[bytes] | None = None
    if script is not None and str(script) != "-":
        try:
            stream = _open_script(script)
        except ScriptError as exc:
            return _fail(str(exc), EXIT_USAGE)
        except OSError as exc:
            return _fail(f"cannot read script {script}: {exc.strerror or exc}", EXIT_USAGE)
        steps = parse_script(script_lines(stream, str(script)), str(script))
    try:
        return _run_on_database(world, image_hash, db_path, seed, name, script, steps, fmt, frame_bytes,
                                stdin, stdout, sysop)
    finally:
        if stream is not None:
            stream.close()


def _run_on_database(world: World, image_hash: str, db_path: Path | None, seed: int | None, name: str,
                     script: Path | None, steps: Iterable[Step] | None, fmt: str, frame_bytes: int,
                     stdin: TextIO, stdout: TextIO, sysop: str | None) -> int:
    try:
        db = Database.open(db_path)
    except StoreError as exc:
        return _fail(str(exc), EXIT_ERROR)
    try:
        clock = Clock(_now() if script is None else aligned_start(WorldView(world).tick_triggers(), _now()))
        sysops = (sysop,) if sysop else ()  # local only: play has no radio keys
        engine = Engine(world, db, image_hash,
                        config=EngineConfig(frame_bytes=frame_bytes, seed=seed, sysops=sysops), now_ms=clock.now)
    except (EngineError, StoreError) as exc:
        db.close()
        return _fail(str(exc), EXIT_ERROR)
    printer = Printer(stdout, fmt, frame_bytes)
    freeze_startup_objects()
    try:
        if script is None:
            run_interactive(engine, name, stdin, stdout, printer)
        else:
            run_script(engine, steps if steps is not None else parse_script(script_lines(stdin, "<stdin>"), "<stdin>"),
                       printer, clock)
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
    if db.failure is not None:  # a damaged database surfaced at the checkpoint on close
        return _fail(str(db.failure), EXIT_ERROR)
    return EXIT_OK


def _open_script(script: Path) -> IO[bytes]:
    """A script file, checked whole before anything runs when it is a regular file (so a
    malformed line 500 changes nothing), streamed once when it is a pipe or a device."""
    stream = script.open("rb")
    try:
        if stat.S_ISREG(os.fstat(stream.fileno()).st_mode):
            for _ in parse_script(script_lines(stream, str(script)), str(script)):
                pass
            stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return stream


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
    parser.add_argument("--sysop", metavar="NAME")
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
        sysop=args.sysop,
    )


if __name__ == "__main__":
    sys.exit(main())
