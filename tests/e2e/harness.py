"""Running ``meshmush serve`` as a real process against the fake node, for the radio tests.

The fake node runs in the test process (threads, TCP on 127.0.0.1); ``meshmush serve`` is a
subprocess using the real ``meshtastic`` library; the database is a real DuckDB file.  The
expected replies come from ``meshmush play --script --format jsonl`` on the same world: the
radio must deliver exactly what ``play`` prints, frame by frame, in order, per player.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from meshmush.fakeradio.node import FakeNode, Faults

ROOT = Path(__file__).resolve().parents[2]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]

PACING = 0.25  # shortened for tests; the real default is 2.5 s
JITTER = 0.03  # loopback scheduling noise allowed in the mean gap between frames

PLAYERS = {"Ana": 0x11111111, "Bob": 0x22222222, "Cai": 0x33333333}


BASE: dict[str, dict[str, object]] = {
    "transport": {"pacing_s": PACING, "drain_timeout_s": 20},
    "radio": {"connect_timeout_s": 10, "confirm_timeout_s": 2, "reconnect_min_s": 0.3, "reconnect_max_s": 2},
    "rate_limit": {"burst": 20, "per_minute": 600},
    "log": {"level": "info", "format": "json"},
}


def config_text(overrides: dict[str, dict[str, object]] | None = None) -> str:
    """The test configuration (TOML), with ``overrides`` merged per section."""
    sections = {name: dict(values) for name, values in BASE.items()}
    for name, values in (overrides or {}).items():
        sections.setdefault(name, {}).update(values)
    lines: list[str] = []
    for name, values in sections.items():
        lines.append(f"[{name}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, (str, list)):
                lines.append(f"{key} = {json.dumps(value)}")
            else:
                lines.append(f"{key} = {value}")
    return "\n".join(lines) + "\n"


@dataclass
class Served:
    proc: subprocess.Popen[str]
    node: FakeNode
    db: Path
    log: Path

    def stop(self, timeout: float = 40) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"serve did not stop within {timeout} s; log:\n{self.log_text()}") from None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def log_entries(self) -> list[dict[str, object]]:
        out = []
        for line in self.log_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


def fake_node(faults: Faults | None = None) -> FakeNode:
    node = FakeNode(faults=faults)
    for name, num in PLAYERS.items():
        node.add_node(num, name)
    return node.start()


@contextmanager
def serving(tmp: Path, node: FakeNode, *, world: Path = WORLD,
            overrides: dict[str, dict[str, object]] | None = None,
            radio: Sequence[str] | None = None, handshake: bool = True) -> Iterator[Served]:
    tmp.mkdir(parents=True, exist_ok=True)
    cfg = tmp / "serve.toml"
    cfg.write_text(config_text(overrides), encoding="utf-8")
    db = tmp / "world.duckdb"
    log = tmp / "serve.log"
    args = [*CMD, "serve", str(world), *(radio or ["--tcp", f"127.0.0.1:{node.port}"]),
            "--db", str(db), "--config", str(cfg)]
    with log.open("w", encoding="utf-8") as err:
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, text=True, cwd=ROOT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
    served = Served(proc, node, db, log)
    try:
        if handshake and not node.wait_handshakes(1, 30):
            raise AssertionError(f"serve never completed the radio handshake; log:\n{served.log_text()}")
        yield served
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def expected_frames(script: Sequence[str], world: Path = WORLD) -> dict[str, list[str]]:
    """What ``meshmush play`` delivers for ``NAME> COMMAND`` lines, per player, in order."""
    res = subprocess.run([*CMD, "play", str(world), "--script", "-", "--format", "jsonl"],
                         input="\n".join(script) + "\n", capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    out: dict[str, list[str]] = {}
    for line in res.stdout.splitlines():
        if line.startswith("{"):
            item = json.loads(line)
            out.setdefault(item["to"], []).append(item["text"])
    return out


def expected_steps(script: Sequence[str], world: Path = WORLD) -> list[dict[str, int]]:
    """For each line of ``script``: how many frames each player has been sent once that
    command's answer is out (cumulative), from ``meshmush play``'s text output."""
    res = subprocess.run([*CMD, "play", str(world), "--script", "-", "--format", "text"],
                         input="\n".join(script) + "\n", capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    counts: dict[str, int] = {}
    steps: list[dict[str, int]] = []
    for line in res.stdout.splitlines():
        if re.match(r"^[^\s\[][^>]*> ", line):  # the echo of the next command
            steps.append(dict(counts))
        elif m := re.match(r"^\[(\S+)(?: \d+/\d+)?\] ?", line):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    steps.append(dict(counts))
    return steps[1:]


def play_like_people(node: FakeNode, script: Sequence[str], timeout: float = 30) -> None:
    """Send each command once the answers to the one before are on the air, as people do (and
    as ``meshmush play`` models: when frames queue up, a reply overtakes notices and notices
    are packed together, so the radio's frames would differ from play's)."""
    for line, counts in zip(script, expected_steps(script), strict=True):
        say(node, line, gap=0.0)
        assert wait_counts(node, counts, timeout), (line, received(node), counts)


def say(node: FakeNode, line: str, gap: float = 0.05) -> None:
    name, _, command = line.partition("> ")
    node.send_text(PLAYERS[name], command)
    time.sleep(gap)


def received(node: FakeNode) -> dict[str, list[str]]:
    return {name: [s.text for s in node.texts_to(num)] for name, num in PLAYERS.items() if node.texts_to(num)}


def wait_counts(node: FakeNode, counts: dict[str, int], timeout: float) -> bool:
    return node.wait_for(
        lambda: all(sum(1 for s in node.sent if s.to == PLAYERS[n] and s.portnum == 1) >= c for n, c in counts.items()),
        timeout,
    )


def gaps(node: FakeNode) -> list[float]:
    times = [s.at for s in node.sent]
    return [b - a for a, b in itertools.pairwise(times)]


def assert_paced(node: FakeNode) -> None:
    """The server kept at least PACING between frames.  The fake node stamps a frame when its
    thread reads it, so on a busy machine one stamp can be late and the next gap look short:
    the mean gap must be PACING (a late stamp moves it by a fraction), and no gap may be under
    half of it (an unpaced sender's gaps are about zero)."""
    g = gaps(node)
    assert g, "fewer than two frames were sent"
    assert sum(g) / len(g) >= PACING - JITTER, g
    assert min(g) >= PACING / 2, g


def wait_quiet(node: FakeNode, quiet_s: float, timeout: float) -> bool:
    """Wait until the radio has sent nothing for ``quiet_s`` seconds (the queue is empty)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with node._cond:
            last = node.sent[-1].at if node.sent else 0.0
        if time.monotonic() - last >= quiet_s:
            return True
        time.sleep(0.05)
    return False
