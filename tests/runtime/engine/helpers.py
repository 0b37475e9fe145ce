"""Building engines over real DuckDB files for the engine tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from runtime.engine.engine import Engine, EngineConfig
from runtime.engine.io import Outgoing
from runtime.image.model import World
from runtime.store.db import Database
from tests.transcripts.runner import world

LAB = "lab"


def lab() -> World:
    return world(LAB)


def engine(path: Path | None, *, modules: Sequence[ModuleType] | None = None, seed: int = 1,
           frame_bytes: int = 200, w: World | None = None) -> Engine:
    db = Database.open(path)
    return Engine(w or lab(), db, "test-hash", config=EngineConfig(seed=seed, frame_bytes=frame_bytes),
                  modules=modules, now_ms=0)


class Driver:
    """Sends commands with a clock that moves one second per command."""

    def __init__(self, eng: Engine) -> None:
        self.engine = eng
        self.now = 0

    def send(self, player: str, text: str) -> list[Outgoing]:
        self.now += 1000
        return list(self.engine.handle(player, text, self.now))

    def text(self, player: str, command: str) -> str:
        """What ``player`` was told in reply to ``command``."""
        return "\n".join(o.text for o in self.send(player, command) if o.to == player)
