"""The import rules of ARCHITECTURE.md, enforced so they cannot rot.

- compiler/ may import from the runtime only runtime.image;
- runtime/ never imports compiler/ or tools/ (installed as the package ``meshmush``);
- runtime/image/ (the contract) imports nothing of ours but runtime.image;
- the GPL-licensed meshtastic (and its pubsub) is imported in exactly one module;
- so is the MQTT client, paho-mqtt (EPL/EDL).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compiler", "runtime", "tools")
TOOLS = ("tools", "meshmush")  # the folder tools/ installs as the import package meshmush
MESHTASTIC_MODULE = "runtime/transport/meshtastic_link.py"
MQTT_MODULE = "runtime/transport/mqtt_link.py"


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return found


def _sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def _violations() -> list[str]:
    bad: list[str] = []
    for path in _sources():
        rel = path.relative_to(ROOT).as_posix()
        for line, mod in _imports(path):
            top = mod.split(".")[0]
            where = f"{rel}:{line} imports {mod}"
            if rel.startswith("compiler/") and (
                top in TOOLS
                or (top == "runtime" and not (mod == "runtime" or mod.startswith("runtime.image")))
            ):
                bad.append(where + " (compiler may import only runtime.image)")
            if rel.startswith("runtime/") and top in ("compiler", *TOOLS):
                bad.append(where + " (runtime never imports compiler or tools)")
            if rel.startswith("runtime/image/") and top in PACKAGES and not mod.startswith("runtime.image"):
                bad.append(where + " (runtime.image is pure contract)")
            if top in ("meshtastic", "pubsub") and rel != MESHTASTIC_MODULE:
                bad.append(where + f" (meshtastic is GPL: only {MESHTASTIC_MODULE} may import it)")
            if top == "paho" and rel != MQTT_MODULE:
                bad.append(where + f" (only {MQTT_MODULE} may import paho-mqtt)")
    return bad


def test_import_rules_hold() -> None:
    assert _violations() == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from runtime.engine import Engine\nimport meshtastic.tcp_interface\n")
    mods = [m for _, m in _imports(bad)]
    assert "runtime.engine" in mods and "meshtastic.tcp_interface" in mods


def test_all_packages_scanned() -> None:
    rels = {p.relative_to(ROOT).as_posix() for p in _sources()}
    assert "compiler/api.py" in rels and "tools/cli.py" in rels and "runtime/image/codec.py" in rels
