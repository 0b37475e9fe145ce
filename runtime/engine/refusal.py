"""``Refusal``: a command refused with one line for the player (everything it wrote is rolled
back).  Its own module so that the state facade can refuse too (``state.BalanceCeiling``)."""

from __future__ import annotations

from collections.abc import Sequence

from runtime.store.db import AuditRow


class Refusal(Exception):
    """Refuse the command: roll back its transaction and tell the player ``text``.  ``audit``
    rows are written all the same (a refused staff command is audited)."""

    def __init__(self, text: str, audit: Sequence[AuditRow] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.audit = tuple(audit)
