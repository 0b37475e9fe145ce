"""``Refusal``: a command refused with one line for the player (everything it wrote is rolled
back).  Its own module so that the state facade can refuse too (``state.BalanceCeiling``)."""

from __future__ import annotations


class Refusal(Exception):
    """Refuse the command: roll back its transaction and tell the player ``text``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text
