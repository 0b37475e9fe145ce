"""The deploy commands of ``meshmush`` (docs/deploy.md, docs/cli.md):

    meshmush diff OLD NEW [--json]                        what changed between two versions
    meshmush migrate NEW_IMAGE --db PATH [--dry-run]      bring a stopped server's state onto one
    meshmush map WORLD -o map.svg|map.dot [--layout …]    draw the rooms and exits

Each of OLD, NEW and WORLD is a world directory (compiled in memory; its diagnostics go to
standard error) or an image.  Exit codes as ``check``: 0 done (``diff`` exits 0 whether or not
there are differences), 1 an error (a world with errors, an unreadable image or database, a file
that cannot be written), 2 a usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from runtime.store.db import StoreError
from runtime.store.files import UnsafeFileError, refuse_link

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
MAP_FORMATS = (".svg", ".dot")


def cmd_diff(args: argparse.Namespace) -> int:
    from compiler.diff import diff_worlds

    from .worlds import load_world_or_image

    old, _ = load_world_or_image(args.old)
    new, _ = load_world_or_image(args.new)
    found = diff_worlds(old, new)
    if args.json:
        sys.stdout.write(json.dumps(found.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        sys.stdout.write(found.text())
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from .migrate_cmd import MigrateError, run_migrate
    from .worlds import load_world_or_image

    world, info = load_world_or_image(args.image)
    try:
        return run_migrate(args, world, info.content_hash)
    except (MigrateError, StoreError) as exc:
        print(f"meshmush migrate: {exc}", file=sys.stderr)
        return EXIT_ERROR


def cmd_map(args: argparse.Namespace) -> int:
    from .worldmap import build_map, dot_available, render_dot, render_svg, svg_with_dot
    from .worlds import UsageError, load_world_or_image

    out = Path(args.output)
    if out.suffix.lower() not in MAP_FORMATS:
        raise UsageError(f"-o must end in .svg or .dot, not '{out.name}'")
    if args.layout == "dot" and not dot_available():
        raise UsageError("--layout dot needs Graphviz's dot on the PATH (e.g. apt-get install graphviz)")
    world, _ = load_world_or_image(args.world)
    m = build_map(world)
    how = "graphviz"
    if out.suffix.lower() == ".dot":
        text = render_dot(m)
    elif args.layout == "dot" or (args.layout == "auto" and dot_available()):
        try:
            text = svg_with_dot(m)
        except (OSError, subprocess.SubprocessError) as exc:
            if args.layout == "dot":
                print(f"meshmush map: {exc}", file=sys.stderr)
                return EXIT_ERROR
            text, how = render_svg(world, m), "built-in layout (dot failed)"
    else:
        text, how = render_svg(world, m), "built-in layout"
    try:
        _write(out, text)
    except (OSError, UnsafeFileError) as exc:
        print(f"meshmush map: cannot write {out}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
        return EXIT_ERROR
    lost = sum(1 for n in m.nodes if not n.reachable)
    note = f", {lost} unreachable" if lost else ""
    what = "Graphviz source" if out.suffix.lower() == ".dot" else how
    print(f"map of {world.id}: {len(m.nodes)} rooms{note}, {len(m.edges)} connections -> {out} ({what})",
          file=sys.stderr)
    return EXIT_OK


def _write(out: Path, text: str) -> None:
    refuse_link(out, "output file")
    tmp = out.with_name(out.name + ".tmp")
    refuse_link(tmp, "temporary file")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError:
        if not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
        raise


def add_deploy_parsers(sub: Any) -> None:
    from .migrate_cmd import add_migrate_parser

    d = sub.add_parser("diff", help="what changed between two versions of a world",
                       description="Compare two versions of a world (directories or images): rooms, objects, "
                                   "exits, triggers, prices and state declarations added, removed or changed.")
    d.add_argument("old", metavar="OLD", help="the old version: a world directory or an image")
    d.add_argument("new", metavar="NEW", help="the new version: a world directory or an image")
    d.add_argument("--json", action="store_true", help="one JSON object instead of text")
    d.set_defaults(func=cmd_diff, parser=d)

    m = add_migrate_parser(sub)
    m.set_defaults(func=cmd_migrate, parser=m)

    p = sub.add_parser("map", help="draw a world's rooms and exits (SVG or Graphviz)",
                       description="Draw the rooms of a world laid out by their exits: one-way, guarded and dark "
                                   "exits drawn distinctly, unreachable rooms in red.")
    p.add_argument("world", metavar="WORLD", help="a world directory or an image")
    p.add_argument("-o", "--output", metavar="FILE", required=True,
                   help="map.svg (a picture) or map.dot (Graphviz source)")
    p.add_argument("--layout", choices=("auto", "dot", "builtin"), default="auto",
                   help="for .svg: Graphviz's dot when installed (auto, the default), dot, or the built-in layout")
    p.set_defaults(func=cmd_map, parser=p)
