"""Packaging: every package folder is listed in pyproject.toml, data files ship inside packages,
and nothing installs as a generic ``tools`` import package."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUP = PYPROJECT["tool"]["setuptools"]


def _installed_name(folder: Path) -> str:
    rel = folder.relative_to(ROOT).parts
    for name, src in SETUP.get("package-dir", {}).items():
        src_parts = Path(src).parts
        if rel[: len(src_parts)] == src_parts:
            return ".".join((name, *rel[len(src_parts) :]))
    return ".".join(rel)


def test_every_package_folder_is_listed() -> None:
    folders = sorted(
        p.parent for top in ("compiler", "runtime", "tools") for p in (ROOT / top).rglob("__init__.py")
    )
    listed = set(SETUP["packages"])
    missing = [_installed_name(f) for f in folders if _installed_name(f) not in listed]
    assert missing == [], f"add these to [tool.setuptools] packages in pyproject.toml: {missing}"


def test_no_generic_tools_package_is_installed() -> None:
    assert not any(p == "tools" or p.startswith("tools.") for p in SETUP["packages"])
    assert PYPROJECT["project"]["scripts"]["meshmush"] == "meshmush.cli:main"


def test_data_files_are_read_from_packages() -> None:
    schemas = resources.files("compiler.schemas")
    names = {p.name for p in schemas.iterdir()}
    assert {"world.schema.json", "room.schema.json", "meshmush.schema.json"} <= names
    assert resources.files("compiler.triggers").joinpath("grammar.lark").is_file()
    assert (ROOT / "schemas").resolve() == (ROOT / "compiler" / "schemas").resolve()
