"""A normal install works anywhere: build the wheel from a copy of the sources, install it into a
fresh virtual environment (dependencies from the package index), and run ``meshmush --version``,
``check``, ``build``, ``inspect``, ``play --script`` and ``schemas`` from a directory outside the
checkout.  The installed packages, not the checkout, must do the work."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "compiler", "runtime", "tools")

pytestmark = pytest.mark.slow  # a wheel build and an install (~15 s with a warm pip cache)


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy: building must not write into the checkout
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(ROOT / name, src / name)
    dist = tmp_path / "dist"
    r = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(src)], tmp_path)
    assert r.returncode == 0, r.stderr
    wheels = list(dist.glob("meshmush-*.whl"))
    assert len(wheels) == 1, wheels

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)  # fresh; the test's own pip installs into it
    py = env_dir / "bin" / "python"
    r = _run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", str(wheels[0])], tmp_path)
    assert r.returncode == 0, r.stderr
    exe = str(env_dir / "bin" / "meshmush")

    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(ROOT / "worlds" / "demo", elsewhere / "worlds" / "demo")
    r = _run([str(py), "-c", "import compiler, runtime, meshmush; print(compiler.__file__, meshmush.__file__)"],
             elsewhere)
    assert r.returncode == 0 and str(ROOT) not in r.stdout and str(env_dir) in r.stdout, r.stdout + r.stderr
    r = _run([str(py), "-c", "import tools"], elsewhere)
    assert r.returncode != 0, "the wheel must not install a top-level 'tools' package"

    r = _run([exe, "--version"], elsewhere)
    assert (r.returncode, r.stdout.strip()) == (0, f"meshmush {metadata.version('meshmush')}"), r.stderr
    r = _run([exe, "check", "worlds/demo"], elsewhere)
    assert r.returncode == 0 and "no problems found" in r.stdout, r.stdout + r.stderr
    r = _run([exe, "check", "worlds/demo", "--format", "json"], elsewhere)
    assert r.returncode == 0 and r.stdout.strip() == "[]", r.stderr
    r = _run([exe, "build", "worlds/demo", "-o", "demo.mmi"], elsewhere)
    assert r.returncode == 0 and (elsewhere / "demo.mmi").exists(), r.stderr
    r = _run([exe, "inspect", "demo.mmi"], elsewhere)
    assert r.returncode == 0 and "world: demo" in r.stdout, r.stderr
    (elsewhere / "s.txt").write_text("Ana> look\nAna> help\nAna> n\n", encoding="utf-8")
    r = _run([exe, "play", "demo.mmi", "--script", "s.txt", "--db", "demo.duckdb"], elsewhere)
    assert r.returncode == 0, r.stderr
    assert "[Ana] Town Square" in r.stdout and "Help on:" in r.stdout, r.stdout
    r = _run([exe, "schemas", "-o", "schemas"], elsewhere)
    assert r.returncode == 0 and (elsewhere / "schemas" / "meshmush.schema.json").is_file(), r.stderr
    assert "Traceback" not in r.stderr
