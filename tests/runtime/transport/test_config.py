"""`meshmush serve` configuration: the documented sample parses; mistakes are explained."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from runtime.transport.config import SAMPLE, ConfigError, ServeConfig, load_config, parse_config

ROOT = Path(__file__).resolve().parents[3]


def test_sample_is_the_defaults_and_is_in_the_docs() -> None:
    assert parse_config(tomllib.loads(SAMPLE)) == ServeConfig()
    assert SAMPLE in (ROOT / "docs" / "transport.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[radoi]\n", "unknown section [radoi] (did you mean 'radio'?)"),
        ("[transport]\npaceing_s = 3\n", "unknown key 'paceing_s' (did you mean 'pacing_s'?)"),
        ("[transport]\npacing_s = 'fast'\n", "pacing_s must be a number, not a string"),
        ("[transport]\nframe_bytes = 500\n", "frame_bytes must be between"),
        ("[engine]\nbatch = true\n", "batch must be a whole number"),
        ("[radio]\nserial = '/dev/ttyUSB0'\ntcp = 'x'\n", "serial or tcp, not both"),
        ("[radio]\ntcp = 'host:99999'\n", "port must be between 1 and 65535"),
        ("[log]\nformat = 'xml'\n", "format must be text or json"),
        ("transport = 3\n", "[transport] must be a table"),
        ("[staff]\nsysop = '!a1b2c3d4'\n", "[staff] sysop must be a list of strings"),
        ("[staff]\nsysop = ['Ana']\n", "'ana' is not a node id like !a1b2c3d4"),
        ("[staff]\nsysop = [1]\n", "sysop must be a list of strings"),
        ("[retention]\nledger_days = -1\n", "ledger_days cannot be negative"),
        ("[metrics]\ninterval_s = 0\n", "interval_s must be at least 1"),
        ("[backup]\ndirectory = 'x'\n", "unknown key 'directory'"),
    ],
)
def test_mistakes_are_explained(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "serve.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)


def test_unreadable_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[transport\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_fast_pacing_is_allowed_with_a_warning() -> None:
    cfg = parse_config({"transport": {"pacing_s": 0.5}})
    assert cfg.transport.pacing_s == 0.5
    assert any("2 s" in w for w in cfg.warnings)


def test_staff_and_housekeeping_sections() -> None:
    cfg = parse_config({"staff": {"sysop": ["!A1B2C3D4", "!00000001"]}, "backup": {"dir": "/srv/b"},
                        "retention": {"journal_days": 7, "events_days": 0}, "metrics": {"interval_s": 30}})
    assert cfg.staff.sysop == ("!a1b2c3d4", "!00000001")
    assert cfg.backup.dir == "/srv/b" and cfg.retention.journal_days == 7.0 and cfg.retention.events_days == 0.0
    assert cfg.metrics.interval_s == 30.0
