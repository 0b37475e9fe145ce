"""``meshmush map``: the built-in SVG and the Graphviz source of a small world are reviewed
snapshots; both draw one-way, guarded and dark exits distinctly and mark the unreachable room;
the SVG is valid on its own; ``dot`` is used when installed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from meshmush.cli import main
from meshmush.worldmap import build_map, dot_available, render_dot, render_svg
from runtime.image.model import World

HERE = Path(__file__).resolve().parent
ATLAS = HERE / "map_world"
ROOT = HERE.parents[1]
SVG = "{http://www.w3.org/2000/svg}"


def _world(path: Path) -> World:
    diags = Diagnostics()
    world = compile_world(path, diags)
    assert world is not None
    return world


def _classes(svg: str) -> list[str]:
    root = ET.fromstring(svg.encode("utf-8"))
    assert root.tag == f"{SVG}svg"
    return [g.get("class", "") for g in root.iter(f"{SVG}g")]


def test_builtin_svg_snapshot(snapshot: SnapshotAssertion) -> None:
    svg = render_svg(_world(ATLAS))
    assert svg == snapshot
    classes = _classes(svg)
    assert "room start" in classes and "room dark" in classes and "room unreachable" in classes
    assert "exit one-way" in classes and "exit one-way guarded" in classes
    assert "exit two-way dark" in classes and "exit one-way dark" in classes  # into the dark cellar
    assert "exit two-way" in _classes(render_svg(_world(ROOT / "worlds" / "demo")))


def test_dot_snapshot(snapshot: SnapshotAssertion) -> None:
    dot = render_dot(build_map(_world(ATLAS)))
    assert dot == snapshot
    assert 'style=dashed' in dot and 'style=dotted' in dot and 'dir=none' in dot and '"unreachable"' in dot


def test_the_demo_has_no_unreachable_room() -> None:
    m = build_map(_world(ROOT / "worlds" / "demo"))
    assert all(n.reachable for n in m.nodes)
    gazebo_bridge = [e for e in m.edges if {e.a, e.b} == {"town.gazebo", "town.bridge"}]
    assert sorted(e.guarded for e in gazebo_bridge) == [False, True]  # the drawbridge: guarded one way


def test_cli_writes_svg_and_dot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svg, dot = tmp_path / "atlas.svg", tmp_path / "atlas.dot"
    assert main(["map", str(ATLAS), "-o", str(svg), "--layout", "builtin"]) == 0
    assert svg.read_text(encoding="utf-8") == render_svg(_world(ATLAS))
    assert main(["map", str(ATLAS), "-o", str(dot)]) == 0
    assert dot.read_text(encoding="utf-8") == render_dot(build_map(_world(ATLAS)))
    err = capsys.readouterr().err
    assert "5 rooms, 1 unreachable, 5 connections" in err and "built-in layout" in err


@pytest.mark.skipif(not dot_available(), reason="Graphviz's dot is not installed")
def test_cli_uses_graphviz_when_installed(tmp_path: Path) -> None:
    out = tmp_path / "atlas.svg"
    assert main(["map", str(ATLAS), "-o", str(out)]) == 0
    assert "atlas.island" in out.read_text(encoding="utf-8")
    _classes(out.read_text(encoding="utf-8"))  # valid SVG
    assert main(["map", str(ATLAS), "-o", str(out), "--layout", "dot"]) == 0


def test_cli_usage_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["map", str(ATLAS), "-o", str(tmp_path / "atlas.png")]) == 2
    assert main(["map", str(tmp_path / "nowhere"), "-o", str(tmp_path / "x.svg")]) == 2
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "world.yaml").write_text("kind: room\nid: [oops\n", encoding="utf-8")
    assert main(["map", str(broken), "-o", str(tmp_path / "x.svg")]) == 1
    (tmp_path / "elsewhere.svg").write_text("", encoding="utf-8")
    (tmp_path / "link.svg").symlink_to(tmp_path / "elsewhere.svg")
    assert main(["map", str(ATLAS), "-o", str(tmp_path / "link.svg"), "--layout", "builtin"]) == 1
    err = capsys.readouterr().err
    assert "must end in .svg or .dot" in err and "symbolic link" in err and "Traceback" not in err
