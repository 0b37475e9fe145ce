"""The `meshmush` command line as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]

BROKEN_ROOM = """kind: room
id: town.attic
name: Attic
description: Dusty.
exits:
  down: town.sqare
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


@pytest.fixture()
def broken_world(demo_dir: Path, tmp_path: Path) -> Path:
    world = tmp_path / "broken"
    shutil.copytree(demo_dir, world)
    (world / "attic.yaml").write_text(BROKEN_ROOM, encoding="utf-8")
    return world


def test_check_demo_is_clean(demo_dir: Path) -> None:
    r = run("check", str(demo_dir))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "error" not in r.stdout and "warning" not in r.stdout
    assert "Traceback" not in r.stderr


def test_check_reports_file_line_col_code_and_hint(broken_world: Path) -> None:
    r = run("check", str(broken_world))
    assert r.returncode == 1
    assert "attic.yaml:6:9: error[MM4002]: exit destination 'town.sqare' does not exist" in r.stdout
    assert "hint: did you mean 'town.square'?" in r.stdout
    assert "    6 |   down: town.sqare" in r.stdout
    assert "Traceback" not in r.stderr


def test_check_json_matches_the_contract(broken_world: Path) -> None:
    r = run("check", str(broken_world), "--format", "json")
    assert r.returncode == 1
    items = json.loads(r.stdout)
    assert isinstance(items, list) and items
    for item in items:
        assert set(item) == {"code", "severity", "message", "file", "path", "line", "column", "hint"}
        assert item["severity"] in ("error", "warning", "info")
        assert isinstance(item["line"], int) and item["line"] >= 1
        assert isinstance(item["column"], int) and item["column"] >= 1
        assert not Path(item["file"]).is_absolute()
    err = next(i for i in items if i["code"] == "MM4002")
    assert (err["file"], err["line"], err["column"]) == ("attic.yaml", 6, 9)


def test_check_json_of_a_clean_world_is_an_empty_array(demo_dir: Path) -> None:
    r = run("check", str(demo_dir), "--format", "json")
    assert r.returncode == 0
    assert json.loads(r.stdout) == []


def test_check_github_annotations(broken_world: Path) -> None:
    r = run("check", str(broken_world), "--format", "github")
    assert r.returncode == 1
    assert f"::error file={broken_world.as_posix()}/attic.yaml,line=6,col=9,title=MM4002::" in r.stdout


def test_diagnostics_name_files_relative_to_the_current_directory(broken_world: Path) -> None:
    """CI runs ``meshmush check worlds/mine`` at the repository root: annotations and text must
    name ``worlds/mine/attic.yaml``, or they never attach to the pull request's files."""
    repo = broken_world.parent / "repo"
    (repo / "worlds").mkdir(parents=True)
    broken_world.rename(repo / "worlds" / "mine")
    r = run("check", "worlds/mine", "--format", "github", cwd=repo)
    assert "::error file=worlds/mine/attic.yaml,line=6,col=9,title=MM4002::" in r.stdout, r.stdout
    r = run("check", "worlds/mine", cwd=repo)
    assert "worlds/mine/attic.yaml:6:9: error[MM4002]" in r.stdout, r.stdout
    r = run("check", "mine", cwd=repo / "worlds")
    assert "\nmine/attic.yaml:6:9: error[MM4002]" in "\n" + r.stdout, r.stdout
    r = run("check", ".", "--format", "github", cwd=repo / "worlds" / "mine")
    assert "::error file=attic.yaml,line=6,col=9," in r.stdout, r.stdout
    r = run("check", "worlds/mine/", "--format", "json", cwd=repo)
    err = next(i for i in json.loads(r.stdout) if i["code"] == "MM4002")
    assert (err["file"], err["path"]) == ("attic.yaml", "worlds/mine/attic.yaml")
    r = run("build", "./worlds/mine", "-o", "x.mmi", cwd=repo)
    assert "worlds/mine/attic.yaml:6:9: error[MM4002]" in r.stderr, r.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("check").returncode == 2
    assert run("check", str(tmp_path / "nope")).returncode == 2
    assert run("check", ".", "--format", "xml").returncode == 2
    r = run("frobnicate")
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_build_then_inspect(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "demo.mmi"
    r = run("build", str(demo_dir), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert out.read_bytes()[:4] == b"\x89MMI"
    r = run("inspect", str(out))
    assert r.returncode == 0, r.stderr
    assert "world: demo" in r.stdout and "sha256:" in r.stdout
    assert "rooms 1" in r.stdout  # counts line: 'rooms 1x'
    assert "town.gazebo on enter" in r.stdout


def test_build_of_a_broken_world_writes_nothing(broken_world: Path, tmp_path: Path) -> None:
    out = tmp_path / "x.mmi"
    r = run("build", str(broken_world), "-o", str(out))
    assert r.returncode == 1
    assert "MM4002" in r.stderr
    assert not out.exists()


def test_inspect_refuses_a_damaged_image(demo_image: Path, tmp_path: Path) -> None:
    bad = bytearray(demo_image.read_bytes())
    bad[-5] ^= 0xFF
    p = tmp_path / "bad.mmi"
    p.write_bytes(bytes(bad))
    r = run("inspect", str(p))
    assert r.returncode == 1
    assert "corrupt" in r.stderr and "Traceback" not in r.stderr
