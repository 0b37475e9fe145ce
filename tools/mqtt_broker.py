"""A real MQTT broker on 127.0.0.1 for the gateway tests and benchmarks: mosquitto when the
machine has it (the project's setup installs it: .ci/run), otherwise amqtt from the package index
(the ``test`` extras).  Neither: the tests fail with a message saying how to get one — never a
silent skip.

The broker's configuration, persistence and log live in a temporary directory; ``restart()``
stops it (SIGTERM: mosquitto saves its sessions and queued messages) and starts it again on the
same port with the same persistence.
"""

from __future__ import annotations

import contextlib
import getpass
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

MOSQUITTO_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")


def find_mosquitto() -> str | None:
    found = shutil.which("mosquitto")
    if found:
        return found
    return next((p for p in MOSQUITTO_PATHS if os.access(p, os.X_OK)), None)


def broker_kind() -> str:
    """``mosquitto`` or ``amqtt``; AssertionError (a test failure, not a skip) when neither exists."""
    if os.environ.get("MESHMUSH_TEST_BROKER") == "amqtt" and importlib.util.find_spec("amqtt") is not None:
        return "amqtt"
    if find_mosquitto() is not None:
        return "mosquitto"
    if importlib.util.find_spec("amqtt") is not None:
        return "amqtt"
    raise AssertionError(
        "the gateway tests need an MQTT broker: install mosquitto (apt-get install mosquitto; .ci/run does) "
        "or the test extras (pip install -e '.[test]' brings amqtt)"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Broker:
    def __init__(self, workdir: Path, kind: str | None = None, *, mosquitto_conf: str = "") -> None:
        """``mosquitto_conf``: more lines for mosquitto's configuration (after its listener line:
        TLS files, a password file …)."""
        self.kind = kind or broker_kind()
        self.extra_conf = mosquitto_conf
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "broker.log"

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def keeps_sessions(self) -> bool:
        """Whether sessions and queued messages survive a restart (mosquitto's persistence)."""
        return self.kind == "mosquitto"

    @property
    def protocol(self) -> str:
        return "5" if self.kind == "mosquitto" else "3.1.1"  # amqtt speaks MQTT 3.1.1

    def _command(self) -> list[str]:
        if self.kind == "mosquitto":
            conf = self.dir / "mosquitto.conf"
            conf.write_text(
                f"listener {self.port} 127.0.0.1\n"
                + ("allow_anonymous true\n" if "allow_anonymous" not in self.extra_conf else "")
                + f"user {getpass.getuser()}\n"
                "persistence true\n"
                f"persistence_location {self.dir}/\n"
                "persistence_file mosquitto.db\n"
                "max_queued_messages 100000\n"
                f"log_dest file {self.log}\n"
                "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
                + self.extra_conf,
                encoding="utf-8",
            )
            exe = find_mosquitto()
            assert exe is not None
            return [exe, "-c", str(conf)]
        conf = self.dir / "amqtt.yaml"
        conf.write_text(
            "listeners:\n  default:\n    type: tcp\n"
            f"    bind: 127.0.0.1:{self.port}\n"
            "plugins:\n  amqtt.plugins.authentication.AnonymousAuthPlugin:\n    allow_anonymous: true\n",
            encoding="utf-8",
        )
        script = Path(sys.executable).parent / "amqtt"
        if script.exists():
            return [str(script), "-c", str(conf)]
        return [sys.executable, "-c", "from amqtt.scripts.broker_script import main; main()", "-c", str(conf)]

    def start(self, timeout: float = 20.0) -> Broker:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self._command(), stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"the {self.kind} broker exited at start; its log:\n{self.log_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return self
            time.sleep(0.05)
        raise AssertionError(f"the {self.kind} broker did not listen within {timeout} s; its log:\n{self.log_text()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def __enter__(self) -> Broker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
