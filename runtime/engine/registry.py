"""The verb registry: every command a player can type, collected from small modules.

A module contributes verbs by exposing ``VERBS: Sequence[Verb]`` and, optionally, extension
points as ``HOOKS: Hooks`` (both declared in ``runtime/engine/context.py``, beside the context
their handlers receive, and re-exported here).  ``Registry.collect`` gathers them from a list of modules and
refuses (``RegistryError``) two verbs that claim the same word, so one system can never
silently shadow another's command.  See ``runtime/engine/context.py`` for the whole story.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from types import ModuleType

from runtime.engine.context import Hooks, Lookup, Verb, VerbHandler
from runtime.engine.staff_table import BUILDER, GRANTS, LEVELS, STAFF_COMMANDS, TOP_LEVEL

__all__ = [
    "LEVELS", "MIN_PREFIX", "NO_GRANTS", "OTHER_TOPIC", "TOP_LEVEL", "Hooks", "Lookup", "Registry", "RegistryError",
    "Verb", "VerbHandler",
]

NO_GRANTS: frozenset[str] = frozenset()

MIN_PREFIX = 3
"""Shortest abbreviation of a verb that is accepted (when it is unambiguous)."""

OTHER_TOPIC = "other"
"""The HELP topic of verbs that name none."""


class RegistryError(Exception):
    """Two modules claim the same command word, or a verb is malformed."""


STAFF_TOPIC = "staff"
"""A staff command's HELP topic: replaced by its level's name from the staff table
("moderator", "admin", "sysop", "builder"); those topics come last, each shown only to those who
may use one of its commands."""
STAFF_TOPICS = ("moderator", "admin", "sysop", "builder")


class Registry:
    """All verbs and hooks of one engine.  Built once; read-only afterwards."""

    def __init__(self, verbs: Sequence[Verb], hooks: Sequence[Hooks]) -> None:
        self.verbs: tuple[Verb, ...] = tuple(_staff_level(v) for v in verbs)
        self.hooks: tuple[Hooks, ...] = tuple(hooks)
        self._words: dict[str, Verb] = {}
        for verb in self.verbs:
            _check_verb(verb)
            for word in (verb.name, *verb.aliases):
                other = self._words.get(word)
                if other is not None:
                    raise RegistryError(
                        f"command word '{word}' is claimed by both '{other.name}' and '{verb.name}'"
                    )
                self._words[word] = verb
        topics: dict[str, str] = {}
        for h in hooks:
            for topic, text in h.help_topics.items():
                if topic in topics:
                    raise RegistryError(f"help topic '{topic}' is defined twice")
                topics[topic] = text
        self.help_topics: Mapping[str, str] = topics
        order: dict[str, None] = {}
        for verb in self.verbs:
            order.setdefault(verb.topic or OTHER_TOPIC, None)
        staff_last = {t: i + 1 for i, t in enumerate(STAFF_TOPICS)}
        self.topics: tuple[str, ...] = tuple(sorted(order, key=lambda t: staff_last.get(t, 0)))
        """HELP topics of the verbs, in the order modules listed them (staff commands last)."""

    @classmethod
    def collect(cls, modules: Iterable[ModuleType]) -> Registry:
        """Gather ``VERBS`` and ``HOOKS`` from each module, in order."""
        verbs: list[Verb] = []
        hooks: list[Hooks] = []
        for module in modules:
            found = getattr(module, "VERBS", None)
            hook = getattr(module, "HOOKS", None)
            if found is None and hook is None:
                raise RegistryError(f"module {module.__name__} has neither VERBS nor HOOKS")
            for verb in found or ():
                if not isinstance(verb, Verb):
                    raise RegistryError(f"{module.__name__}.VERBS holds {verb!r}, not a Verb")
                verbs.append(verb)
            if hook is not None:
                if not isinstance(hook, Hooks):
                    raise RegistryError(f"{module.__name__}.HOOKS is not a Hooks")
                hooks.append(hook)
        return cls(verbs, hooks)

    def lookup(self, word: str, level: int = 0, grants: frozenset[str] = NO_GRANTS) -> Lookup:
        """The verb for ``word`` (lowercase): exact name or alias, else an unambiguous prefix,
        among the verbs ``level`` and ``grants`` may use."""
        verb = self._words.get(word)
        if verb is not None and self._usable(verb, level, grants):
            return Lookup(verb)
        if len(word) >= MIN_PREFIX:
            hits = {
                v.name: v
                for v in self.verbs
                if v.abbreviate and self._usable(v, level, grants) and v.name.startswith(word)
            }
            if len(hits) == 1:
                return Lookup(next(iter(hits.values())))
        names = [v.name for v in self.verbs if self._usable(v, level, grants) and len(v.name) > 1]
        close = difflib.get_close_matches(word, names, n=1, cutoff=0.6) if len(word) > 1 else []
        return Lookup(None, close[0] if close else None)

    def resolve(self, word: str, level: int = 0, grants: frozenset[str] = NO_GRANTS) -> Lookup:
        """What the engine dispatches: the verb the player may use, else a staff command the
        word names (so that the permission check refuses it with its one reply instead of
        "Unknown command"); the suggestion only ever names a verb the player may use."""
        mine = self.lookup(word, level, grants)
        if mine.verb is not None or not word.startswith("/"):
            return mine
        anyone = self.lookup(word, TOP_LEVEL, frozenset(GRANTS))
        return Lookup(anyone.verb, mine.suggestion) if anyone.verb is not None else mine

    def visible(self, level: int, grants: frozenset[str] = NO_GRANTS) -> list[Verb]:
        return [v for v in self.verbs if self._usable(v, level, grants)]

    @staticmethod
    def _usable(verb: Verb, level: int, grants: frozenset[str]) -> bool:
        if verb.min_level > level:
            return False
        return STAFF_COMMANDS.get(verb.name) != BUILDER or BUILDER in grants

    def by_name(self, name: str) -> Verb | None:
        return self._words.get(name)


def _staff_level(verb: Verb) -> Verb:
    """A staff command takes its level from the staff table (``staff_table.py``)."""
    need = STAFF_COMMANDS.get(verb.name)
    if not verb.name.startswith("/"):
        if need is not None:
            raise RegistryError(f"staff command '{verb.name}' must be named with its slash")
        if any(a.startswith("/") for a in verb.aliases):
            raise RegistryError(f"verb '{verb.name}' has a staff alias; name it in the staff table")
        return verb
    if need is None:
        raise RegistryError(
            f"staff command '{verb.name}' is not in the staff table (runtime/engine/staff_table.py)"
        )
    if any(not a.startswith("/") for a in verb.aliases):
        raise RegistryError(f"staff command '{verb.name}' has an alias without a slash")
    level = LEVELS.get(need, 0)
    if verb.min_level not in (0, level):
        raise RegistryError(
            f"staff command '{verb.name}' declares level {verb.min_level}, but the staff table says {need}"
        )
    # HELP files staff commands under their level ("HELP MODERATOR"), unless they chose a topic
    topic = need if verb.topic in ("", STAFF_TOPIC) else verb.topic
    return replace(verb, min_level=level, topic=topic)


def _check_verb(verb: Verb) -> None:
    for word in (verb.name, *verb.aliases):
        if not word or word != word.lower() or " " in word:
            raise RegistryError(f"verb word {word!r} must be one lowercase word")
    if verb.topic and (verb.topic != verb.topic.lower() or not verb.topic.isalpha()):
        raise RegistryError(f"verb '{verb.name}' has topic {verb.topic!r}: one lowercase word")
    if verb.min_level < 0 or verb.min_level > max(LEVELS.values()):
        raise RegistryError(f"verb '{verb.name}' has min_level {verb.min_level}")
