"""``meshmush inspect``: a human-readable dump of an image with every trigger disassembled.
Each kind writes its own lines (``compiler.kinds``)."""

from __future__ import annotations

from compiler.kinds import KINDS
from runtime.image import model
from runtime.image.codec import ImageInfo


def render_inspect(world: model.World, info: ImageInfo) -> str:
    out: list[str] = [
        f"image: format {info.version}, {info.size} bytes",
        f"sha256: {info.content_hash}",
    ]
    for kind in KINDS:
        out += kind.inspect(world)
    out.append(f"messages: inbox {world.messages.inbox}, length {world.messages.length} bytes")
    return "\n".join(out) + "\n"
