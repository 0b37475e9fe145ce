"""What a verb handler receives, and how a game system plugs into the engine.

Adding verbs (economy, shops, housing, dialogue, mail, staff …)
---------------------------------------------------------------
A system is one module, e.g. ``runtime/systems/economy.py``, exposing

    VERBS: tuple[Verb, ...] = (
        Verb("balance", do_balance, aliases=("bal",), usage="balance",
             summary="show your money", example="bal"),
        Verb("pay", do_pay, usage="pay NAME AMOUNT", summary="give money to a player",
             example="pay Ana 1.00"),
    )
    HOOKS = Hooks(on_login=..., room_notes=..., ...)      # optional, see registry.Hooks

and is listed in ``SYSTEM_MODULES: tuple[ModuleType, ...]`` of ``runtime/systems/__init__.py``.
The engine collects the core verbs (``runtime.engine.verbs.CORE_MODULES``) plus those modules
(``runtime.engine.engine.default_modules``) into one ``Registry``; a word claimed twice stops
the engine at start-up instead of one command silently shadowing another.  ``Verb.min_level``
(``registry.LEVELS``: player 0 < moderator 1 < admin 2 < sysop 3) is checked by the engine
before the handler runs; staff verbs are named with their slash (``/goto``).

A handler is ``def do_pay(ctx: Context) -> None``:

- the command: ``ctx.command.args`` (text after the verb, original case), ``ctx.command.words``;
- the player: ``ctx.player`` (re-read from the transaction on every access), ``ctx.player_key``,
  ``ctx.session`` (the live session: pending MORE text, ``ending`` for QUIT);
- state: ``ctx.state`` (``runtime.engine.state.State``: players, balances, instances,
  declared variables, ledger) and ``ctx.state.txn`` for a system's own tables (``shop_stock``,
  ``houses``, ``mail`` …; ``ctx.state.next_id(table, column)`` allocates ids).  All of it is one
  transaction: when the handler returns it commits, and only after the batch is durable are the
  replies sent;
- refusing: ``ctx.fail("You can't afford that.")`` raises ``Refusal``: everything the command
  wrote is rolled back and the player gets exactly that line (journalled as not ok);
- speaking: ``ctx.reply(text)`` to the player, ``ctx.tell(key, text)`` to anyone,
  ``ctx.to_others(text)`` to everyone else (online) in the player's room,
  ``ctx.to_room(room, text, exclude)``, ``ctx.to_everyone(text)``.  Lines for one recipient
  are joined into one message, cut into frames and paged (MORE) by the engine;
- the world: ``ctx.world`` (``WorldView``: rooms, objects, npcs, money, ``memo`` for a system's
  derived indexes), ``ctx.money(amount)``, ``ctx.parse_money(text)`` (fails with a hint) and
  ``ctx.currency`` — all three honour a currency stored by ``/convert_currency`` (use them, not
  ``ctx.world.money``, to print or read amounts);
- matching names: ``ctx.carried(query)``, ``ctx.here(query)``, ``ctx.online_player(query)``
  (each fails with "You don't have …" / "Which one: …?"), and ``parser.match`` for your own lists;
- the world's triggers: ``ctx.fire(event, owner)``, ``ctx.evaluate(code, owner)`` (an
  expression, e.g. a dialogue option's ``when``), ``ctx.run_block(code, owner)`` (a ``do``);
  ``stop`` comes back as True.  Errors in triggers roll the command back with a short message;
- moving the player (with exit/enter events and arrival notices): ``ctx.move_to(room_id)``;
  ``ctx.describe_room()`` is what LOOK shows;
- records: ``ctx.audit(action, target, detail)`` (staff actions, written with the command),
  ``ctx.log_event(kind, data)`` (analytics, buffered);
- staff: a verb named with a slash must be listed in ``runtime/engine/staff_table.py``, which
  says what it needs; the engine checks it before the handler runs and audits every use
  (``runtime/engine/permissions.py``).  ``ctx.ops`` are the operator's services (audit log,
  statistics, backups, restore, ending sessions: ``runtime/engine/operations.py``),
  ``ctx.origin`` says whether the command came over the radio and how it was encrypted, and
  ``ctx.after_commit(fn)`` runs ``fn`` once the command is durable.  ``Refusal(text, audit=…)``
  keeps its audit rows although the command's changes are rolled back.

Ticks get a ``WorldContext`` (no acting player): the same state, world, outbox and events.
Owners of triggers are ``Owner("npc", npc.id)``, ``Owner("object", obj.id, instance.iid)``,
``Owner("room", room_id)`` or ``Owner("world", world.id)``.

Every verb needs a transcript (``tests/transcripts/cases/*.script``, against a world in
``tests/transcripts/worlds/``) and a section in ``docs/commands.md``: tests fail otherwise.
``tests/runtime/engine/test_systems_api.py`` is a complete small system using every hook.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn, Protocol

from runtime.engine.io import Note
from runtime.engine.operations import LOCAL, AfterCommit, Operations, Origin
from runtime.engine.parser import Candidate, Command, match
from runtime.engine.refusal import Refusal
from runtime.engine.sessions import Session
from runtime.engine.state import Instance, Player, State
from runtime.engine.world_view import CURRENCY_META, WorldView
from runtime.image.model import Code, Currency, Object, Room, Scalar
from runtime.store.db import AuditRow

__all__ = [
    "Actions",
    "Command",
    "Context",
    "Hooks",
    "Lookup",
    "Outbox",
    "Owner",
    "Presence",
    "Refusal",
    "Verb",
    "VerbHandler",
    "VerbTable",
    "WorldContext",
]


# ---------------------------------------------------------------- how a system plugs in
VerbHandler = Callable[["Context"], None]
"""Runs one command.  Replies through ``ctx.reply``; refuses with ``ctx.fail(text)``."""


@dataclass(frozen=True)
class Verb:
    name: str  # canonical word, lowercase: "look", "house", "/goto"
    handler: VerbHandler
    aliases: tuple[str, ...] = ()  # other exact words: ("l",)
    usage: str = ""  # "take NAME"
    summary: str = ""  # one short line for HELP
    example: str = ""  # "take lantern"
    min_level: int = 0  # LEVELS value needed to use (and see) it
    listed: bool = True  # shown in the HELP command list (directions are summarised instead)
    abbreviate: bool = True  # an unambiguous prefix of ``name`` (≥ MIN_PREFIX letters) works
    shows_room: bool = False  # the verb shows a room itself (LOOK, moves): a login skips its own view
    topic: str = ""  # the HELP topic listing it: "move", "items", "talk", "money" … ("" → OTHER_TOPIC)


@dataclass(frozen=True)
class Hooks:
    """Optional extension points of a system module (all may be None).

    - ``resolve_room(state, room_id)``: a room that is not in the world image (a house room).
    - ``may_enter(ctx, room)``: a refusal text, or None to let the player in (locked houses).
    - ``room_notes(ctx, room)``: extra short lines for the room description ("Shop: LIST").
    - ``on_login(ctx)``: runs when a player's session starts (after world login triggers).
    - ``on_tick(wctx)``: runs on every engine tick (restocking, expiry); no acting player.
    - ``gate(ctx, verb)``: a refusal text before any verb runs (mutes), or None.
    - ``before(ctx)``: runs first for every command, before the session starts, in its own
      transaction that is kept whatever happens next (a ban's notice, a radio key seen);
      ``ctx.player`` may not exist yet.  Returning text (even "") drops the command with that
      reply (none for "").
    - ``unmatched(ctx)``: the first word is no verb; return True when handled (dialogue numbers).
    - ``use_object(ctx, instance, obj)``: USE of an object with no ``use`` triggers; return True
      when this system handled it (a vending object opening its shop).
    - ``help_topics``: extra ``HELP TOPIC`` pages (topic → text).
    """

    resolve_room: Callable[[State, str], Room | None] | None = None
    may_enter: Callable[[Context, Room], str | None] | None = None
    room_notes: Callable[[Context, Room], Sequence[str]] | None = None
    on_login: Callable[[Context], None] | None = None
    on_tick: Callable[[WorldContext], None] | None = None
    gate: Callable[[Context, Verb], str | None] | None = None
    before: Callable[[Context], str | None] | None = None
    unmatched: Callable[[Context], bool] | None = None
    use_object: Callable[[Context, Instance, Object], bool] | None = None
    help_topics: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Lookup:
    """What a typed word means: a verb, or nothing (with a suggestion when one is close)."""

    verb: Verb | None
    suggestion: str | None = None


class VerbTable(Protocol):
    """What a command sees of the engine's verbs (``runtime.engine.registry.Registry``)."""

    @property
    def hooks(self) -> tuple[Hooks, ...]: ...

    @property
    def topics(self) -> tuple[str, ...]: ...

    @property
    def help_topics(self) -> Mapping[str, str]: ...

    def lookup(self, word: str, level: int = 0, grants: frozenset[str] = ...) -> Lookup: ...

    def visible(self, level: int, grants: frozenset[str] = ...) -> list[Verb]: ...


@dataclass(frozen=True)
class Owner:
    """Whose triggers run: ``kind`` 'world' | 'room' | 'object' | 'npc'; objects name the
    instance (``iid``) so ``self.x`` variables belong to that one copy."""

    kind: str
    id: str
    iid: int | None = None

    @property
    def self_key(self) -> str:
        return str(self.iid) if self.iid is not None else self.id

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id}"


