"""The engine's interface: what goes in (``Incoming``), what comes out (``Outgoing``, ``Note``) and
the ``CommandHandler`` protocol the engine implements.  Transports and ``meshmush play`` import
these from here; the engine imports nothing of theirs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple, Protocol

Kind = Literal["reply", "notice"]


class Note(NamedTuple):
    """One line of a notice: something another player or the world did.

    ``personal`` lines are meant for this player alone (a whisper, a payment); the others are
    ambient room news, which a crowded transport may coalesce, cancel or age out.  ``tag``
    pairs a presence notice with its opposite: ``(actor, room, +1)`` for an arrival and
    ``(actor, room, -1)`` for a departure, so both can cancel while neither has been sent."""

    text: str
    personal: bool = False
    tag: tuple[str, str, int] | None = None


class Outgoing(NamedTuple):
    """One message for one player; transports cut it into frames.

    ``kind`` "reply" is the answer to the player's own command (sent before any notice,
    never dropped); "notice" carries ``notes`` (its ``text`` is their lines joined), which
    transports may pack together with other notices waiting for the same player.
    ``newcomer`` marks a reply to a player who is not established yet (served after
    established players' replies when the air is crowded).  A named tuple, not a frozen
    dataclass: a crowded room makes one per listener, and these are several times cheaper."""

    to: str  # player key: the radio node id ("!a1b2c3d4") on the mesh, the name in `play`
    text: str
    frames: tuple[str, ...] = ()  # when set, exactly these frames are sent (the engine cut them)
    kind: Kind = "reply"
    notes: tuple[Note, ...] = ()
    newcomer: bool = False


@dataclass(frozen=True)
class Incoming:
    """One command from one player."""

    player: str
    text: str
    now_ms: int
    name: str | None = None  # the radio's long name: a new player's name, and a placeholder's replacement
    packet_id: int = 0  # the radio packet's id (0: none): a replay of (player, packet_id) is ignored
    pki: bool = False  # the radio reports the DM as PKI-encrypted
    public_key: str = ""  # the sender's public key of that PKI DM (base64)
    node_key: str = ""  # the sender's public key in the radio's node list (NODEINFO, base64)


class CommandHandler(Protocol):
    """Implemented by the engine.  Every method is called from one engine thread only."""

    def handle(self, player: str, text: str, now_ms: int) -> Sequence[Outgoing]: ...

    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]:
        """Run several commands, commit them in one transaction, then return all replies."""
        ...

    def welcome(self, player: str, now_ms: int) -> Sequence[Outgoing]: ...

    def tick(self, now_ms: int) -> Sequence[Outgoing]: ...

    def close(self) -> None: ...
