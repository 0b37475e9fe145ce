"""Engine throughput and latency over a real DuckDB file, against raw DuckDB as the floor.

N simulated players (10, 50, 100, 500) each repeat a cycle of ordinary commands in the lab world
(a move out of the hub and back, look, say, emote, inventory, who, examine).  Every player has a
command waiting each round; like the server, the engine takes whatever waits, up to ``--batch``
(the server's ``[engine] batch``, default 64), and runs it with ``handle_batch`` (one DuckDB transaction per
batch, group commit; no radio pacing).  A command's latency is the service time of its batch:
from the start of ``handle_batch`` to its return, when the reply may be sent (queueing before
the batch is left out: it depends on the offered load, and radio players send far slower than
this engine serves).

Two baselines, both one DuckDB transaction per batch like the engine:
- **raw SQL**: the same commands written directly against DuckDB, the obvious design without an
  engine — each command reads what it needs (the player's room, the things and people there) and
  writes what it changes (the room, the hub's look counter, a journal row) with bound statements;
  ratio = engine time / raw SQL time (the brief's target: ≤ 2);
- **storage floor**: exactly the records the engine wrote (the same batches of change sets and
  journal rows) written again through the store (``Database.write``) on a fresh file — what the
  writes alone cost; engine time / floor time is the engine's whole overhead over its storage.

    .venv/bin/python -m meshmush.bench.bench_engine [--commands 6000] [--batch 16] [--write-docs]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from runtime.engine.engine import Engine, EngineConfig
from runtime.engine.io import Incoming
from runtime.image.directions import DIRECTIONS, OPPOSITE, SHORT
from runtime.image.model import World
from runtime.play import freeze_startup_objects
from runtime.store.db import CommandRecord, Database
from runtime.store.migrations import CORE_SPECS
from runtime.store.tables import TableSpec

from .report import machine, percentile, table, write_section

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "tests" / "transcripts" / "worlds" / "lab"
BACK = {SHORT[d]: SHORT[OPPOSITE[d]] for d in DIRECTIONS}  # "n" -> "s": the way back to the hub
DIRS = [SHORT[d] for d in DIRECTIONS]
EXITS = {("lab.hub", d): f"lab.{d}" for d in DIRS}
EXITS |= {(f"lab.{d}", BACK[d]): "lab.hub" for d in DIRS}


@dataclass(frozen=True)
class Result:
    players: int
    batch: int
    commands: int
    seconds: float
    p50_ms: float
    p99_ms: float
    raw_seconds: float
    floor_seconds: float

    @property
    def per_second(self) -> float:
        return self.commands / self.seconds

    @property
    def ratio(self) -> float:
        return self.seconds / self.raw_seconds

    @property
    def floor_ratio(self) -> float:
        return self.seconds / self.floor_seconds


def load_world() -> World:
    from compiler.api import compile_world
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    world = compile_world(LAB, diags)
    if world is None:
        raise SystemExit(f"cannot compile {LAB}")
    return world


def cycle(i: int) -> list[str]:
    """Player i spends most of its time in one of the hub's twelve side rooms (about N/12
    players to a room, as players spread out), and passes through the crowded hub.  Players
    start at different points of the cycle, so a batch mixes commands as real traffic does."""
    d = DIRS[i % len(DIRS)]
    return [d, "look", "say hello", "i", "look", "emote waves", "who", BACK[d], "x lever"]


def run(world: World, players: int, commands: int, batch: int, workdir: Path) -> Result:
    db = Database.open(workdir / f"engine-{players}.duckdb")
    written: list[Sequence[CommandRecord]] = []
    real_write = db.write

    def recording(records: Sequence[CommandRecord], specs: Mapping[str, TableSpec] | None = None) -> None:
        written.append(list(records))
        real_write(records, specs)

    db.write = recording  # type: ignore[method-assign,assignment]
    engine = Engine(world, db, "bench", config=EngineConfig(seed=1), now_ms=0)
    freeze_startup_objects()  # as `play` does after start-up
    names = [f"p{i:03d}" for i in range(players)]
    now = 1000
    engine.handle_batch([Incoming(n, "look", now) for n in names])  # log everyone in (not measured)
    setup = len(written)
    cycles = [cycle(i) for i in range(players)]
    queue: list[Incoming] = []
    latencies: list[float] = []
    step = 0
    done = 0
    start = time.perf_counter()
    while done < commands:
        if not queue:
            for i, n in enumerate(names):
                now += 1
                queue.append(Incoming(n, cycles[i][(step + i) % len(cycles[i])], now))
            step += 1
        take, queue = queue[:batch], queue[batch:]
        t0 = time.perf_counter()
        engine.handle_batch(take)
        dt = time.perf_counter() - t0
        latencies.extend([dt] * len(take))
        done += len(take)
    seconds = time.perf_counter() - start
    engine.close()
    floor = replay(written, setup, workdir / f"floor-{players}.duckdb")
    raw = raw_sql(workdir / f"engine-{players}.duckdb", workdir / f"raw-{players}.duckdb", names, cycles,
                  done, batch)
    return Result(players, batch, done, seconds, percentile(latencies, 50) * 1000,
                  percentile(latencies, 99) * 1000, raw, floor)


def replay(batches: list[Sequence[CommandRecord]], setup: int, path: Path) -> float:
    """The engine's own writes again, through the store (``Database.write``) on a fresh file:
    the first ``setup`` batches (seeding, logins) untimed, then the measured ones."""
    db = Database.open(path)
    db.load(CORE_SPECS)
    for records in batches[:setup]:
        db.write(records)
    start = time.perf_counter()
    for records in batches[setup:]:
        db.write(records)
    seconds = time.perf_counter() - start
    db.close()
    return seconds


def raw_sql(seeded: Path, path: Path, names: list[str], cycles: list[list[str]], commands: int,
            batch: int) -> float:
    """The workload as hand-written SQL on a copy of the engine's database."""
    shutil.copy(seeded, path)
    conn = duckdb.connect(str(path))
    seq = int(conn.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0])  # type: ignore[index]
    queue: list[tuple[str, str]] = []
    step = done = 0
    now = 10**9
    start = time.perf_counter()
    while done < commands:
        if not queue:
            queue = [(n, cycles[i][(step + i) % len(cycles[i])]) for i, n in enumerate(names)]
            step += 1
        take, queue = queue[:batch], queue[batch:]
        conn.execute("BEGIN TRANSACTION")
        for player, command in take:
            now += 1
            seq += 1
            _raw_command(conn, player, command, now)
            conn.execute("INSERT INTO journal VALUES (?, ?, ?, ?, ?)", [seq, now, player, command, True])
        conn.execute("COMMIT")
        done += len(take)
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def _raw_command(conn: duckdb.DuckDBPyConnection, player: str, command: str, now: int) -> None:
    room = conn.execute("SELECT room FROM players WHERE key = ?", [player]).fetchone()[0]  # type: ignore[index]
    word = command.split()[0]
    if word in BACK:
        dest = EXITS.get((room, word))
        if dest is None:
            return
        conn.execute("UPDATE players SET room = ?, last_seen = ? WHERE key = ?", [dest, now, player])
        conn.execute("SELECT key, name FROM players WHERE room IN (?, ?)", [room, dest]).fetchall()
        conn.execute("SELECT object_id FROM instances WHERE holder_kind = 'room' AND holder = ?", [dest]).fetchall()
    elif word == "look":
        conn.execute("SELECT object_id FROM instances WHERE holder_kind = 'room' AND holder = ?", [room]).fetchall()
        conn.execute("SELECT name FROM players WHERE room = ?", [room]).fetchall()
        if room == "lab.hub":
            conn.execute(
                "INSERT OR REPLACE INTO vars SELECT 'room', ?, 'room.looks', "
                "CAST(coalesce(max(CAST(value AS BIGINT)), 0) + 1 AS TEXT) FROM vars "
                "WHERE scope = 'room' AND owner = ? AND name = 'room.looks'",
                [room, room],
            )
    elif word in ("say", "emote"):
        conn.execute("SELECT key FROM players WHERE room = ?", [room]).fetchall()
    elif word == "i":
        conn.execute("SELECT object_id FROM instances WHERE holder_kind = 'player' AND holder = ?",
                     [player]).fetchall()
        conn.execute("SELECT balance FROM players WHERE key = ?", [player]).fetchone()
    elif word == "who":
        conn.execute("SELECT name FROM players ORDER BY name_lc").fetchall()
    elif word == "x":
        conn.execute("SELECT object_id FROM instances WHERE holder IN (?, ?)", [room, player]).fetchall()