@dataclass
class Outbox:
    """Lines per recipient for one command; joined into one message each when it commits.

    Each line is a ``Note``: its ``personal`` and ``tag`` matter only for lines to players
    other than the one whose command this is (notices, see ``runtime.engine.io``)."""

    notes: dict[str, list[Note]] = field(default_factory=dict)

    @property
    def lines(self) -> dict[str, list[str]]:
        """The text of every line, per recipient (a copy)."""
        return {to: [n.text for n in notes] for to, notes in self.notes.items()}

    def has(self, to: str) -> bool:
        return bool(self.notes.get(to))

    def add(self, to: str, text: str, *, personal: bool = False, tag: tuple[str, str, int] | None = None) -> None:
        if text:
            self.notes.setdefault(to, []).append(Note(text, personal, tag))

    def add_to_all(self, keys: Iterable[str], note: Note) -> None:
        """The same line for many recipients (one shared ``Note``: a crowd costs one object)."""
        if note.text:
            notes = self.notes
            for key in keys:
                got = notes.get(key)
                if got is None:
                    notes[key] = [note]
                else:
                    got.append(note)

    def mark(self, to: str) -> int:
        """A position in ``to``'s lines, to ``insert`` something before later lines."""
        return len(self.notes.get(to, ()))

    def insert(self, to: str, at: int, text: str) -> None:
        if text:
            self.notes.setdefault(to, []).insert(at, Note(text))

    def extend(self, other: Outbox) -> None:
        """Append every line of ``other`` (in order) to this outbox; ``other`` is spent (its
        lists may now belong to this outbox)."""
        mine = self.notes
        for to, notes in other.notes.items():
            got = mine.get(to)
            if got is None:
                mine[to] = notes
            else:
                got.extend(notes)
        other.notes = {}

    def clear(self) -> None:
        self.notes.clear()


