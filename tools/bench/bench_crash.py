"""Crash trials: kill -9 ``python -m runtime.play`` at random points and prove that every
command whose reply was printed survived.

One database lives through all trials.  Each trial starts the player process on it
(``--script -``: commands arrive on stdin one at a time, ``--format jsonl``), sends LOOKs in
the hub (each one adds 1 to the room's ``room.looks`` through its look trigger and writes a
journal row), and SIGKILLs the process at a random moment: while idle between commands, or a
random few hundred microseconds after sending one.  Then the database is opened directly and
must show, counted over all trials, at least every acknowledged LOOK (a reply frame was
printed) and at most every sent one.  ``lost`` counts acknowledged commands missing.

    .venv/bin/python -m meshmush.bench.bench_crash --trials 1000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .report import machine, write_section

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / "tests" / "transcripts" / "worlds" / "lab"
PLAYER = "P"


@dataclass
class Report:
    trials: int = 0
    sent: int = 0
    acked: int = 0
    lost: int = 0  # acknowledged commands the database does not show
    phantom: int = 0  # more commands in the database than were ever sent
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    sent_total: int = 0  # over all trials, as the harness counted them
    acked_total: int = 0


def build_image(out: Path) -> Path:
    """The lab world's image (compiled by the lead's compiler, which tools may import)."""
    from compiler.api import build_image as compile_image
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    data = compile_image(LAB, diags)
    if data is None:
        raise SystemExit(f"cannot compile {LAB}: {[d.message for d in diags.items]}")
    out.write_bytes(data)
    return out


def counted(db_path: Path) -> tuple[int, int]:
    """(room.looks of the hub, journalled LOOKs by the player) as the database holds them."""
    from runtime.store.db import Database

    db = Database.open(db_path)
    try:
        looks = db.query(
            "SELECT value FROM vars WHERE scope = 'room' AND owner = 'lab.hub' AND name = 'room.looks'"
        )
        journal = db.query("SELECT count(*) FROM journal WHERE player = ? AND command = 'look'", [PLAYER])
    finally:
        db.close()
    return (int(json.loads(looks[0][0])) if looks else 0), int(journal[0][0])


def one_trial(image: Path, db_path: Path, rng: random.Random) -> tuple[int, int]:
    """Run one process until killed; returns (sent, acknowledged)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "runtime.play", str(image), "--db", str(db_path), "--script", "-",
         "--format", "jsonl", "--seed", "1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT,
    )
    assert proc.stdin is not None and proc.stdout is not None
    planned = rng.randint(1, 30)
    kill_after = rng.randint(1, planned)
    in_flight = rng.random() < 0.7  # kill right after sending (mid-command) rather than when idle
    sent = acked = 0
    try:
        for i in range(1, planned + 1):
            proc.stdin.write(f"{PLAYER}> look\n".encode())
            proc.stdin.flush()
            sent += 1
            if i == kill_after and in_flight:
                time.sleep(rng.random() * 0.004)
                break
            line = proc.stdout.readline()  # one message per LOOK; its first frame acknowledges it
            if not line:
                break
            acked += _firsts([line])
            while json.loads(line)["part"] != json.loads(line)["parts"]:
                line = proc.stdout.readline()
            if i == kill_after:
                break
    except (BrokenPipeError, ValueError):
        pass
    proc.send_signal(signal.SIGKILL)
    rest = proc.stdout.read().splitlines()  # whatever it printed before dying counts as acknowledged
    proc.wait()
    acked += _firsts(rest)
    return sent, acked


def _firsts(lines: list[bytes]) -> int:
    n = 0
    for raw in lines:
        try:
            frame = json.loads(raw)
        except ValueError:
            continue  # a line cut by the kill
        if frame.get("to") == PLAYER and frame.get("part") == 1:
            n += 1
    return n


def run_trials(trials: int, seed: int, workdir: Path) -> Report:
    rng = random.Random(seed)
    image = build_image(workdir / "lab.mmi")
    db_path = workdir / "crash.duckdb"
    report = Report()
    start = time.perf_counter()
    for t in range(trials):
        sent, acked = one_trial(image, db_path, rng)
        report.trials += 1
        report.sent += sent
        report.acked += acked
        report.sent_total += sent
        report.acked_total += acked
        looks, journal = counted(db_path)
        if looks != journal:
            report.problems.append(f"trial {t}: room.looks {looks} != journalled looks {journal} (not atomic)")
        for what, value in (("room.looks", looks), ("journal", journal)):
            if value < report.acked:
                report.lost = max(report.lost, report.acked - value)
                report.problems.append(f"trial {t}: {what} {value} < acknowledged {report.acked}")
            if value > report.sent:
                report.phantom = max(report.phantom, value - report.sent)
                report.problems.append(f"trial {t}: {what} {value} > sent {report.sent}")
        # what the database holds is the truth the next trial builds on
        report.acked = min(looks, journal)
        report.sent = max(looks, journal)
    report.seconds = time.perf_counter() - start
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    parser.add_argument("--write-docs", action="store_true", help="update docs/performance.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="meshmush-crash-") as tmp:
        r = run_trials(args.trials, args.seed, Path(tmp))
    print(f"trials {r.trials}  seed {args.seed}  {r.seconds:.1f} s")
    print(f"sent {r.sent_total}  acknowledged {r.acked_total}  lost {r.lost}  phantom {r.phantom}")
    for p in r.problems[:20]:
        print("  " + p)
    if args.write_docs:
        write_section("crash", (
            "## Crash trials\n\n"
            f"`python -m meshmush.bench.bench_crash --trials {r.trials}` on {machine()}: `runtime.play` "
            "killed with SIGKILL at random points (idle, or mid-command), restarted on the same database "
            f"each time. {r.sent_total:,} commands sent, {r.acked_total:,} acknowledged (a reply printed), "
            f"**{r.lost} lost**, {r.phantom} phantom, {len(r.problems)} problems; {r.seconds:.0f} s."
        ))
    return 0 if not r.problems else 1


if __name__ == "__main__":
    sys.exit(main())
