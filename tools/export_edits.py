"""``meshmush admin export-edits --db F -o DIR``: the live builders' edits as world files.

The overlay in the database (``runtime/store/overlay.py``) becomes YAML in the world format:

- ``DIR/built_rooms.yaml``: one ``kind: room`` document per room made with ``/dig`` (name,
  description, exits);
- ``DIR/patches.yaml``: one ``kind: patch`` document per room of the world that builders changed
  (``/describe`` text, exits added by ``/dig`` or ``/link``, exits removed by ``/unlink``);
- ``DIR/built_objects.yaml``: one ``kind: object`` document per object made with ``/create``.

Put DIR inside the world directory (``-o worlds/mine/built``): ``meshmush check worlds/mine``
accepts it, and the world built with it has exactly the rooms, exits, descriptions and objects
the server ran (the copies themselves — clones — are game state, kept by backups, not world
files).  Every file is written to a temporary name and renamed; a file of a part with no edits
left is removed, so exporting again replaces the previous export.  Texts are written as
double-quoted YAML strings (JSON escapes), so no name or description can change meaning.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from runtime.image.model import Exit
from runtime.image.patch import sort_exits
from runtime.store.files import UnsafeFileError, refuse_link
from runtime.store.overlay import BuiltExit, Overlay

ROOMS_FILE = "built_rooms.yaml"
PATCHES_FILE = "patches.yaml"
OBJECTS_FILE = "built_objects.yaml"


class ExportError(Exception):
    """The directory cannot be created or written (the message says why)."""


@dataclass(frozen=True)
class Exported:
    rooms: int
    patches: int
    objects: int
    files: tuple[Path, ...]


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _exits(exits: list[BuiltExit]) -> str:
    ordered = sort_exits([Exit(e.direction, e.target) for e in exits])
    return "{" + ", ".join(f"{e.direction}: {e.to}" for e in ordered) + "}"


def documents(overlay: Overlay) -> tuple[list[str], list[str], list[str]]:
    """The YAML documents (without separators) of built rooms, patches and built objects."""
    built = {r.id for r in overlay.rooms}
    exits: dict[str, list[BuiltExit]] = {}
    for e in overlay.exits:
        exits.setdefault(e.room, []).append(e)
    rooms = []
    for r in overlay.rooms:
        lines = ["kind: room", f"id: {r.id}", f"name: {_q(r.name)}", f"description: {_q(r.description)}"]
        own = [e for e in exits.get(r.id, []) if not e.removed]
        if own:
            lines.append(f"exits: {_exits(own)}")
        rooms.append("\n".join(lines))
    texts = {t.room: t.description for t in overlay.texts}
    patched = sorted((set(exits) | set(texts)) - built)
    patches = []
    for rid in patched:
        lines = ["kind: patch", f"room: {rid}"]
        if rid in texts:
            lines.append(f"description: {_q(texts[rid])}")
        added = [e for e in exits.get(rid, []) if not e.removed]
        gone = [e.direction for e in exits.get(rid, []) if e.removed]
        if added:
            lines.append(f"exits: {_exits(added)}")
        if gone:
            lines.append("remove_exits: [" + ", ".join(gone) + "]")
        patches.append("\n".join(lines))
    objects = [
        "\n".join(["kind: object", f"id: {o.id}", f"name: {_q(o.name)}", f"description: {_q(o.description)}"])
        for o in overlay.objects
    ]
    return rooms, patches, objects


def _text(header: str, docs: list[str]) -> str:
    return header + "\n" + "\n---\n".join(docs) + "\n"


def export_overlay(overlay: Overlay, out: Path, note: str = "") -> Exported:
    """Write the overlay into ``out`` (created if missing)."""
    try:
        refuse_link(out, "export directory")
    except UnsafeFileError as exc:
        raise ExportError(str(exc)) from None
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {out}: {exc.strerror or exc}") from None
    rooms, patches, objects = documents(overlay)
    head = "# Written by meshmush admin export-edits" + (f" ({note})" if note else "") + ": "
    parts: list[tuple[str, list[str], str]] = [
        (ROOMS_FILE, rooms, "rooms built live (/dig); keep them, edit them, or rename them with renamed_from"),
        (PATCHES_FILE, patches, "changes to rooms of the world (/describe, /link, /unlink); fold them into the"
                                " rooms' own files or keep them as they are"),
        (OBJECTS_FILE, objects, "objects made live (/create)"),
    ]
    written: list[Path] = []
    for name, docs, what in parts:
        target = out / name
        if docs:
            _write(target, _text(head + what + ".", docs))
            written.append(target)
        else:
            _remove(target)
    return Exported(len(rooms), len(patches), len(objects), tuple(written))


def _write(target: Path, text: str) -> None:
    tmp = target.with_name(target.name + ".tmp")
    try:
        refuse_link(target, "export file")
        refuse_link(tmp, "temporary file")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except UnsafeFileError as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        if not tmp.is_symlink():
            tmp.unlink(missing_ok=True)
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None


def _remove(target: Path) -> None:
    try:
        if target.is_symlink():
            raise ExportError(f"export file {target} is a symbolic link; remove it")
        target.unlink(missing_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot remove the stale {target}: {exc.strerror or exc}") from None