class Presence(Protocol):
    """Who is online (has a live session)."""

    def is_online(self, key: str) -> bool: ...

    def online_keys(self) -> list[str]: ...


class Actions(Protocol):
    """Engine services behind the context's helpers (implemented by ``engine.actions``)."""

    def room(self, ctx: WorldContext, room_id: str) -> Room | None: ...

    def fire(
        self, ctx: WorldContext, event: str, owner: Owner, room: str | None, said: str | None
    ) -> bool: ...

    def evaluate(self, ctx: Context, code: Code, owner: Owner) -> Scalar | None: ...

    def run_block(self, ctx: Context, code: Code, owner: Owner) -> bool: ...

    def move(self, ctx: Context, room_id: str, direction: str | None) -> bool: ...

    def describe_room(self, ctx: Context) -> str: ...


class WorldContext:
    """Everything shared by commands and ticks: the world, this transaction's state, the outbox."""

    def __init__(
        self,
        *,
        world: WorldView,
        state: State,
        now_ms: int,
        out: Outbox,
        presence: Presence,
        rng: random.Random,
        actions: Actions,
        registry: VerbTable,
        ops: Operations,
    ) -> None:
        self.world = world
        self.state = state
        self.now_ms = now_ms
        self.out = out
        self.presence = presence
        self.rng = rng
        self.actions = actions
        self.registry = registry
        self.depth = 0  # event cascade depth (a teleport firing enter that teleports …)
        self.events: list[tuple[str, str | None, str | None, Mapping[str, Any]]] = []
        self.audit_rows: list[AuditRow] = []
        self.ops = ops
        self.after: list[AfterCommit] = []

    # ---------------------------------------------------------------- speaking
    def tell(self, key: str, text: str) -> None:
        """A line for ``key`` alone (a whisper, a payment): never coalesced away or aged out."""
        self.out.add(key, text, personal=True)

    def online_in_room(self, room: str, exclude: Collection[str] = ()) -> list[Player]:
        return [
            p
            for p in self.state.players_in_room(room)
            if p.key not in exclude and self.presence.is_online(p.key)
        ]

    def to_room(
        self, room: str, text: str, exclude: Collection[str] = (), *, tag: tuple[str, str, int] | None = None
    ) -> None:
        """Everyone online in ``room`` but ``exclude``.  ``tag`` marks a presence notice (see
        ``runtime.engine.io.Note``): ``(actor key, room, +1)`` arrives, ``-1`` leaves."""
        online = self.presence.is_online
        keys = [k for k in self.state.keys_in_room(room) if k not in exclude and online(k)]
        self.out.add_to_all(keys, Note(text, False, tag))

    def to_everyone(self, text: str, exclude: Collection[str] = ()) -> None:
        self.out.add_to_all([k for k in self.presence.online_keys() if k not in exclude], Note(text))

    # ---------------------------------------------------------------- world
    @property
    def currency(self) -> Currency:
        """The world's currency now: the image's, unless ``/convert_currency`` stored another."""
        row = self.state.txn.get("meta", (CURRENCY_META,))
        return self.world.effective_currency(str(row[1]) if row is not None else None)

    def money(self, amount: int) -> str:
        return self.world.money(amount, self.currency)

    def room(self, room_id: str) -> Room | None:
        """A world room, or a dynamic one a system resolves (a house room)."""
        return self.actions.room(self, room_id)

    def fire(self, event: str, owner: Owner, room: str | None = None, said: str | None = None) -> bool:
        """Run ``owner``'s triggers for ``event``; True when one of them said ``stop``."""
        return self.actions.fire(self, event, owner, room, said)

    # ---------------------------------------------------------------- records
    def after_commit(self, fn: AfterCommit) -> None:
        """Run ``fn`` once this command (or tick) is durable; dropped if it is refused."""
        self.after.append(fn)

    def log_event(
        self, kind: str, data: Mapping[str, Any], player: str | None = None, room: str | None = None
    ) -> None:
        self.events.append((kind, player, room, data))


