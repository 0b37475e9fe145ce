"""What several ``meshmush`` subcommands share: a usage error, and loading a world given as a
directory (compiled in memory, diagnostics printed) or as an image."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics, relative_to_cwd, render_text
from runtime.image import model
from runtime.image.codec import ImageError, ImageInfo, load_image_file, read_header, write_image


class UsageError(Exception):
    """The command line is wrong: exit 2 with the subcommand's usage."""


def _colour(stream: TextIO) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


def load_world_or_image(path: str) -> tuple[model.World, ImageInfo]:
    """A world directory (compiled in memory; diagnostics printed) or an image file."""
    p = Path(path)
    if p.is_dir():
        diags = Diagnostics()
        world = compile_world(p, diags)
        items = diags.sorted()
        if items:
            sys.stderr.write(render_text(items, p, colour=_colour(sys.stderr), shown=relative_to_cwd(p)))
        if world is None:
            raise ImageError(f"{path}: the world has errors; fix them and try again")
        return world, read_header(write_image(world))
    if not p.exists():
        raise UsageError(f"{path}: no such world directory or image file")
    return load_image_file(p)
