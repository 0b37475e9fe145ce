"""The events triggers run on — the one table.  Which kind of thing has which events is part of
that kind's declaration (``runtime.image.kinds``); this module says what each event is.

The compiler checks triggers against it (MM4014, ``match``/``every``, ``stop`` outside a
cancellable event: MM3007), the schemas describe ``on:`` with it and the verifier refuses an
image whose trigger names an event its owner does not have."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Event:
    name: str
    doc: str  # when it fires, in a few words
    cancellable: bool = False  # ``stop`` cancels the action that fired it


EVENT_LIST: tuple[Event, ...] = (
    Event("login", "a player comes into the world"),
    Event("tick", "every 'every:' seconds"),
    Event("enter", "a player arrives in the room"),
    Event("exit", "a player leaves the room", cancellable=True),
    Event("look", "a player looks at it", cancellable=True),
    Event("say", "a player says a word ('match:') in the room", cancellable=True),
    Event("use", "a player uses it", cancellable=True),
    Event("take", "a player takes it", cancellable=True),
    Event("drop", "a player drops it", cancellable=True),
    Event("talk", "a player talks to the NPC", cancellable=True),
)

EVENTS: Mapping[str, Event] = {e.name: e for e in EVENT_LIST}
CANCELLABLE: frozenset[str] = frozenset(e.name for e in EVENT_LIST if e.cancellable)
MATCHED = "say"
"""The one event whose triggers take ``match:`` (the word that fires it)."""
PERIODIC = "tick"
"""The one event whose triggers take ``every:`` (its period)."""