class Context(WorldContext):
    """One player's command."""

    def __init__(self, *, player_key: str, command: Command, session: Session, origin: Origin = LOCAL,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.player_key = player_key
        self.command = command
        self.session = session  # this player's live session (MORE, QUIT)
        self.origin = origin  # radio or local; encryption and keys (permissions)

    @property
    def player(self) -> Player:
        return self.state.require_player(self.player_key)

    # ---------------------------------------------------------------- speaking
    def reply(self, text: str) -> None:
        self.out.add(self.player_key, text)

    def to_others(self, text: str, room: str | None = None, *, tag: tuple[str, str, int] | None = None) -> None:
        """Everyone else online in ``room`` (default: the player's room)."""
        self.to_room(room if room is not None else self.player.room, text, (self.player_key,), tag=tag)

    def fail(self, text: str) -> NoReturn:
        raise Refusal(text)

    def once(self, key: str, text: str) -> str:
        """``text`` the first time this session asks for hint ``key``, then "": a hint said
        once is not repeated in every reply ("Houses are sold at …")."""
        if key in self.session.told:
            return ""
        self.session.told.add(key)
        return text

    # ---------------------------------------------------------------- helpers
    def parse_money(self, text: str) -> int:
        value = self.world.parse_money(text, self.currency)
        if isinstance(value, str):
            self.fail(value[0].upper() + value[1:] + ".")
        return value

    def carried(self, query: str) -> Instance:
        """The instance the player carries that ``query`` names (fails when none or ambiguous)."""
        found = match(query, self._candidates(self.state.inventory(self.player_key)))
        if found.item is None:
            self.fail(found.problem or f"You don't have '{query}'.")
        return found.item

    def here(self, query: str) -> Instance:
        """The instance in the player's room that ``query`` names."""
        found = match(query, self._candidates(self.state.instances_in_room(self.player.room)))
        if found.item is None:
            self.fail(found.problem or f"You see no '{query}' here.")
        return found.item

    def named_player(self, query: str, *, by_key: bool = False) -> Player:
        """A player by exact name (online or asleep; with ``by_key`` also by node id), else an
        online player by unambiguous prefix; fails with a short reply naming the query."""
        name = query.strip()
        exact = self.state.player_by_name(name) or (self.state.player(name) if by_key and name else None)
        if exact is not None:
            return exact
        online = [p for p in (self.state.player(k) for k in self.presence.online_keys()) if p is not None]
        found = match(name, [Candidate(p, p.name, ()) for p in online])
        if found.item is None:
            shown = name if len(name) <= 20 else name[:20] + "…"
            self.fail(found.problem or f"No player is called '{shown}'.")
        return found.item

    def online_player(self, query: str) -> Player:
        """An online player by name (exact, or an unambiguous prefix)."""
        players = [p for p in (self.state.player(k) for k in self.presence.online_keys()) if p is not None]
        found = match(query, [Candidate(p, p.name, ()) for p in players])
        if found.item is None:
            self.fail(found.problem or f"No one called '{query}' is online.")
        return found.item

    def _candidates(self, instances: Sequence[Instance]) -> list[Candidate[Instance]]:
        out: list[Candidate[Instance]] = []
        for inst in instances:
            obj = self.world.object(inst.object_id)
            if obj is not None:
                out.append(Candidate(inst, obj.name, obj.aliases, group=obj.id))
        return out

    # ---------------------------------------------------------------- triggers and moves
    def evaluate(self, code: Code, owner: Owner) -> Scalar | None:
        return self.actions.evaluate(self, code, owner)

    def run_block(self, code: Code, owner: Owner) -> bool:
        return self.actions.run_block(self, code, owner)

    def move_to(self, room_id: str, direction: str | None = None) -> bool:
        """Move the player (exit and enter events, notices, the new room shown); False if
        a trigger stopped it or the room refused entry (the player was told why)."""
        return self.actions.move(self, room_id, direction)

    def describe_room(self) -> str:
        return self.actions.describe_room(self)

    def audit(self, action: str, target: str, detail: str = "") -> None:
        self.audit_rows.append(AuditRow(self.player_key, action, target, detail))
