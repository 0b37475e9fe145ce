"""The room and object ``flags:`` the runtime acts on.

A flag belongs here only when the engine reads it from ``Room.flags`` / ``Object.flags`` and it
changes what players see or can do; the compiler warns about every other flag (MM4018), since
it would silently do nothing.  Add a flag in the same change that makes the runtime honour it
(and document it in docs/world-format.md)."""

from __future__ import annotations

ROOM_FLAGS: frozenset[str] = frozenset()
OBJECT_FLAGS: frozenset[str] = frozenset()
