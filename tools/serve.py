"""``meshmush serve``: run a world on a Meshtastic radio.

The mesh transport (runtime/transport: Meshtastic link, fair paced queue, dedupe, rate limits,
reconnects) is not in this build yet.  Until it lands, ``serve`` checks its arguments, loads and
verifies the world exactly as it will, and then says clearly that the radio side is missing,
exiting 1, rather than pretending to run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from runtime.image import model
from runtime.image.codec import ImageInfo


def run_serve(args: argparse.Namespace, load: Callable[[str], tuple[model.World, ImageInfo]]) -> int:
    if not args.serial and not args.tcp:
        print("meshmush serve: give the radio with --serial PORT or --tcp HOST[:PORT]", file=sys.stderr)
        return 2
    world, info = load(args.world)
    print(
        f"meshmush serve: world '{world.id}' (image {info.content_hash[:16]}) verified, but this build has no"
        " mesh transport yet; use 'meshmush play' to run it locally",
        file=sys.stderr,
    )
    return 1
