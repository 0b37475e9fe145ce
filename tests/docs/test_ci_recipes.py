"""docs/ci.md: the GitHub Actions workflow and the pre-commit hooks are the files in
docs/examples/ and .pre-commit-hooks.yaml, word for word, and their commands work on a worlds
repository (a copy of the demo world): clean passes, a broken world fails with annotations."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "ci.md"
WORKFLOW = ROOT / "docs" / "examples" / "meshmush-check.yml"
PRECOMMIT = ROOT / "docs" / "examples" / "pre-commit-config.yaml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def test_the_page_shows_the_files_as_they_are() -> None:
    text = DOC.read_text(encoding="utf-8")
    for path in (WORKFLOW, PRECOMMIT, HOOKS):
        assert path.read_text(encoding="utf-8").rstrip() in text, path.name


def _steps() -> list[dict[str, object]]:
    flow = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert set(flow["jobs"]) == {"check"}
    steps: list[dict[str, object]] = flow["jobs"]["check"]["steps"]
    return steps


def test_the_workflow_installs_from_the_index_and_checks_with_github_annotations() -> None:
    runs = [str(s.get("run", "")) for s in _steps()]
    assert any(r.startswith('pip install "meshmush') for r in runs)
    assert 'meshmush check "$WORLD" --format github' in runs
    assert any("--format sarif" in r for r in runs)
    assert not any("git clone" in r or "pip install -e" in r for r in runs)  # the package index only


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "worlds-repo"
    shutil.copytree(ROOT / "worlds" / "demo", repo / "worlds" / "mine")
    return repo


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WORLD": "worlds/mine",
           "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_the_workflows_check_step_passes_a_clean_world_and_fails_a_broken_one(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    check = 'meshmush check "$WORLD" --format github'
    r = _shell(check, repo)
    assert r.returncode == 0 and r.stdout == "", r.stdout + r.stderr
    (repo / "worlds" / "mine" / "attic.yaml").write_text(
        "kind: room\nid: town.attic\nname: Attic\ndescription: Dusty.\nexits: {down: town.sqare}\n", encoding="utf-8")
    r = _shell(check, repo)
    assert r.returncode == 1
    assert "::error file=worlds/mine/attic.yaml,line=5," in r.stdout and "title=MM4002::" in r.stdout
    sarif = next(str(s["run"]) for s in _steps() if "--format sarif" in str(s.get("run", "")))
    r = _shell(sarif, repo)
    assert r.returncode == 0 and '"ruleId": "MM4002"' in (repo / "meshmush.sarif").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_pre_commit_hooks_run(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    local = yaml.safe_load(PRECOMMIT.read_text(encoding="utf-8"))["repos"][0]["hooks"][0]
    assert local["language"] == "python" and local["additional_dependencies"] == ["meshmush==0.1.*"]
    assert local["pass_filenames"] is False
    r = _shell(local["entry"], repo)
    assert r.returncode == 0, r.stdout + r.stderr
    provided = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [h["id"] for h in provided] == ["meshmush-check"]
    hook = provided[0]
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    r = _shell(f"{hook['entry']} worlds/mine", repo)  # with `args: [worlds/mine]`
    assert r.returncode == 0, r.stdout + r.stderr
    (repo / "worlds" / "mine" / "bad.yaml").write_text("kind: nonsense\n", encoding="utf-8")
    assert _shell(local["entry"], repo).returncode == 1
