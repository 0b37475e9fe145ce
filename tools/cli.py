"""The ``meshmush`` command line: check, build, inspect, play, serve, admin, diff, migrate, map,
fakeradio, schemas.

Exit codes: 0 success (warnings allowed), 1 errors in the world or at run time, 2 usage (with
the subcommand's own usage line).  A person never sees a traceback: expected failures print one
clear line.  Diagnostics name files relative to the current directory (``worlds/mine/a.yaml``),
so editors and CI annotations find them; JSON keeps ``file`` relative to WORLD_DIR and adds ``path``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import TextIO

from compiler.api import compile_world
from compiler.diagnostics import (
    Diagnostic,
    Diagnostics,
    relative_to_cwd,
    render_github,
    render_json,
    render_text,
)
from runtime.image.codec import ImageError, load_image_file, read_header, write_image
from runtime.store.files import UnsafeFileError, write_new_file

from .worlds import UsageError, _colour, load_world_or_image

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def version() -> str:
    try:
        return metadata.version("meshmush")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


def _emit(diags: list[Diagnostic], fmt: str, root: Path, stream: TextIO) -> None:
    shown = relative_to_cwd(root)
    if fmt == "json":
        stream.write(render_json(diags, shown))
    elif fmt == "github":
        stream.write(render_github(diags, shown))
    elif fmt == "sarif":
        from compiler.sarif import render_sarif

        stream.write(render_sarif(diags, shown, version()))
    else:
        stream.write(render_text(diags, root, colour=_colour(stream), shown=shown))


def _world_dir(path: str) -> Path:
    root = Path(path)
    if not root.exists():
        raise UsageError(f"{path}: no such directory")
    if not root.is_dir():
        raise UsageError(f"{path} is not a directory (a world is a directory of .yaml files)")
    return root


def cmd_check(args: argparse.Namespace) -> int:
    root = _world_dir(args.world)
    diags = Diagnostics()
    compile_world(root, diags)
    _emit(diags.sorted(), args.format, root, sys.stdout)
    return EXIT_ERROR if diags.has_errors else EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    root = _world_dir(args.world)
    diags = Diagnostics()
    world = compile_world(root, diags)
    items = diags.sorted()
    if args.format == "sarif":  # a whole SARIF log on standard output, for code scanning (docs/ci.md)
        _emit(items, args.format, root, sys.stdout)
    elif items or world is None:
        _emit(items, args.format, root, sys.stderr)
    if world is None:
        return EXIT_ERROR
    data = write_image(world)
    out = Path(args.output)
    tmp = out.with_name(out.name + ".tmp")
    try:
        write_new_file(tmp, data, "temporary image")
        os.replace(tmp, out)
    except UnsafeFileError as exc:
        print(f"meshmush build: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        if not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
        print(f"meshmush: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    info = read_header(data)
    print(
        f"built {out} ({info.size} bytes, format {info.version}, sha256 {info.content_hash[:16]})",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_inspect(args: argparse.Namespace) -> int:
    from .inspect_image import render_inspect

    if not Path(args.image).exists():
        raise UsageError(f"{args.image}: no such image file")
    world, info = load_image_file(args.image)
    sys.stdout.write(render_inspect(world, info))
    return EXIT_OK


def cmd_play(args: argparse.Namespace) -> int:
    from runtime.play import run_play

    if args.frame_bytes < 40 or args.frame_bytes > 10000:
        raise UsageError("--frame-bytes must be between 40 and 10000")
    world, info = load_world_or_image(args.world)
    code: int = run_play(
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
    return code


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run_serve

    if not Path(args.world).exists():  # a usage error, said before serve's log takes over stderr
        raise UsageError(f"{args.world}: no such world directory or image file")
    code: int = run_serve(args, load_world_or_image)
    return code


def cmd_gateway(args: argparse.Namespace) -> int:
    from .gateway import run_gateway

    return run_gateway(args)


def cmd_fakeradio(args: argparse.Namespace) -> int:
    from .fakeradio.__main__ import main as fakeradio_main

    return fakeradio_main(args.rest)


def cmd_schemas(args: argparse.Namespace) -> int:
    from .export_schemas import ExportError, export_schemas

    try:
        written = export_schemas(Path(args.output))
    except ExportError as exc:
        print(f"meshmush schemas: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {len(written)} schemas to {args.output} (meshmush {version()}); "
          f"point your editor at {Path(args.output) / 'meshmush.schema.json'}", file=sys.stderr)
    return EXIT_OK


FORMAT_HELP = ("diagnostics as text (default), json (one array), github (Actions annotations) or sarif"
               " (SARIF 2.1.0, for code scanning)")
FORMATS = ("text", "json", "github", "sarif")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="meshmush",
        description="Compile and run text worlds played over Meshtastic mesh radios.",
    )
    p.add_argument("--version", action="version", version=f"meshmush {version()}",
                   help="print the version and exit")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    c = sub.add_parser("check", help="validate a world directory and print diagnostics",
                       description="Validate a world directory and print every diagnostic; exit 1 on errors.")
    c.add_argument("world", metavar="WORLD_DIR", help="the world: a directory of .yaml files")
    c.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    c.set_defaults(func=cmd_check, parser=c)

    b = sub.add_parser("build", help="compile a world directory into an image",
                       description="Compile a world directory into an image (identical inputs, identical bytes).")
    b.add_argument("world", metavar="WORLD_DIR", help="the world: a directory of .yaml files")
    b.add_argument("-o", "--output", metavar="IMAGE", required=True, help="where to write the image (.mmi)")
    b.add_argument("--format", choices=FORMATS, default="text", help=FORMAT_HELP)
    b.set_defaults(func=cmd_build, parser=b)

    i = sub.add_parser("inspect", help="dump an image and disassemble its triggers",
                       description="Verify an image, print a summary and disassemble every trigger.")
    i.add_argument("image", metavar="IMAGE", help="an image written by meshmush build")
    i.set_defaults(func=cmd_inspect, parser=i)

    pl = sub.add_parser("play", help="play a world locally, exactly as the radio would reply",
                        description="Play a world locally with exactly the frames the radio would send.")
    pl.add_argument("world", metavar="WORLD_DIR|IMAGE", help="a world directory (compiled in memory) or an image")
    pl.add_argument("--db", metavar="PATH", help="the DuckDB file holding the state (default: a temporary one)")
    pl.add_argument("--seed", type=int, metavar="N", help="a whole number: the same seed gives the same random rolls")
    pl.add_argument("--player", metavar="NAME", help="your player's name when playing interactively")
    pl.add_argument("--script", metavar="FILE", help="run NAME> COMMAND lines from FILE (- for standard input)")
    pl.add_argument("--format", choices=("text", "jsonl"), default="text",
                    help="text (default) or jsonl: one JSON object per frame")
    pl.add_argument("--frame-bytes", type=int, default=200, metavar="N",
                    help="radio frame size in UTF-8 bytes (default 200, 40 to 10000)")
    pl.add_argument("--sysop", metavar="NAME", help="NAME plays as sysop (local play and scripts only)")
    pl.set_defaults(func=cmd_play, parser=pl)

    s = sub.add_parser("serve", help="run the world on a Meshtastic radio",
                       description="Run the world on a Meshtastic radio (USB serial or TCP).")
    s.add_argument("world", metavar="WORLD_DIR|IMAGE", help="a world directory (compiled in memory) or an image")
    radio = s.add_mutually_exclusive_group()
    radio.add_argument("--serial", metavar="PORT", help="a radio on a serial port, e.g. /dev/ttyUSB0")
    radio.add_argument("--tcp", metavar="HOST[:PORT]", help="a networked radio (port 4403 by default)")
    radio.add_argument("--mqtt", metavar="URL",
                       help="no radio here: take commands from gateways through this MQTT broker (docs/gateways.md)")
    s.add_argument("--db", metavar="PATH", help="the DuckDB file holding the state (overrides the config)")
    s.add_argument("--config", metavar="FILE", help="a TOML config file (see docs/transport.md)")
    s.set_defaults(func=cmd_serve, parser=s)

    g = sub.add_parser("gateway", help="bridge one radio to a world's server through an MQTT broker",
                       description="Bridge one radio to the world's 'meshmush serve --mqtt' through an MQTT broker.")
    g_radio = g.add_mutually_exclusive_group()
    g_radio.add_argument("--serial", metavar="PORT", help="a radio on a serial port, e.g. /dev/ttyUSB0")
    g_radio.add_argument("--tcp", metavar="HOST[:PORT]", help="a networked radio (port 4403 by default)")
    g.add_argument("--mqtt", metavar="URL", help="the broker: mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (TLS)")
    g.add_argument("--id", metavar="NAME", help="this gateway's name (default: the host name)")
    g.add_argument("--config", metavar="FILE", help="a TOML config file (see docs/gateways.md)")
    g.set_defaults(func=cmd_gateway, parser=g)
    from .admin import add_admin_parser

    add_admin_parser(sub)

    from .deploy_cli import add_deploy_parsers

    add_deploy_parsers(sub)

    f = sub.add_parser("fakeradio", help="a fake Meshtastic node to play against without a radio",
                       add_help=False)
    f.add_argument("rest", nargs=argparse.REMAINDER, help="fakeradio's own options: meshmush fakeradio --help")
    f.set_defaults(func=cmd_fakeradio, parser=f)

    sc = sub.add_parser("schemas", help="write the JSON Schemas for editors into a directory",
                        description="Write the JSON Schemas of this meshmush (one per kind, and "
                                    "meshmush.schema.json for any document) into a directory, for editors.")
    sc.add_argument("-o", "--output", metavar="DIR", required=True, help="the directory (created if missing)")
    sc.set_defaults(func=cmd_schemas, parser=sc)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["fakeradio"]:  # its own options: see tools/fakeradio/__main__.py
        from .fakeradio.__main__ import main as fakeradio_main

        return fakeradio_main(args_list[1:])
    argv = args_list
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except UsageError as exc:
        args.parser.print_usage(sys.stderr)
        print(f"meshmush {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImageError as exc:
        print(f"meshmush {args.command}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
