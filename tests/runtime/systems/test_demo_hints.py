"""Every PLAY / READ / POST / MAIL hint the demo world shows a player works.

The walker plays ``worlds/demo`` through ``meshmush play --script`` (``runtime.play.run_play``)
twice on one database.  Run 1: one player per room walks there by exits that need no condition,
LOOKs (so room notes such as the board's count too) and examines every object and NPC there;
every hint is read from the frames the players were sent and from the NPCs' dialogue texts.
Run 2: each player runs the hints found in their room.  A hint works when the journal records
its command as ok (a refusal or an unknown command is not ok).  Placeholders in a hint are
filled in: NAME (another player), TEXT, N, QUESTION, BET; a bare POST gets a TEXT.
"""

from __future__ import annotations

import io
import re
from collections import deque
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.image.model import World
from runtime.play import run_play

DEMO = Path(__file__).resolve().parents[3] / "worlds" / "demo"
HINT = re.compile(r"\b(PLAY|READ|POST|MAIL)((?:[ ]+(?:[A-Z][A-Z0-9]*|\d[\d.]*)\b)*)")
FRIEND = "Friend"
FILL = {"NAME": FRIEND, "TEXT": "hello from the hint walker", "N": "1", "QUESTION": "will it rain?",
        "BET": "1.00"}
NEEDS_TEXT = {"POST"}


def _world() -> World:
    diags = Diagnostics()
    world = compile_world(DEMO, diags)
    assert world is not None, [d.as_json() for d in diags.items]
    return world


def _paths(world: World) -> dict[str, list[str]]:
    """Directions from the start to every room reachable by exits without a condition."""
    rooms = {r.id: r for r in world.rooms}
    paths: dict[str, list[str]] = {world.start: []}
    queue = deque([world.start])
    while queue:
        here = queue.popleft()
        for e in rooms[here].exits:
            if e.when is None and e.to not in paths:
                paths[e.to] = [*paths[here], e.direction]
                queue.append(e.to)
    return paths


def _play(world: World, db: Path, lines: list[str], tmp: Path, name: str) -> str:
    script = tmp / f"{name}.script"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    code = run_play(world, "demo", db_path=db, seed=1, player=None, script=script, fmt="text",
                    frame_bytes=200, stdin=io.StringIO(""), stdout=out)
    assert code == 0
    return out.getvalue()


def _seen_on_arrival(output: str) -> dict[str, str]:
    """What each player was sent in reply to their own LOOK and EXAMINE commands (not on the
    way there): ``play``'s text output echoes ``NAME> COMMAND``, then ``[TO] frame`` lines with
    indented continuation lines."""
    seen: dict[str, str] = {}
    current: tuple[str, str] = ("", "")
    to = ""
    for line in output.splitlines():
        frame = re.match(r"^\[(\S+?)(?: \d+/\d+)?\] ?(.*)$", line)
        if frame:
            to, text = frame.group(1), frame.group(2)
        elif line.startswith(" "):
            text = line.strip()
        else:
            who, _, command = line.partition("> ")
            current, to = (who, command.split(" ", 1)[0]), ""
            continue
        if to == current[0] and current[1] in ("look", "x"):
            seen[to] = seen.get(to, "") + " " + text
    return seen


def _hints(text: str) -> list[str]:
    found = []
    for m in HINT.finditer(text):
        words = [m.group(1), *m.group(2).split()]
        if words == ["POST"] or (words[0] in NEEDS_TEXT and len(words) == 1):
            words.append("TEXT")
        found.append(" ".join(FILL.get(w, w) for w in words))
    return found


def test_every_hint_in_the_demo_world_works(tmp_path: Path) -> None:
    world = _world()
    paths = _paths(world)
    npcs_in: dict[str, list[str]] = {}
    for n in world.npcs:
        npcs_in.setdefault(n.room, []).append(n.name)
    objects = {o.id: o for o in world.objects}
    walkers: dict[str, str] = {}  # player -> room
    lines = [f"{FRIEND}> look"]
    for i, room in enumerate(world.rooms):
        assert room.id in paths or not _hints(room.description), f"{room.id} shows hints but cannot be walked to"
        if room.id not in paths:
            continue
        who = f"W{i}"
        walkers[who] = room.id
        lines += [f"{who}> {d}" for d in paths[room.id]] + [f"{who}> look"]
        lines += [f"{who}> x {objects[o].name}" for o in room.objects]
        lines += [f"{who}> x {name}" for name in npcs_in.get(room.id, [])]
    db = tmp_path / "demo.duckdb"
    shown = _seen_on_arrival(_play(world, db, lines, tmp_path, "walk"))
    todo: list[tuple[str, str]] = []
    for who, room_id in walkers.items():
        texts = [shown.get(who, "")]
        texts += [node.text for n in world.npcs if n.room == room_id for node in n.dialogue]
        for text in texts:
            todo += [(who, hint) for hint in _hints(text)]
    advertised = {hint.split()[0] for _, hint in todo}
    assert {"PLAY", "READ", "POST", "MAIL"} <= advertised, f"the demo stopped advertising: {advertised}"

    _play(world, db, [f"{who}> {hint}" for who, hint in todo], tmp_path, "hints")
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        failed = []
        for who, hint in todo:
            rows = con.execute("SELECT ok FROM journal WHERE player = ? AND command = ?", [who, hint]).fetchall()
            if not rows or not all(ok for (ok,) in rows):
                failed.append(f"{walkers[who]}: {hint}")
    finally:
        con.close()
    assert not failed, f"hints that do not work: {failed}"
