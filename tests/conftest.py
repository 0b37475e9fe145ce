from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.seeds import CRASH_SEED_ENV, SeedError, crash_seed

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "worlds" / "demo"

# The machine running the suite may be busy: no test may fail because an example took long.
settings.register_profile("meshmush", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("meshmush")


def _seed_line() -> str:
    try:
        seed = crash_seed()
    except SeedError as exc:
        raise pytest.UsageError(str(exc)) from None
    return f"crash test seed: {seed} (set {CRASH_SEED_ENV}=N to try another)"


def pytest_configure(config: pytest.Config) -> None:
    _seed_line()  # a malformed override stops the run before any test


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Printed even with ``-q``, so a failing crash trial can always be replayed."""
    terminalreporter.write_line(_seed_line())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first: with ``pytest -n`` they spread over the workers from the start instead of
    piling up at the end of one of them."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def demo_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from compiler.api import build_image
    from compiler.diagnostics import Diagnostics

    diags = Diagnostics()
    data = build_image(DEMO, diags)
    assert data is not None, [d.as_json() for d in diags.items]
    out = tmp_path_factory.mktemp("img") / "demo.mmi"
    out.write_bytes(data)
    return out
