from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "worlds" / "demo"


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
