"""Every diagnostic code has a failing fixture that proves it, and a page entry.

Fixtures live in tests/diagnostics/:
- ``MMxxxx_name.yaml``: a whole world in one file, headed by ``# expect: MMxxxx LINE:COL`` lines;
- ``MMxxxx_name/``: a world directory with ``expect.txt`` lines ``MMxxxx FILE:LINE:COL`` (and
  optionally ``generate.txt`` lines ``COUNT PATTERN``: COUNT files made from PATTERN's ``{n}``,
  for fixtures too bulky to keep in git).
Each expected diagnostic must be reported at exactly that place, no error may be reported that
the fixture does not expect, and the text rendering is kept as a reviewed snapshot.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from syrupy.assertion import SnapshotAssertion

from compiler.api import compile_world
from compiler.codes import CODES
from compiler.diagnostics import Diagnostics, render_text
from meshmush.gen_docs import PAGE, render

FIXTURES = Path(__file__).resolve().parent.parent / "diagnostics"
_EXPECT_LINE = re.compile(r"^#\s*expect:\s*(MM\d{4})\s+(\d+):(\d+)\s*$")
_EXPECT_DIR = re.compile(r"^(MM\d{4})\s+(\S+):(\d+):(\d+)\s*$")


def _fixtures() -> list[Path]:
    return sorted(p for p in FIXTURES.iterdir() if p.name[:2] == "MM" and (p.is_dir() or p.suffix == ".yaml"))


def _prepare(fixture: Path, tmp: Path) -> tuple[Path, set[tuple[str, str, int, int]]]:
    world = tmp / "world"
    expected: set[tuple[str, str, int, int]] = set()
    if fixture.is_dir():
        shutil.copytree(fixture, world, symlinks=True)
        (world / "expect.txt").unlink()
        generate = world / "generate.txt"
        if generate.exists():
            for line in generate.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    count, pattern = line.split()
                    for n in range(int(count)):
                        made = world / pattern.format(n=n)
                        made.parent.mkdir(parents=True, exist_ok=True)
                        made.touch()
            generate.unlink()
        for line in (fixture / "expect.txt").read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            m = _EXPECT_DIR.match(line)
            assert m, f"{fixture.name}/expect.txt: bad line {line!r}"
            expected.add((m.group(1), m.group(2), int(m.group(3)), int(m.group(4))))
    else:
        world.mkdir()
        shutil.copy(fixture, world / "world.yaml")
        for line in fixture.read_text(encoding="utf-8").splitlines():
            m = _EXPECT_LINE.match(line)
            if m:
                expected.add((m.group(1), "world.yaml", int(m.group(2)), int(m.group(3))))
    return world, expected


@pytest.mark.parametrize("fixture", [pytest.param(p, marks=pytest.mark.slow) if (p / "generate.txt").exists() else p
                                     for p in _fixtures()], ids=lambda p: p.stem)
def test_fixture_reports_expected(fixture: Path, tmp_path: Path, snapshot: SnapshotAssertion) -> None:
    world, expected = _prepare(fixture, tmp_path)
    assert expected, f"{fixture.name} declares no expected diagnostic"
    own = fixture.name[:6]
    assert any(code == own for code, *_ in expected), f"{fixture.name} does not expect its own code {own}"
    diags = Diagnostics()
    compile_world(world, diags)
    got = {(d.code, d.span.file, d.span.line, d.span.column) for d in diags.items}
    missing = expected - got
    assert not missing, f"expected but not reported: {sorted(missing)}; reported: {sorted(got)}"
    unexpected_errors = {
        (d.code, d.span.file, d.span.line, d.span.column) for d in diags.items if d.severity == "error"
    } - expected
    assert not unexpected_errors, f"unexpected errors: {sorted(unexpected_errors)}"
    for d in diags.items:
        assert d.hint is None or d.hint.strip(), "a hint, when given, is not empty"
    assert render_text(diags.sorted(), world) == snapshot


def test_every_code_has_a_fixture() -> None:
    covered = {p.name[:6] for p in _fixtures()}
    missing = sorted(set(CODES) - covered)
    assert not missing, f"codes without a failing fixture in tests/diagnostics/: {missing}"


def test_every_fixture_names_a_registered_code() -> None:
    unknown = sorted({p.name[:6] for p in _fixtures()} - set(CODES))
    assert not unknown


def test_diagnostics_page_is_current() -> None:
    assert PAGE.exists(), "run python -m meshmush.gen_docs"
    text = PAGE.read_text(encoding="utf-8")
    assert text == render(), "docs/diagnostics.md is stale: run python -m meshmush.gen_docs"
    for code in CODES:
        assert f"## {code}" in text