def render(results: list[Result]) -> str:
    rows = [
        (r.players, r.batch, r.commands, f"{r.per_second:,.0f}", f"{r.p50_ms:.1f}", f"{r.p99_ms:.1f}",
         f"{r.commands / r.raw_seconds:,.0f}", f"{r.ratio:.2f}×", f"{r.commands / r.floor_seconds:,.0f}",
         f"{r.floor_ratio:.2f}×")
        for r in results
    ]
    head = ("players", "batch", "commands", "engine cmd/s", "p50 ms", "p99 ms", "raw SQL cmd/s",
            "engine/raw SQL time", "storage floor cmd/s", "engine/floor time")
    return (
        "## Engine\n\n"
        f"`python -m meshmush.bench.bench_engine` on {machine()}. Lab world "
        "(`tests/transcripts/worlds/lab`), players spread over the hub's side rooms; group commit "
        "through `handle_batch`, no pacing. Latency is a command's batch service time (queueing "
        "excluded). Raw SQL: the same commands as hand-written DuckDB statements, one transaction "
        "per batch. Storage floor: the same records written again through the store alone. Each batch is whatever waits, up to the server's `[engine] batch` (64). Targets: ≥ 2,000 cmd/s and p99 < 50 ms at 100 players, ≥ 1,000 cmd/s at 500, engine/floor ≤ 2× at every size. "
        "The machine is shared with other jobs: runs differ by up to a third.\n\n"
        + table(head, rows)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=6000, help="measured commands per player count")
    parser.add_argument("--batch", type=int, default=64,
                        help="most commands per handle_batch (the server's [engine] batch)")
    parser.add_argument("--players", type=int, nargs="*", default=[10, 50, 100, 500])
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    world = load_world()
    results = []
    with tempfile.TemporaryDirectory(prefix="meshmush-bench-") as tmp:
        for n in args.players:
            results.append(run(world, n, args.commands, args.batch, Path(tmp)))
    text = render(results)
    print(text)
    if args.write_docs:
        write_section("engine", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
