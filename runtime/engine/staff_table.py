"""THE table of staff commands: every command a player with no staff rights may not use, and
what it needs — a staff level (``moderator`` < ``admin`` < ``sysop``; a higher level has every
right of a lower one) or the ``builder`` grant (given with ``/grant builder NAME``, whatever
the level).

The registry refuses a verb named with a slash that is not listed here, and a listed name
claimed by a verb without one; the engine checks this table before any staff command's handler
runs (``runtime.engine.permissions``).  A verb's own ``min_level`` is ignored for these
commands (a listed verb that declares another level stops the engine at start-up).
Commands listed here that no system provides yet (the builder's) simply do not exist until one
does; the table is ready for them.

Pure data, no imports: the registry and the permission check both read it.
"""

from __future__ import annotations

from collections.abc import Mapping

LEVELS: Mapping[str, int] = {"player": 0, "moderator": 1, "admin": 2, "sysop": 3}
"""Staff levels, lowest first; ``players.level`` holds the name."""

TOP_LEVEL = max(LEVELS.values())

BUILDER = "builder"

STAFF_COMMANDS: Mapping[str, str] = {
    # moderator
    "/players": "moderator",
    "/where": "moderator",
    "/goto": "moderator",
    "/mute": "moderator",
    "/unmute": "moderator",
    "/kick": "moderator",
    "/remove": "moderator",
    # admin
    "/ban": "admin",
    "/unban": "admin",
    "/summon": "admin",
    "/broadcast": "admin",
    "/audit": "admin",
    "/stats": "admin",
    "/ledger": "admin",
    "/convert_currency": "admin",
    "/grant": "admin",
    "/revoke": "admin",
    # sysop
    "/promote": "sysop",
    "/demote": "sysop",
    "/trust": "sysop",
    "/backup": "sysop",
    "/backups": "sysop",
    "/verify_backup": "sysop",
    "/restore": "sysop",
    "/delete_backup": "sysop",
    "/backup_policy": "sysop",
    # the builder grant
    "/dig": BUILDER,
    "/describe": BUILDER,
    "/link": BUILDER,
    "/unlink": BUILDER,
    "/create": BUILDER,
    "/clone": BUILDER,
    "/destroy": BUILDER,
    "/clones": BUILDER,
}
"""Staff command -> what it needs: a level name, or ``BUILDER``."""

GRANTS: tuple[str, ...] = (BUILDER,)
"""The grants ``/grant`` knows."""
