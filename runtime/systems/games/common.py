"""What the game modules share: a game's short name, its ledger party, its settings."""

from __future__ import annotations

from runtime.image.games import setting
from runtime.image.model import Game


def short_name(game: Game) -> str:
    """The last segment of the id: ``games.slots`` -> ``slots`` (what PLAY accepts)."""
    return game.id.rsplit(".", 1)[-1]


def ledger_party(game: Game) -> str:
    """The ledger's name for a game, a source and a sink of money: ``game:games.slots``."""
    return f"game:{game.id}"


def money_setting(game: Game, key: str) -> int:
    value = setting(game, key, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
