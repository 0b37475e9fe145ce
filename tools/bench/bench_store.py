"""Store throughput and commit latency, against hand-written DuckDB transactions.

100 simulated players; each command reads its player in a ``Txn``, updates the player row
(balance, last_seen) and one variable, and is journalled.  Commands are grouped ``--batch``
sizes 1, 4, 16, 64 per ``Database.write`` (one DuckDB transaction).  Commit latency is the
time of one ``write`` (BEGIN to COMMIT returned); commands/s counts everything, the in-memory
transactions included.

The same workload as raw DuckDB transactions on the same schema, one per batch:
- **raw, per row**: three bound statements per command (UPDATE, UPDATE, INSERT);
- **raw, set-based**: per batch one ``UPDATE … FROM (VALUES …)`` per table and one multi-row
  journal ``INSERT``, bound parameters (the design FACTS.md measured);
- **raw, upsert**: per batch one multi-row ``INSERT OR REPLACE … VALUES`` per table and the
  journal ``INSERT`` (what the store would do without the Appender).

Also: writing 10,000 analytics events with the Appender, one multi-row INSERT, ``executemany``.

    .venv/bin/python -m meshmush.bench.bench_store [--commands 2048] [--write-docs]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from runtime.store.db import CommandRecord, Database
from runtime.store.migrations import CORE_SPECS, MIGRATIONS

from .report import machine, percentile, table, write_section

PLAYERS = 100
BATCHES = (1, 4, 16, 64)


@dataclass(frozen=True)
class Result:
    method: str
    batch: int
    commands: int
    seconds: float
    latencies: tuple[float, ...]  # seconds, one per commit

    @property
    def rate(self) -> float:
        return self.commands / self.seconds

    def row(self) -> list[object]:
        p50 = percentile(self.latencies, 50) * 1000
        p99 = percentile(self.latencies, 99) * 1000
        return [self.method, self.batch, f"{self.rate:,.0f}", f"{p50:.2f}", f"{p99:.2f}"]


def _player(n: int, balance: int, seen: int) -> tuple[object, ...]:
    return (f"p{n}", f"Player{n}", f"player{n}", "town.square", balance, "player", 0, seen)


def bench_store(commands: int, batch: int) -> Result:
    db = Database.open(None)
    try:
        tables = db.load(CORE_SPECS)
        seed = tables.begin()
        for n in range(PLAYERS):
            seed.put("players", _player(n, 0, 0))
            seed.put("vars", ("player", f"p{n}", "player.steps", "0"))
        db.write([CommandRecord(db.next_journal_seq(), 0, "", "@seed", True, seed.commit())])
        latencies: list[float] = []
        pending: list[CommandRecord] = []
        start = time.perf_counter()
        for i in range(commands):
            key = f"p{i % PLAYERS}"
            txn = tables.begin()
            row = txn.get("players", (key,))
            assert row is not None
            txn.put("players", (*row[:4], row[4] + 1, row[5], row[6], i))
            txn.put("vars", ("player", key, "player.steps", str(i)))
            pending.append(CommandRecord(db.next_journal_seq(), i, key, "north", True, txn.commit()))
            if len(pending) == batch:
                t0 = time.perf_counter()
                db.write(pending)
                latencies.append(time.perf_counter() - t0)
                pending = []
        if pending:
            db.write(pending)
        seconds = time.perf_counter() - start
        assert db.query("SELECT count(*) FROM journal") == [(commands + 1,)]
    finally:
        db.close()
    return Result("store (`Database.write`)", batch, commands, seconds, tuple(latencies))


Command = tuple[str, int, int]  # player key, new balance, time
RawTxn = Callable[[duckdb.DuckDBPyConnection, Sequence[Command], int], None]


def _marks(width: int, rows: int) -> str:
    return ",".join(["(" + ",".join("?" * width) + ")"] * rows)


def raw_per_row(conn: duckdb.DuckDBPyConnection, cmds: Sequence[Command], seq: int) -> None:
    for i, (key, balance, at) in enumerate(cmds):
        conn.execute("UPDATE players SET balance = ?, last_seen = ? WHERE key = ?", [balance, at, key])
        conn.execute(
            "UPDATE vars SET value = ? WHERE scope = 'player' AND owner = ? AND name = 'player.steps'",
            [str(at), key],
        )
        conn.execute("INSERT INTO journal VALUES (?, ?, ?, ?, ?)", [seq + i, at, key, "north", True])


def _coalesced(cmds: Sequence[Command]) -> list[Command]:
    return list({c[0]: c for c in cmds}.values())


def _journal(conn: duckdb.DuckDBPyConnection, cmds: Sequence[Command], seq: int) -> None:
    params = [v for i, (key, _, at) in enumerate(cmds) for v in (seq + i, at, key, "north", True)]
    conn.execute(f"INSERT INTO journal VALUES {_marks(5, len(cmds))}", params)


def raw_set_based(conn: duckdb.DuckDBPyConnection, cmds: Sequence[Command], seq: int) -> None:
    last = _coalesced(cmds)
    conn.execute(
        f"UPDATE players SET balance = v.b, last_seen = v.s FROM (VALUES {_marks(3, len(last))}) v(k, b, s)"
        " WHERE players.key = v.k",
        [x for c in last for x in c],
    )
    conn.execute(
        f"UPDATE vars SET value = v.val FROM (VALUES {_marks(2, len(last))}) v(o, val)"
        " WHERE vars.scope = 'player' AND vars.owner = v.o AND vars.name = 'player.steps'",
        [x for key, _, at in last for x in (key, str(at))],
    )
    _journal(conn, cmds, seq)


def raw_upsert(conn: duckdb.DuckDBPyConnection, cmds: Sequence[Command], seq: int) -> None:
    last = _coalesced(cmds)
    players = [
        v
        for n, (key, bal, at) in enumerate(last)
        for v in (key, f"P{n}", key, "town.square", bal, "player", 0, at)
    ]
    conn.execute(f"INSERT OR REPLACE INTO players VALUES {_marks(8, len(last))}", players)
    var_rows = [v for key, _, at in last for v in ("player", key, "player.steps", str(at))]
    conn.execute(f"INSERT OR REPLACE INTO vars VALUES {_marks(4, len(last))}", var_rows)
    _journal(conn, cmds, seq)


def bench_raw(name: str, method: RawTxn, commands: int, batch: int) -> Result:
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    conn = duckdb.connect(str(folder / "raw.duckdb"))
    try:
        for m in MIGRATIONS:
            for stmt in m.statements:
                conn.execute(stmt)
        for n in range(PLAYERS):
            conn.execute("INSERT INTO players VALUES (?, ?, ?, ?, ?, ?, ?, ?)", list(_player(n, 0, 0)))
            conn.execute("INSERT INTO vars VALUES ('player', ?, 'player.steps', '0')", [f"p{n}"])
        balances = [0] * PLAYERS
        latencies: list[float] = []
        start = time.perf_counter()
        for first in range(0, commands, batch):
            cmds: list[Command] = []
            for i in range(first, min(commands, first + batch)):
                balances[i % PLAYERS] += 1
                cmds.append((f"p{i % PLAYERS}", balances[i % PLAYERS], i))
            t0 = time.perf_counter()
            conn.execute("BEGIN TRANSACTION")
            try:
                method(conn, cmds, first + 1)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            latencies.append(time.perf_counter() - t0)
        seconds = time.perf_counter() - start
    finally:
        conn.close()
        shutil.rmtree(folder, ignore_errors=True)
    return Result(name, batch, commands, seconds, tuple(latencies))


def bench_events(rows: int) -> list[list[object]]:
    data = [(i, "move", f"p{i % PLAYERS}", "town.square", '{"to":"town.lane"}') for i in range(rows)]
    out: list[list[object]] = []

    def appender(conn: duckdb.DuckDBPyConnection, chunk: list[tuple[object, ...]]) -> None:
        app = conn.appender("events")
        app.append_rows(chunk)
        app.flush()

    def values(conn: duckdb.DuckDBPyConnection, chunk: list[tuple[object, ...]]) -> None:
        for i in range(0, len(chunk), 1000):
            part = chunk[i : i + 1000]
            conn.execute(f"INSERT INTO events VALUES {_marks(5, len(part))}", [v for r in part for v in r])

    def executemany(conn: duckdb.DuckDBPyConnection, chunk: list[tuple[object, ...]]) -> None:
        conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", [list(r) for r in chunk])

    methods: list[tuple[str, Callable[[duckdb.DuckDBPyConnection, list[tuple[object, ...]]], None], int]] = [
        ("Appender, one flush (`EventBuffer.flush`)", appender, rows),
        ("multi-row `INSERT … VALUES`, 1,000 rows a statement", values, rows),
        ("`executemany` of a one-row INSERT", executemany, min(rows, 1000)),
    ]
    for name, method, n in methods:
        folder = Path(tempfile.mkdtemp(prefix="bench-events-"))
        conn = duckdb.connect(str(folder / "ev.duckdb"))
        try:
            conn.execute(next(s for s in MIGRATIONS[0].statements if s.startswith("CREATE TABLE events")))
            t0 = time.perf_counter()
            conn.execute("BEGIN TRANSACTION")
            method(conn, list(data[:n]))
            conn.execute("COMMIT")
            seconds = time.perf_counter() - t0
            got = conn.execute("SELECT count(*) FROM events").fetchone()
            assert got == (n,), got
        finally:
            conn.close()
            shutil.rmtree(folder, ignore_errors=True)
        per_10k = seconds * 10_000 / n
        out.append([name, f"{n:,}", f"{seconds * 1000:,.1f} ms", f"{per_10k * 1000:,.0f} ms"])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commands", type=int, default=2048, help="commands per measurement (default 2048)")
    parser.add_argument("--events", type=int, default=10_000, help="event rows to write (default 10,000)")
    parser.add_argument(
        "--write-docs", action="store_true", help="replace the Store section of docs/performance.md"
    )
    args = parser.parse_args(argv)

    # A short warm-up so the first measurement does not pay for imports and allocator growth.
    bench_store(128, 16)
    raws: list[tuple[str, RawTxn]] = [
        ("raw, per row (3 statements a command)", raw_per_row),
        ("raw, set-based (`UPDATE … FROM VALUES`)", raw_set_based),
        ("raw, upsert (`INSERT OR REPLACE … VALUES`)", raw_upsert),
    ]
    results: list[Result] = []
    for batch in BATCHES:
        results.append(bench_store(args.commands, batch))
        results += [bench_raw(name, method, args.commands, batch) for name, method in raws]
    order = [results[0].method, *(name for name, _ in raws)]
    results.sort(key=lambda r: (order.index(r.method), r.batch))
    headers = ["method", "commands a commit", "commands/s", "commit p50 ms", "commit p99 ms"]
    body = table(headers, [r.row() for r in results])
    events = table(["method", "rows", "time", "per 10,000 rows"], bench_events(args.events))

    text = "\n".join(
        [
            "## Store",
            "",
            f"`python -m meshmush.bench.bench_store --commands {args.commands}` on {machine()},"
            f" duckdb {duckdb.__version__}.",
            f"{PLAYERS} players; a command updates its player row and one variable and is journalled;"
            " one DuckDB transaction per commit. Commit latency is one `Database.write` (BEGIN to"
            " COMMIT returned); commands/s includes the in-memory transactions.",
            "The store writes a one-row change with a bound statement and more rows with one"
            " Appender flush per table and action (`delete`, `update`, `insert`); DuckDB's upsert"
            " costs about twice an update, hence the raw upsert rows. Figures vary by ±20 % between"
            " runs on this shared machine.",
            "",
            body,
            "",
            "Analytics events (one transaction):",
            "",
            events,
        ]
    )
    print(text)
    if args.write_docs:
        write_section("store", text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
