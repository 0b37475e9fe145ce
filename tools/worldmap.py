"""``meshmush map WORLD -o map.svg|map.dot``: the rooms of a world laid out by their exits.

The map is built from the compiled world (``model.World``): one box per room, one line per
connection.  What is drawn distinctly:

- a two-way connection (each room has an exit to the other, neither guarded): a plain line;
- a one-way exit: an arrow;
- a guarded exit (``when:``): dashed, labelled ``?``, with the guard in its tooltip;
- a dark exit — one into a room with ``flags: [dark]`` — dotted; dark rooms are filled dark;
- the start room: a double border; rooms no player can reach (no way from the start, or only
  behind guards that can never open: ``compiler/checks/softlock.py``): red, dashed, marked
  "unreachable".

``.dot`` writes Graphviz's language; ``.svg`` runs Graphviz's ``dot`` on it when installed
(``--layout dot``, the default ``auto``), else lays the rooms out itself (``--layout builtin``):
breadth first from the start room, each room placed in the direction of the exit that leads to
it (north up, east right …) on a grid, a taken cell giving way to the nearest free one; rooms not
connected to the start are laid out below.  The built-in SVG is complete by itself (no fonts or
files fetched) and identical for identical worlds.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from xml.sax.saxutils import escape

from compiler.checks.softlock import analyse
from runtime.image import model

CELL_W, CELL_H = 196, 104
BOX_W, BOX_H = 136, 46
MARGIN = 40
NAME_CHARS = 20
LEGEND_W = 700

VECTORS: Mapping[str, tuple[int, int]] = {
    "north": (0, -1), "south": (0, 1), "east": (1, 0), "west": (-1, 0),
    "northeast": (1, -1), "northwest": (-1, -1), "southeast": (1, 1), "southwest": (-1, 1),
    "up": (1, -2), "down": (-1, 2), "in": (2, 1), "out": (-2, -1),
}


@dataclass(frozen=True)
class Node:
    id: str
    name: str
    dark: bool
    start: bool
    reachable: bool


@dataclass(frozen=True)
class Edge:
    a: str
    b: str
    label: str  # directions: "n" or "n/s" for a two-way pair
    two_way: bool
    guarded: bool
    guard: str  # the guard's variables, for the tooltip
    dark: bool  # leads into a dark room


@dataclass(frozen=True)
class WorldMap:
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


SHORT = {"north": "n", "south": "s", "east": "e", "west": "w", "up": "u", "down": "d", "northeast": "ne",
         "northwest": "nw", "southeast": "se", "southwest": "sw", "in": "in", "out": "out"}


def build_map(world: model.World) -> WorldMap:
    dark = {r.id for r in world.rooms if "dark" in r.flags}
    reachable = analyse(world).rooms
    nodes = tuple(Node(r.id, r.name, r.id in dark, r.id == world.start, r.id in reachable) for r in world.rooms)
    rooms = {r.id: r for r in world.rooms}
    edges: list[Edge] = []
    done: set[tuple[str, str]] = set()
    for r in world.rooms:
        for e in r.exits:
            if e.to not in rooms or (r.id, e.direction) in done:
                continue
            back = next((x for x in rooms[e.to].exits if x.to == r.id and x.when is None
                         and (e.to, x.direction) not in done), None) if e.when is None and e.to != r.id else None
            done.add((r.id, e.direction))
            guard = ", ".join(n for n in e.when.names) if e.when is not None else ""
            if back is not None:
                done.add((e.to, back.direction))
                edges.append(Edge(r.id, e.to, f"{SHORT[e.direction]}/{SHORT[back.direction]}", True, False, "",
                                  e.to in dark or r.id in dark))
            else:
                edges.append(Edge(r.id, e.to, SHORT[e.direction], False, e.when is not None, guard, e.to in dark))
    return WorldMap(world.title, nodes, tuple(edges))


# ---------------------------------------------------------------------------- DOT
def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(m: WorldMap) -> str:
    lines = [f"digraph {_dot_id(m.title)} {{", "  graph [rankdir=TB, fontname=\"sans-serif\"];",
             "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"sans-serif\"];",
             "  edge [fontname=\"sans-serif\", fontsize=10];"]
    for n in m.nodes:
        attrs = [f"label={_dot_id(n.name + chr(10) + n.id)}"]
        if n.dark:
            attrs += ['fillcolor="#333333"', 'fontcolor="#ffffff"']
        if n.start:
            attrs.append("peripheries=2")
        if not n.reachable:
            attrs += ['color="#cc0000"', 'style="rounded,filled,dashed"', 'penwidth=2',
                      f"xlabel={_dot_id('unreachable')}"]
        lines.append(f"  {_dot_id(n.id)} [{', '.join(attrs)}];")
    for e in m.edges:
        attrs = [f"label={_dot_id(e.label + (' ?' if e.guarded else ''))}"]
        if e.two_way:
            attrs.append("dir=none")
        if e.guarded:
            attrs += ["style=dashed", f"tooltip={_dot_id('when ' + e.guard)}"]
        if e.dark:
            attrs += ["style=dotted", 'color="#555555"']
        lines.append(f"  {_dot_id(e.a)} -> {_dot_id(e.b)} [{', '.join(attrs)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_available() -> bool:
    return shutil.which("dot") is not None


def svg_with_dot(m: WorldMap, timeout: float = 60.0) -> str:
    """Graphviz's layout; raises OSError / subprocess errors when ``dot`` fails."""
    proc = subprocess.run(["dot", "-Tsvg"], input=render_dot(m), capture_output=True, text=True, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        raise OSError(f"dot failed: {proc.stderr.strip()[:200]}")
    return proc.stdout


# ---------------------------------------------------------------------------- built-in layout
def layout(world: model.World) -> dict[str, tuple[int, int]]:
    """Grid cells for every room (see the module doc)."""
    rooms = {r.id: r for r in world.rooms}
    links: dict[str, list[tuple[str, str]]] = {r.id: [] for r in world.rooms}
    for r in world.rooms:
        for e in r.exits:
            if e.to in rooms:
                links[r.id].append((e.direction, e.to))
                opposite = {"north": "south", "south": "north", "east": "west", "west": "east", "up": "down",
                            "down": "up", "northeast": "southwest", "southwest": "northeast",
                            "northwest": "southeast", "southeast": "northwest", "in": "out", "out": "in"}
                links[e.to].append((opposite[e.direction], r.id))
    pos: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    order = [world.start] if world.start in rooms else []
    order += [r.id for r in world.rooms if r.id != world.start]
    bottom = 0
    for root in order:
        if root in pos:
            continue
        origin = (0, bottom + 2) if pos else (0, 0)
        cell = _free(origin, taken)
        pos[root] = cell
        taken.add(cell)
        queue = deque([root])
        while queue:
            here = queue.popleft()
            x, y = pos[here]
            for d, nxt in links[here]:
                if nxt in pos:
                    continue
                dx, dy = VECTORS[d]
                cell = _free((x + dx, y + dy), taken, (x, y))
                pos[nxt] = cell
                taken.add(cell)
                queue.append(nxt)
        bottom = max(y for _, y in pos.values())
    return pos


def _free(want: tuple[int, int], taken: set[tuple[int, int]], origin: tuple[int, int] | None = None) -> tuple[int, int]:
    """``want``, or the nearest free cell the line from ``origin`` reaches without crossing a
    room's box (else the nearest free cell)."""
    if want not in taken and (origin is None or _clear(origin, want, taken)):
        return want
    x0, y0 = want
    fallback: tuple[int, int] | None = None
    for ring in range(0, 1000):
        cells = [(x0 + dx, y0 + dy) for dy in range(-ring, ring + 1) for dx in range(-ring, ring + 1)
                 if max(abs(dx), abs(dy)) == ring]
        cells.sort(key=lambda c: (abs(c[0] - x0) + abs(c[1] - y0), c[1], c[0]))
        for c in cells:
            if c in taken:
                continue
            if origin is None or _clear(origin, c, taken):
                return c
            fallback = fallback or c
        if fallback is not None and ring >= 3:
            return fallback
    raise ValueError("no free cell")  # pragma: no cover - 1000 rings hold four million rooms


def _clear(a: tuple[int, int], b: tuple[int, int], taken: set[tuple[int, int]]) -> bool:
    """Does the straight line between the cells ``a`` and ``b`` miss every other room's box?"""
    hx, hy = BOX_W / CELL_W / 2 + 0.04, BOX_H / CELL_H / 2 + 0.04
    steps = 4 * max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    for i in range(1, steps):
        t = i / steps
        x, y = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
        cell = (round(x), round(y))
        if cell not in (a, b) and cell in taken and abs(x - cell[0]) < hx and abs(y - cell[1]) < hy:
            return False
    return True


def _clip(cx: float, cy: float, tx: float, ty: float) -> tuple[float, float]:
    """Where the line from the centre (cx, cy) towards (tx, ty) leaves the room's box."""
    dx, dy = tx - cx, ty - cy
    if dx == 0 and dy == 0:
        return cx, cy
    sx = (BOX_W / 2) / abs(dx) if dx else float("inf")
    sy = (BOX_H / 2) / abs(dy) if dy else float("inf")
    s = min(sx, sy)
    return cx + dx * s, cy + dy * s


def _offset(ax: float, ay: float, bx: float, by: float, amount: float, forward: bool) -> tuple[float, float]:
    """A shift of ``amount`` across the line from a to b (the same side for both directions)."""
    if not forward:
        ax, ay, bx, by = bx, by, ax, ay
    dx, dy = bx - ax, by - ay
    length = (dx * dx + dy * dy) ** 0.5 or 1.0
    return -dy / length * amount, dx / length * amount


def _short(text: str, n: int = NAME_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render_svg(world: model.World, m: WorldMap | None = None) -> str:
    m = m or build_map(world)
    pos = layout(world)
    xs = [x for x, _ in pos.values()] or [0]
    ys = [y for _, y in pos.values()] or [0]
    minx, miny = min(xs), min(ys)

    def centre(rid: str) -> tuple[float, float]:
        x, y = pos[rid]
        return MARGIN + (x - minx) * CELL_W + BOX_W / 2, MARGIN + 30 + (y - miny) * CELL_H + BOX_H / 2

    taken = set(pos.values())
    width = max(MARGIN * 2 + (max(xs) - minx) * CELL_W + BOX_W, LEGEND_W)
    legend_y = MARGIN + 30 + (max(ys) - miny) * CELL_H + BOX_H + 36
    height = legend_y + 80
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(m.title)}</title>",
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" "
        "markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#222\"/>"
        "</marker></defs>",
        '<rect width="100%" height="100%" fill="#fafafa"/>',
        f'<text x="{MARGIN}" y="{MARGIN}" font-size="16" font-weight="bold">{escape(m.title)}</text>',
    ]
    pairs: dict[frozenset[str], int] = {}
    for e in m.edges:
        pairs[frozenset((e.a, e.b))] = pairs.get(frozenset((e.a, e.b)), 0) + 1
    seen: dict[frozenset[str], int] = {}
    for e in m.edges:
        (ax, ay), (bx, by) = centre(e.a), centre(e.b)
        if e.a == e.b:
            continue
        key = frozenset((e.a, e.b))
        k = seen.get(key, 0)
        seen[key] = k + 1
        ox = oy = 0.0
        if pairs[key] > 1:  # several exits between two rooms: side by side, not on top of each other
            ox, oy = _offset(ax, ay, bx, by, (k - (pairs[key] - 1) / 2) * 8, e.a < e.b)
            ax, ay, bx, by = ax + ox, ay + oy, bx + ox, by + oy
        if _clear(pos[e.a], pos[e.b], taken):
            x1, y1 = _clip(ax, ay, bx, by)
            x2, y2 = _clip(bx, by, ax, ay)
            lx, ly = (x1 + x2) / 2 + ox * 1.6, (y1 + y2) / 2 + oy * 1.6 + (4 if oy > 0 else 0)
            shape = f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
        else:  # a straight line would cross another room: bend around it
            px, py = _offset(ax, ay, bx, by, CELL_H * 0.75, e.a < e.b)
            qx, qy = (ax + bx) / 2 + px, (ay + by) / 2 + py
            x1, y1 = _clip(ax, ay, qx, qy)
            x2, y2 = _clip(bx, by, qx, qy)
            lx, ly = 0.25 * x1 + 0.5 * qx + 0.25 * x2, 0.25 * y1 + 0.5 * qy + 0.25 * y2
            shape = f'<path d="M {x1:.1f} {y1:.1f} Q {qx:.1f} {qy:.1f} {x2:.1f} {y2:.1f}" fill="none"'
            x1 = x2 + 1  # the label is centred
        cls = "two-way" if e.two_way else "one-way"
        style = 'stroke="#222" stroke-width="1.5"'
        if e.guarded:
            cls += " guarded"
            style += ' stroke-dasharray="7 4"'
        if e.dark:
            cls += " dark"
            style = 'stroke="#555" stroke-width="1.5" stroke-dasharray="2 3"'
        arrow = "" if e.two_way else ' marker-end="url(#arrow)"'
        tip = f"{e.a} {e.label} -> {e.b}" + (f" (when {e.guard})" if e.guarded else "")
        out.append(f'<g class="exit {cls}"><title>{escape(tip)}</title>'
                   f'{shape} {style}{arrow}/>'
                   f'<text x="{lx + (4 if x1 == x2 else 0):.1f}" y="{ly - 4:.1f}" '
                   f'font-size="10" fill="#444" text-anchor="{"start" if x1 == x2 else "middle"}">'
                   f'{escape(e.label + (" ?" if e.guarded else ""))}</text></g>')
    for n in m.nodes:
        cx, cy = centre(n.id)
        x, y = cx - BOX_W / 2, cy - BOX_H / 2
        fill, text = ("#333", "#fff") if n.dark else ("#fff", "#111")
        stroke = 'stroke="#cc0000" stroke-width="2.5" stroke-dasharray="6 3"' if not n.reachable else \
            'stroke="#222" stroke-width="1.5"'
        cls = "room" + (" dark" if n.dark else "") + (" start" if n.start else "") + \
            (" unreachable" if not n.reachable else "")
        out.append(f'<g class="{cls}"><title>{escape(n.id)}</title>')
        out.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{BOX_W}" height="{BOX_H}" rx="6" fill="{fill}" {stroke}/>')
        if n.start:
            out.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="{BOX_W + 8}" height="{BOX_H + 8}" rx="8" '
                       'fill="none" stroke="#222" stroke-width="1"/>')
        out.append(f'<text x="{cx:.1f}" y="{cy - 3:.1f}" text-anchor="middle" fill="{text}" font-weight="bold">'
                   f"{escape(_short(n.name))}</text>")
        out.append(f'<text x="{cx:.1f}" y="{cy + 13:.1f}" text-anchor="middle" fill="{text}" font-size="10">'
                   f"{escape(_short(n.id, 24))}</text>")
        if not n.reachable:
            out.append(f'<text x="{cx:.1f}" y="{y - 6:.1f}" text-anchor="middle" fill="#cc0000" font-size="10">'
                       "unreachable</text>")
        out.append("</g>")
    out.append(_legend(MARGIN, legend_y))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend(x: int, y: int) -> str:
    items = [
        ('stroke="#222" stroke-width="1.5"', "", "two-way"),
        ('stroke="#222" stroke-width="1.5"', ' marker-end="url(#arrow)"', "one-way"),
        ('stroke="#222" stroke-width="1.5" stroke-dasharray="7 4"', ' marker-end="url(#arrow)"', "guarded (when)"),
        ('stroke="#555" stroke-width="1.5" stroke-dasharray="2 3"', "", "into a dark room"),
    ]
    parts = [f'<g class="legend"><text x="{x}" y="{y}" font-weight="bold">Legend</text>']
    for i, (style, arrow, label) in enumerate(items):
        lx = x + i * 150
        parts.append(f'<line x1="{lx}" y1="{y + 18}" x2="{lx + 40}" y2="{y + 18}" {style}{arrow}/>'
                     f'<text x="{lx + 48}" y="{y + 22}">{escape(label)}</text>')
    parts.append(f'<rect x="{x}" y="{y + 34}" width="30" height="16" rx="3" fill="#fff" stroke="#cc0000" '
                 f'stroke-width="2.5" stroke-dasharray="6 3"/><text x="{x + 38}" y="{y + 46}">unreachable</text>'
                 f'<rect x="{x + 150}" y="{y + 34}" width="30" height="16" rx="3" fill="#333"/>'
                 f'<text x="{x + 188}" y="{y + 46}">dark room</text>'
                 f'<rect x="{x + 300}" y="{y + 34}" width="30" height="16" rx="3" fill="#fff" stroke="#222"/>'
                 f'<rect x="{x + 297}" y="{y + 31}" width="36" height="22" rx="4" fill="none" stroke="#222"/>'
                 f'<text x="{x + 342}" y="{y + 46}">start</text></g>')
    return "".join(parts)
