"""``meshmush schemas -o DIR``: copy the JSON Schemas an installed meshmush validates with into a
directory, so a worlds repository can point its editor at them (docs/editor-setup.md) without a
checkout of meshmush.  They are read from the installed package (``compiler/schemas``)."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

SCHEMA_PACKAGE = "compiler.schemas"


class ExportError(Exception):
    """The directory cannot be created or written (the message says why)."""


def schema_names() -> list[str]:
    return sorted(p.name for p in resources.files(SCHEMA_PACKAGE).iterdir() if p.name.endswith(".schema.json"))


def export_schemas(out: Path) -> list[Path]:
    """Write every ``*.schema.json`` into ``out`` (created if missing); returns the files written.
    Each file is written to a temporary name and renamed, so an editor never reads half a file."""
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot create {out}: {exc.strerror or exc}") from None
    written: list[Path] = []
    files = resources.files(SCHEMA_PACKAGE)
    for name in schema_names():
        data = files.joinpath(name).read_bytes()
        target = out / name
        tmp = out / (name + ".tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
        written.append(target)
    return written
