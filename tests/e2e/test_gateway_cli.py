"""``meshmush gateway`` and ``meshmush serve --mqtt`` at the command line: usage mistakes and
unreachable radios or brokers end in one clear line and the right exit code."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from meshmush.fakeradio.node import FakeNode
from meshmush.mqtt_broker import free_port
from tests.e2e.harness import CMD, ROOT, WORLD

pytestmark = pytest.mark.slow


def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["gateway", "--mqtt", "mqtt://127.0.0.1"], "give the radio with --serial PORT or --tcp HOST[:PORT]"),
        (["gateway", "--tcp", "127.0.0.1"], "give the broker with --mqtt mqtt://HOST[:PORT]"),
        (["gateway", "--tcp", "127.0.0.1", "--mqtt", "mqtt://gw:secret@broker"],
         "--mqtt: put the username and password in [mqtt] of the config file, not in the URL"),
        (["gateway", "--tcp", "127.0.0.1", "--mqtt", "http://broker"], "--mqtt: expected mqtt://HOST[:PORT]"),
        (["gateway", "--tcp", "127.0.0.1", "--mqtt", "mqtt://broker", "--id", "hill a"], "--id must be 1 to 32"),
        (["serve", str(WORLD), "--mqtt", "broker:1883"], "--mqtt: expected mqtt://HOST[:PORT]"),
    ],
)
def test_usage_mistakes(args: list[str], message: str) -> None:
    res = run(*args)
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], res.stderr
    assert "Traceback" not in res.stderr


def test_serve_takes_a_radio_or_a_broker_not_both(tmp_path: Path) -> None:
    res = run("serve", str(WORLD), "--tcp", "127.0.0.1", "--mqtt", "mqtt://127.0.0.1")
    assert res.returncode == 2 and "not allowed with argument" in res.stderr
    cfg = tmp_path / "serve.toml"
    cfg.write_text('[radio]\ntcp = "127.0.0.1"\n[mqtt]\nurl = "mqtt://127.0.0.1"\n', encoding="utf-8")
    res = run("serve", str(WORLD), "--config", str(cfg), "--db", str(tmp_path / "w.duckdb"))
    assert res.returncode == 2
    assert "the config gives both a radio and [mqtt] url: choose with --serial, --tcp or --mqtt" in res.stderr


def test_an_unreachable_broker_is_a_clear_error(tmp_path: Path) -> None:
    port = free_port()
    res = run("serve", str(WORLD), "--mqtt", f"mqtt://127.0.0.1:{port}", "--db", str(tmp_path / "w.duckdb"))
    assert res.returncode == 1, res.stderr
    # once the log is set up, the reason is its last line (in its format)
    assert res.stderr.strip().splitlines()[-1].endswith(
        f"cannot reach the broker at mqtt://127.0.0.1:{port}: Connection refused"), res.stderr
    with FakeNode() as node:
        res = run("gateway", "--tcp", f"127.0.0.1:{node.port}", "--mqtt", f"mqtt://127.0.0.1:{port}", "--id", "g1")
        assert node.handshakes == 1  # the radio was fine; the broker was not
    assert res.returncode == 1, res.stderr
    assert res.stderr.strip().splitlines()[-1].endswith(
        f"cannot reach the broker at mqtt://127.0.0.1:{port}: Connection refused"), res.stderr


def test_an_unreachable_radio_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "gw.toml"
    cfg.write_text("[radio]\nconnect_timeout_s = 2\n", encoding="utf-8")
    port = free_port()
    res = run("gateway", "--tcp", f"127.0.0.1:{port}", "--mqtt", "mqtt://127.0.0.1", "--id", "g1",
              "--config", str(cfg))
    assert res.returncode == 1, res.stderr
    last = res.stderr.strip().splitlines()[-1]
    assert f"CRITICAL meshmush: cannot connect to the TCP node 127.0.0.1:{port}" in last, res.stderr
