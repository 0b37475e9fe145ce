"""`.ci/run` fails a run in which no test passed, reading the real pytest-xdist output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # each case starts pytest with two xdist workers


def _pytest_output(tmp_path: Path, body: str) -> str:
    (tmp_path / "test_sample.py").write_text(body, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # not the project's options
    r = subprocess.run([sys.executable, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider", str(tmp_path)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    return r.stdout


@pytest.mark.parametrize(
    ("body", "ran"),
    [
        ("def test_a():\n    pass\n\ndef test_b():\n    pass\n", True),
        ("import pytest\n\n@pytest.mark.skip(reason='x')\ndef test_a():\n    pass\n", False),
        ("# no tests\n", False),
    ],
    ids=["two-passed", "all-skipped", "none-collected"],
)
def test_ran_tests_reads_xdist_output(tmp_path: Path, body: str, ran: bool) -> None:
    out = _pytest_output(tmp_path, body)
    r = subprocess.run([str(ROOT / ".ci" / "ran-tests")], input=out, capture_output=True, text=True, timeout=30)
    assert (r.returncode == 0) == ran, out
    assert "ran-tests" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
