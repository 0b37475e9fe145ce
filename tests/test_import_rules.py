"""The import rules of ARCHITECTURE.md, enforced so they cannot rot.

- compiler/ may import from the runtime only runtime.image;
- runtime/ never imports compiler/ or tools/ (installed as the package ``meshmush``);
- runtime/image/ (the contract) imports nothing of ours but runtime.image;
- the engine, systems and store never import transports or ``play`` (the engine's I/O types
  live in ``runtime/engine/io.py``; transports import them);
- the GPL-licensed meshtastic (and its pubsub) is imported in exactly one runtime module, and
  besides it only by the fake node (``tools/fakeradio/``, a test tool: its protobuf classes);
- so is the MQTT client, paho-mqtt (EPL/EDL): one module;
- no module imports itself through others: no import cycles (imports under TYPE_CHECKING and
  inside functions count too — a cycle is a design knot whether or not Python trips on it).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compiler", "runtime", "tools")
TOOLS = ("tools", "meshmush")  # the folder tools/ installs as the import package meshmush
MESHTASTIC_MODULE = "runtime/transport/meshtastic_link.py"
MQTT_MODULE = "runtime/transport/mqtt_link.py"
TEST_TOOL = "tools/fakeradio/"
"""The fake node uses the protobuf classes meshtastic ships: a test tool, never the runtime."""


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
            if rel.startswith(("runtime/engine/", "runtime/systems/", "runtime/store/")) and (
                mod.startswith(("runtime.transport", "runtime.play"))
            ):
                bad.append(where + " (the engine declares its I/O types; transports import the engine)")
            if rel.startswith("runtime/image/") and top in PACKAGES and not mod.startswith("runtime.image"):
                bad.append(where + " (runtime.image is pure contract)")
            if top in ("meshtastic", "pubsub") and not (rel == MESHTASTIC_MODULE or rel.startswith(TEST_TOOL)):
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


# ---------------------------------------------------------------- cycles


def module_name(root: Path, path: Path) -> str:
    """``runtime/engine/context.py`` → ``runtime.engine.context``; ``tools/x.py`` → ``meshmush.x``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[0] == "tools":
        parts[0] = "meshmush"
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def import_graph(root: Path, paths: Iterable[Path]) -> dict[str, set[str]]:
    """Module → the modules of ours it imports (``from pkg import sub`` counts as importing the
    submodule ``pkg.sub``; importing a module does not count as importing its package)."""
    files = {module_name(root, p): p for p in paths}

    def ours(name: str) -> str | None:
        if name.startswith("tools."):
            name = "meshmush." + name[len("tools."):]
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for mod, path in files.items():
        package = mod.split(".") if path.name == "__init__.py" else mod.split(".")[:-1]
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                edges |= {t for a in node.names if (t := ours(a.name))}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package[: len(package) - (node.level - 1)]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                edges |= {t for a in node.names if (t := ours(f"{base}.{a.name}"))}
        graph[mod] = edges - {mod}
    return graph


def cycles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or around a loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles() -> None:
    assert cycles(import_graph(ROOT, _sources())) == []


def test_the_cycle_check_catches_a_planted_cycle(tmp_path: Path) -> None:
    eng = tmp_path / "runtime" / "engine"
    eng.mkdir(parents=True)
    (tmp_path / "runtime" / "__init__.py").write_text("")
    (eng / "__init__.py").write_text("")
    (eng / "a.py").write_text("from runtime.engine.b import B\nA = 1\n")
    (eng / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from runtime.engine import c\nB = 2\n")
    (eng / "c.py").write_text("def f() -> int:\n    from .a import A\n    return A\n")
    (eng / "d.py").write_text("from runtime.engine.a import A\n")  # imports into the loop, not part of it
    graph = import_graph(tmp_path, sorted(tmp_path.rglob("*.py")))
    assert graph["runtime.engine.c"] == {"runtime.engine.a"}  # relative, inside a function
    assert cycles(graph) == [["runtime.engine.a", "runtime.engine.b", "runtime.engine.c"]]
    (eng / "c.py").write_text("C = 3\n")
    assert cycles(import_graph(tmp_path, sorted(tmp_path.rglob("*.py")))) == []
