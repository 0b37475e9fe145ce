"""Running ``meshmush gateway`` and ``meshmush serve --mqtt`` as real processes for the gateway
tests: fake nodes in the test process (one per gateway, TCP on 127.0.0.1), a real broker
(``meshmush.mqtt_broker``), every gateway and the server a subprocess using the real libraries."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from meshmush.fakeradio.node import FakeNode
from meshmush.mqtt_broker import Broker
from tests.e2e.harness import CMD, PLAYERS, ROOT, WORLD, config_text

KEEPALIVE = 5  # seconds; a vanished gateway's will fires within 1.5 × this


def mqtt_overrides(broker: Broker, extra: dict[str, object] | None = None) -> dict[str, dict[str, object]]:
    return {"mqtt": {"protocol": broker.protocol, "keepalive_s": KEEPALIVE, "stats_interval_s": 1.0,
                     "reconnect_min_s": 1, "reconnect_max_s": 2, **(extra or {})}}


@dataclass
class Proc:
    name: str
    args: list[str]
    log: Path
    proc: subprocess.Popen[str] | None = None
    starts: int = 0
    _seen: int = field(default=0)

    def start(self) -> Proc:
        with self.log.open("a", encoding="utf-8") as err:
            self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=err, text=True, cwd=ROOT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self.starts += 1
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 40) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not stop within {timeout} s; log:\n{self.log_text()}") from None

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8") if self.log.exists() else ""

    def entries(self) -> list[dict[str, object]]:
        out = []
        for line in self.log_text().splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict):
                out.append(item)
        return out

    def messages(self) -> list[str]:
        return [str(e.get("msg", "")) for e in self.entries()]

    def wait_log(self, predicate: Callable[[str], bool], timeout: float, after: int = 0) -> float | None:
        """Wait until a log message (the ``after``-th and later) satisfies ``predicate``; returns
        its timestamp (wall clock), None on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.entries()[after:]:
                if predicate(str(e.get("msg", ""))):
                    return float(e.get("ts", 0.0))  # type: ignore[arg-type]
            if not self.alive():
                break
            time.sleep(0.05)
        return None


def fake_node(node_num: int, snr: float) -> FakeNode:
    node = FakeNode(node_num=node_num, snr=snr)
    for name, num in PLAYERS.items():
        node.add_node(num, name)
    return node.start()


def gateway(tmp: Path, name: str, node: FakeNode, broker: Broker,
            overrides: dict[str, dict[str, object]] | None = None) -> Proc:
    work = tmp / name
    work.mkdir(parents=True, exist_ok=True)
    cfg = work / "gateway.toml"
    sections = mqtt_overrides(broker)
    for section, values in (overrides or {}).items():
        sections.setdefault(section, {}).update(values)
    cfg.write_text(config_text(sections), encoding="utf-8")
    args = [*CMD, "gateway", "--tcp", f"127.0.0.1:{node.port}", "--mqtt", broker.url, "--id", name,
            "--config", str(cfg)]
    return Proc(name, args, work / "gateway.log").start()


def server(tmp: Path, broker: Broker, *, world: Path = WORLD,
           overrides: dict[str, dict[str, object]] | None = None) -> Proc:
    work = tmp / "serve"
    work.mkdir(parents=True, exist_ok=True)
    cfg = work / "serve.toml"
    sections = mqtt_overrides(broker)
    for section, values in (overrides or {}).items():
        sections.setdefault(section, {}).update(values)
    cfg.write_text(config_text(sections), encoding="utf-8")
    args = [*CMD, "serve", str(world), "--mqtt", broker.url, "--db", str(work / "world.duckdb"), "--config", str(cfg)]
    return Proc("serve", args, work / "serve.log").start()


def wait_online(srv: Proc, names: Sequence[str], timeout: float = 60) -> None:
    for name in names:
        if srv.wait_log(lambda m, n=name: m.startswith(f"gateway {n} is online"), timeout) is None:  # type: ignore[misc]
            raise AssertionError(f"the server never saw gateway {name} online; log:\n{srv.log_text()}")


def texts_to(node: FakeNode, name: str) -> list[str]:
    return [s.text for s in node.texts_to(PLAYERS[name])]


def wait_texts(nodes: Sequence[FakeNode], name: str, count: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if sum(len(n.texts_to(PLAYERS[name])) for n in nodes) >= count:
            return True
        time.sleep(0.05)
    return False
