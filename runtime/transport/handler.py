"""The boundary between transports and the engine: what goes in, what comes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    """One message for one player; transports cut it into frames."""

    to: str  # player key: the radio node id ("!a1b2c3d4") on the mesh, the name in `play`
    text: str
    frames: tuple[str, ...] = ()  # when set, exactly these frames are sent (the engine cut them)


@dataclass(frozen=True)
class Incoming:
    """One command from one player."""

    player: str
    text: str
    now_ms: int
    name: str | None = None  # the radio's long name: a new player's name, and a placeholder's replacement


class CommandHandler(Protocol):
    """Implemented by the engine.  Every method is called from one engine thread only."""

    def handle(self, player: str, text: str, now_ms: int) -> Sequence[Outgoing]: ...

    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]:
        """Run several commands, commit them in one transaction, then return all replies."""
        ...

    def welcome(self, player: str, now_ms: int) -> Sequence[Outgoing]: ...

    def tick(self, now_ms: int) -> Sequence[Outgoing]: ...

    def close(self) -> None: ...
