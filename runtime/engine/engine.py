"""The engine: implements ``CommandHandler`` for the transports and ``meshmush play``.

One command = one transaction over the in-memory tables (``runtime.store.tables``):
parse → verb handler (→ triggers → effects) → commit, or roll back on a refusal, a trigger
fault or any exception (the player gets one short line; the incident is logged).
``handle_batch`` runs several commands, persists all of them with ONE ``Database.write`` and
only then returns the replies: nothing is acknowledged before it is durable.  If that write
fails the tables are reloaded from the database and each player is told the command failed.
Every command is journalled (``ok`` false for refusals and errors).
"""

from __future__ import annotations

import importlib
import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType

from runtime.engine import migrate, names, permissions, strays, triggers
from runtime.engine.actions import EngineActions, resolve_room
from runtime.engine.admission import Admission, AdmissionConfig
from runtime.engine.built_world import built_view
from runtime.engine.context import Context, Outbox, Owner, Refusal, WorldContext
from runtime.engine.describe import describe_room
from runtime.engine.engine_ops import EngineOperations
from runtime.engine.io import Incoming, Note, Outgoing
from runtime.engine.operations import LOCAL, AfterCommit, Origin
from runtime.engine.parser import MAX_INPUT_BYTES, Command, clean, split
from runtime.engine.registry import Lookup, Registry
from runtime.engine.replay import ReplayWindow
from runtime.engine.replies import DEFAULT_PAGE_FRAMES, paginate
from runtime.engine.sessions import DEFAULT_TIMEOUT_MS, Session, Sessions
from runtime.engine.state import Player, PlayerMemo, State
from runtime.engine.ticks import TickClock
from runtime.engine.verbs import CORE_MODULES
from runtime.engine.world_view import WorldView
from runtime.frames import DEFAULT_FRAME_BYTES, MIN_FRAME_BYTES, pack_lines, split_frames, utf8_len
from runtime.image.model import BuilderLimits, Code, World
from runtime.store.db import AuditRow, CommandRecord, Database, StoreError
from runtime.store.events import EventBuffer
from runtime.store.migrations import CORE_SPECS
from runtime.store.overlay import touches_overlay
from runtime.store.tables import ChangeSet, Row, Txn, changeset, merge_changes

log = logging.getLogger("meshmush.engine")

SAVE_FAILED = "Sorry, the server could not save that. Please try again."
TRIGGER_FAILED = "Something in the world went wrong, so nothing happened. The keeper has been told."
INTERNAL_ERROR = "Sorry, that went wrong and nothing changed. The keeper has been told."
NOTHING = "Nothing happens."
ASLEEP = "You are asleep already; your things are safe. Send any other command to come back."
NOT_IN = "You are not in the world yet. Send LOOK to come in."
JOURNAL_CHARS = 500
STRAY_CHECK_MS = 60 * 60_000
"""How often the engine's tick looks for players who never came back (``runtime.engine.strays``)."""


class EngineError(Exception):
    """The engine cannot start on this database (another world's, unwritable …)."""


@dataclass(frozen=True)
class EngineConfig:
    frame_bytes: int = DEFAULT_FRAME_BYTES
    page_frames: int = DEFAULT_PAGE_FRAMES  # a longer reply keeps the rest for MORE
    session_timeout_ms: int = DEFAULT_TIMEOUT_MS
    seed: int | None = None  # randomness of triggers and games; None: unpredictable
    sysops: tuple[str, ...] = ()  # player keys that are sysops by the operator's word
    verify_keys: bool = False  # radio: staff rights need a PKI DM from the recorded key
    backup_dir: Path | None = None  # None: NAME.backups beside the database
    established_after_ms: int = 10 * 60_000  # a player this old is no newcomer (see Outgoing.newcomer)
    admission: AdmissionConfig | None = None  # None: everyone is admitted (``meshmush play``)
    stray_after_ms: int = 0  # forget never-established players unseen this long (0: never; ``strays``)
    clone_limits: BuilderLimits | None = None  # None (or a field < 0): the world's ``builder:`` limits


def default_modules() -> tuple[ModuleType, ...]:
    """The core verbs plus ``runtime.systems.SYSTEM_MODULES`` when that package exists."""
    try:
        systems = importlib.import_module("runtime.systems")
    except ModuleNotFoundError as exc:
        if exc.name != "runtime.systems":
            raise
        return CORE_MODULES
    extra: tuple[ModuleType, ...] = tuple(getattr(systems, "SYSTEM_MODULES", ()))
    return CORE_MODULES + extra


EventRow = tuple[int, str, str | None, str | None, dict[str, object] | str]
"""An analytics event waiting for its command to be durable: (at, kind, player, room, data)."""


@dataclass
class _Result:
    player: str
    record: CommandRecord
    out: Outbox
    events: list[EventRow] = field(default_factory=list)
    after: list[AfterCommit] = field(default_factory=list)


class Engine:
    def __init__(
        self,
        world: World,
        db: Database,
        image_hash: str,
        *,
        config: EngineConfig = EngineConfig(),
        modules: Sequence[ModuleType] | None = None,
        now_ms: int | None = None,
    ) -> None:
        if config.frame_bytes < MIN_FRAME_BYTES:
            raise EngineError(f"frame size must be at least {MIN_FRAME_BYTES} bytes")
        self.base_world = world  # the image's world; ``self.world`` adds the builders' overlay
        self.last_plan: migrate.Plan | None = None  # the last migration onto a new image (SIGHUP, start)
        self.world = WorldView(world)
        self.db = db
        self.config = config
        self.registry = Registry.collect(modules if modules is not None else default_modules())
        self.sessions = Sessions(config.session_timeout_ms)
        self._players: PlayerMemo = {}  # Players built from rows, shared by every command (state.PlayerMemo)
        self.rng = random.Random(config.seed)
        self.actions = EngineActions()
        self.replays = ReplayWindow()
        self.ops = EngineOperations(self, config.frame_bytes, config.backup_dir, config.sysops)
        start = now_ms if now_ms is not None else int(time.time() * 1000)
        self.clock = TickClock(self.world.tick_triggers(), start)
        self.admission = Admission(config.admission, start) if config.admission is not None else None
        self._admission_logged = -60_000
        self._next_stray_check = start + STRAY_CHECK_MS
        try:
            self.tables = db.load(CORE_SPECS)
        except StoreError as exc:
            raise EngineError(str(exc)) from None
        self.image_hash = image_hash
        self._prepare(image_hash, start)
        self._refresh_world()

    # ------------------------------------------------------------------ start-up
    def _prepare(self, image_hash: str, now_ms: int) -> None:
        """First start of a fresh database: one instance of each room's objects, and the
        world's id and image hash in ``meta`` — all in one write, so a crash cannot half-seed."""
        w = self.base_world
        plan: migrate.Plan | None = None
        txn = self.tables.begin()
        try:
            state = self._state(txn)
            row = txn.get("meta", ("world_id",))
            if row is None:
                migrate.seed_all(txn, state, w)
                txn.put("meta", ("world_id", w.id))
                txn.put("meta", ("created_at", str(now_ms)))
            elif row[1] != w.id:
                raise EngineError(
                    f"this database holds world '{row[1]}', not '{w.id}'; use another --db file"
                )
            hash_row = txn.get("meta", ("image_hash",))
            migrate.adopt(txn, w)  # a database made before migration 8 (else nothing)
            if hash_row is None or hash_row[1] != image_hash:
                if row is not None:  # state last run with another image: bring it over
                    plan = self._migrate(txn, w, now_ms)
                txn.put("meta", ("image_hash", image_hash))
            changes = txn.commit()
        except BaseException:
            txn.rollback()
            raise
        if not changes.empty:
            record = CommandRecord(self.db.next_journal_seq(), now_ms, "", "@start", True, changes)
            try:
                self.db.write([record], self.tables.specs)
            except StoreError as exc:
                raise EngineError(str(exc)) from None
        if plan is not None:
            self.last_plan = plan
            _log_plan("start: the database last ran another image", image_hash, plan)

    def _migrate(self, txn: Txn, world: World, now_ms: int) -> migrate.Plan:
        """Bring the state in ``txn`` onto ``world`` (``runtime.engine.migrate``)."""
        return migrate.migrate(txn, self.db.next_id, world, now_ms,
                               lambda st, rid: resolve_room(st.world, self.registry, st, rid),
                               lambda amount: self.world.money(amount, world.currency))

    def _refresh_world(self, changes: ChangeSet | None = None) -> None:
        """Rebuild the world players see from the image and the builders' overlay: always, or
        only when ``changes`` touched the overlay (a builder's command)."""
        if changes is None or touches_overlay(changes):
            self.world = built_view(self.base_world, self.tables, self.config.clone_limits, self.world)

    def _state(self, txn: Txn) -> State:
        return State(txn, self.world, self.db.next_id, self._players)

    def _world_context(self, state: State, now_ms: int, out: Outbox) -> WorldContext:
        return WorldContext(
            world=self.world,
            state=state,
            now_ms=now_ms,
            out=out,
            presence=self.sessions,
            rng=self.rng,
            actions=self.actions,
            registry=self.registry,
            ops=self.ops,
        )

    def _context(self, state: State, key: str, command: Command, session: Session, now_ms: int,
                 out: Outbox, origin: Origin = LOCAL) -> Context:
        return Context(
            player_key=key,
            command=command,
            session=session,
            origin=origin,
            world=self.world,
            state=state,
            now_ms=now_ms,
            out=out,
            presence=self.sessions,
            rng=self.rng,
            actions=self.actions,
            registry=self.registry,
            ops=self.ops,
        )

    # ------------------------------------------------------------------ CommandHandler
    def handle(self, player: str, text: str, now_ms: int) -> Sequence[Outgoing]:
        return self.handle_batch([Incoming(player, text, now_ms)])

    def welcome(self, player: str, now_ms: int) -> Sequence[Outgoing]:
        """Start a session (a new radio contact): the login greeting and the room."""
        return self._commit([self._run(Incoming(player, "", now_ms), welcome=True)])

    def handle_batch(self, commands: Sequence[Incoming]) -> Sequence[Outgoing]:
        if self.admission is not None:
            commands = [c for c in commands if self._admit(c)]
        return self._run_batch(list(commands))

    def _run_batch(self, commands: list[Incoming]) -> Sequence[Outgoing]:
        """Run and persist ``commands`` in one write.  Should that write fail (one command's
        changes the database refuses), the batch is bisected: each half is run again on the
        state reloaded from the file and written on its own, down to the single command that
        fails — only that player hears "could not save"; everyone else's command stands."""
        saved = self.sessions.snapshot(c.player for c in commands) if len(commands) > 1 else None

        def retry() -> Sequence[Outgoing]:
            assert saved is not None
            self.sessions.restore(saved)
            mid = len(commands) // 2
            return [*self._run_batch(commands[:mid]), *self._run_batch(commands[mid:])]

        results = []
        for c in commands:
            if self.replays.seen(self.tables, c.player, c.packet_id):
                continue  # a packet already run (a replay, even across a restart): no reply
            r = self._run(c)
            r.record = self.replays.record(self.tables, r.record, c.player, c.packet_id, c.now_ms)
            results.append(r)
        return self._commit(results, retry=retry if saved is not None else None)

    def _admit(self, inc: Incoming) -> bool:
        """Admission control (``runtime.engine.admission``): unknown nodes and newcomers."""
        assert self.admission is not None
        row = self._peek_player(inc.player)
        now = inc.now_ms

        def active(key: str) -> bool:
            return self.sessions.live(key, now) is not None and self._is_newcomer(key, now)

        ok = self.admission.admit(
            inc.player,
            known=row is not None,
            newcomer=row is not None and self._is_newcomer(inc.player, now),
            online=self.sessions.live(inc.player, now) is not None,
            now_ms=now,
            active=active,
        )
        if not ok and now - self._admission_logged >= 60_000:
            log.warning("admission: refused %d command(s) from unknown nodes or newcomers (world busy)",
                        self.admission.refused_since_log)
            self.admission.refused_since_log = 0
            self._admission_logged = now
        return ok

    def tick(self, now_ms: int) -> Sequence[Outgoing]:
        """Lapse idle sessions, fire due ``tick`` triggers and systems' tick hooks, flush events."""
        self.sessions.expire(now_ms)
        out = Outbox()
        parts: list[ChangeSet] = []
        events: list[EventRow] = []
        for kind, owner_id, trig in self.clock.due(now_ms):
            for owner, room in self._tick_targets(kind, owner_id):
                self._tick_step(now_ms, out, parts, events, _runner(trig.code, owner, room))
        for hooks in self.registry.hooks:
            if hooks.on_tick is not None:
                self._tick_step(now_ms, out, parts, events, hooks.on_tick)
        if self.config.stray_after_ms > 0 and now_ms >= self._next_stray_check:
            self._next_stray_check = now_ms + STRAY_CHECK_MS
            self._tick_step(now_ms, out, parts, events, self._forget_strays)
        parts.append(self.replays.prune(self.tables, now_ms))
        replies: list[Outgoing] = []
        changes = merge([p for p in parts if not p.empty]) if any(not p.empty for p in parts) else EMPTY
        if not changes.empty:  # a journal row only when a tick changed something
            record = CommandRecord(self.db.next_journal_seq(), now_ms, "", "@tick", True, changes)
            replies = list(self._commit([_Result("", record, out, events)], notify=False))
        else:
            for at, kind, player, room, data in events:
                _log_event(self.db.events, at, kind, player, room, data)
            replies = self._deliver(out)
        try:
            self.db.flush_events()
        except StoreError as exc:
            if exc.fatal:
                raise
            log.error("could not write analytics events: %s", exc)
        return replies

    def _forget_strays(self, ctx: WorldContext) -> None:
        """Delete players who never became established and never came back (``strays``)."""
        keys = strays.find_strays(
            ctx.state.txn,
            now_ms=ctx.now_ms,
            idle_ms=self.config.stray_after_ms,
            established_after_ms=self.config.established_after_ms,
            starting_balance=self.world.world.currency.starting_balance,
            online=self.sessions.is_online,
            tables=tuple(self.tables.specs),
        )
        if keys:
            strays.forget(ctx.state.txn, keys)
            ctx.log_event("strays_forgotten", {"count": len(keys)})
            log.info("forgot %d player(s) who never came back", len(keys))

    def close(self) -> None:
        """Flush analytics and close the database (the engine owns it once built)."""
        self.db.close()

    def requeue(self, player: str, text: str) -> bool:
        """A transport could not send ``text`` (its queue was full): keep it in front of the
        player's MORE text.  False when the player has no live session (nothing to page)."""
        session = self.sessions.get(player)
        if session is None:
            return False
        session.pending = text if not session.pending else text + "\n" + session.pending
        return True

    def swap_world(self, world: World, image_hash: str, now_ms: int) -> None:
        """Run a new image of the same world (SIGHUP), keeping sessions and state: the state is
        brought onto it by ``runtime.engine.migrate`` in one transaction (players in rooms it no
        longer has go to its start, objects it dropped are refunded, rooms new in it are
        furnished …) and the plan is logged.  Raises EngineError (and changes nothing) for
        another world's image.  The plan is kept in ``last_plan``."""
        if world.id != self.base_world.id:
            raise EngineError(f"the new image is world '{world.id}', not '{self.base_world.id}'")
        txn = self.tables.begin()
        try:
            plan = self._migrate(txn, world, now_ms)
            txn.put("meta", ("image_hash", image_hash))
            changes = txn.commit()
        except BaseException:
            txn.rollback()
            raise
        record = CommandRecord(self.db.next_journal_seq(), now_ms, "", "@reload", True, changes)
        try:
            self.db.write([record], self.tables.specs)
        except StoreError as exc:
            self.tables = self.db.load(CORE_SPECS)
            self._refresh_world()
            raise EngineError(f"could not save the switch to the new image: {exc}") from None
        self.base_world = world
        self._refresh_world()
        self.image_hash = image_hash
        self.clock = TickClock(self.world.tick_triggers(), now_ms)
        self.last_plan = plan
        _log_plan("SIGHUP", image_hash, plan)

    def reload_state(self, now_ms: int) -> None:
        """The database file was replaced (a restore): load every table again, check that it
        is this world's, and keep only the sessions of players the restored state has (their
        pending MORE text is dropped).  Raises EngineError for another world's database."""
        try:
            self.tables = self.db.load(CORE_SPECS)
        except StoreError as exc:
            raise EngineError(str(exc)) from None
        self._prepare(self.image_hash, now_ms)
        self._refresh_world()
        txn = self.tables.begin()
        try:
            for key in self.sessions.online_keys():
                session = self.sessions.get(key)
                if txn.get("players", (key,)) is None:
                    self.sessions.end(key)
                elif session is not None:
                    session.pending = None
        finally:
            txn.rollback()

    def maintain(self, name: str, step: Callable[[WorldContext], None], now_ms: int) -> int:
        """Housekeeping on the state (e.g. trimming old ledger rows): ``step`` runs in one
        transaction, written with a journal row ``@NAME``.  Errors propagate (the caller
        retries); returns how many rows changed."""
        txn = self.tables.begin()
        try:
            step(self._world_context(self._state(txn), now_ms, Outbox()))
            changes = txn.commit()
        except BaseException:
            txn.rollback()
            raise
        if changes.empty:
            return 0
        record = CommandRecord(self.db.next_journal_seq(), now_ms, "", f"@{name}", True, changes)
        try:
            self.db.write([record], self.tables.specs)
        except StoreError:
            self.tables = self.db.load(CORE_SPECS)
            raise
        return sum(len(v) for v in changes.upserts.values()) + sum(len(v) for v in changes.deletes.values())

    # ------------------------------------------------------------------ ticks
    def _tick_targets(self, kind: str, owner_id: str) -> list[tuple[Owner, str | None]]:
        """Where a tick trigger runs: the world once; a room only with players online in it;
        an object's every instance lying in such a room or carried by an online player."""
        if kind == "world":
            return [(Owner("world", owner_id), None)]
        txn = self.tables.begin()
        try:
            state = self._state(txn)
            online = [p for p in (state.player(k) for k in self.sessions.online_keys()) if p is not None]
            rooms = sorted({p.room for p in online})
            if kind == "room":
                return [(Owner("room", owner_id), owner_id)] if owner_id in rooms else []
            targets: list[tuple[Owner, str | None]] = []
            if kind == "object":
                for room in rooms:
                    for inst in state.instances_in_room(room):
                        if inst.object_id == owner_id:
                            targets.append((Owner("object", owner_id, inst.iid), room))
                for p in online:
                    for inst in state.inventory(p.key):
                        if inst.object_id == owner_id:
                            targets.append((Owner("object", owner_id, inst.iid), p.room))
            return targets
        finally:
            txn.rollback()

    def _tick_step(self, now_ms: int, out: Outbox, parts: list[ChangeSet],
                   events: list[EventRow],
                   step: Callable[[WorldContext], None]) -> None:
        txn = self.tables.begin()
        local = Outbox()
        try:
            ctx = self._world_context(self._state(txn), now_ms, local)
            step(ctx)
            parts.append(txn.commit())
        except Refusal:
            txn.rollback()
            return
        except triggers.TriggerFault as fault:
            txn.rollback()
            log.warning("tick trigger failed at %s: %s", fault.where, fault.problem)
            return
        except Exception:
            txn.rollback()
            log.exception("tick step failed")
            return
        out.extend(local)
        events.extend((now_ms, k, p, r, dict(d)) for k, p, r, d in ctx.events)

    # ------------------------------------------------------------------ one command
    def _run(self, inc: Incoming, welcome: bool = False) -> _Result:
        key, now = inc.player, inc.now_ms
        line = clean(inc.text)
        seq = self.db.next_journal_seq()
        word, args = split(line)
        origin = Origin(self.config.verify_keys, inc.pki, inc.public_key, inc.node_key)
        out = Outbox()
        parts: list[ChangeSet] = []
        events: list[EventRow] = []
        audit: list[AuditRow] = []
        self.ops.metrics.command(now)
        if self._before(key, now, Command(line, word, "", args), origin, out, parts, events, audit):
            record = CommandRecord(seq, now, key, line[:JOURNAL_CHARS], False, merge(parts), tuple(audit))
            return _Result(key, record, out, events)
        row, level, grants = self._peek_access(key)
        lookup = self.registry.resolve(word, level, grants) if word else None
        verb = lookup.verb if lookup is not None else None
        command = Command(line, word, verb.name if verb is not None else "", args)
        if (row is not None and inc.name is not None and names.is_placeholder(str(row[1]), key)
                and not names.is_placeholder(inc.name, key)):
            self._rename(key, inc.name, now, parts, events)
        session = self.sessions.live(key, now)
        if (session is None or row is None) and verb is not None and verb.name == "quit" and not welcome:
            out.add(key, ASLEEP if row is not None else NOT_IN)  # no waking up, no "appears" / "falls asleep"
            return _Result(key, CommandRecord(seq, now, key, line[:JOURNAL_CHARS], True, merge(parts) if parts
                                              else EMPTY, tuple(audit)), out, events)
        skipped_room, room_at = False, 0  # the login left the room to the command (a move), which may fail
        if session is None or row is None:
            shows_room = verb is not None and verb.shows_room
            skipped_room = shows_room and not welcome
            session, room_at = self._login(key, now, out, parts, events, audit,
                                           show_room=welcome or not shows_room, name=inc.name)
            if session is None:
                record = CommandRecord(seq, now, key, line[:JOURNAL_CHARS], False, merge(parts), tuple(audit))
                return _Result(key, record, out, events)
        session.last_ms = now
        if welcome:
            return _Result(key, CommandRecord(seq, now, key, "@welcome", True, merge(parts), tuple(audit)), out,
                           events)
        cmd_out = Outbox()
        ok = False
        after: list[AfterCommit] = []
        txn = self.tables.begin()
        try:
            ctx = self._context(self._state(txn), key, command, session, now, cmd_out, origin)
            if command.verb != "more":
                session.pending = None
            self._dispatch(ctx, lookup)
            if not cmd_out.has(key):
                ctx.reply(NOTHING)
            ctx.state.touch(key, now)
            parts.append(txn.commit())
            self._refresh_world(parts[-1])
            ok = True
            audit.extend(ctx.audit_rows)
            after = ctx.after
            events.extend((now, k, p, r, dict(d)) for k, p, r, d in ctx.events)
        except Refusal as refusal:
            txn.rollback()
            audit.extend(refusal.audit)
            cmd_out = Outbox()
            cmd_out.add(key, refusal.text)
        except triggers.TriggerFault as fault:
            txn.rollback()
            log.warning("trigger failed at %s: %s (player %s, command %r)", fault.where, fault.problem, key, line)
            self._error(now, key, "trigger", events)
            cmd_out = Outbox()
            cmd_out.add(key, TRIGGER_FAILED)
        except Exception:
            txn.rollback()
            log.exception("command failed (player %s, command %r)", key, line)
            self._error(now, key, "internal", events)
            cmd_out = Outbox()
            cmd_out.add(key, INTERNAL_ERROR)
        if skipped_room and not ok:  # where they are (as a login shows it), then why not
            out.insert(key, room_at, self._room_view(key, session, now, origin))
        out.extend(cmd_out)
        if ok and session.ending:
            self.sessions.end(key)
        events.append((now, "command", key, None, _command_event(command.verb or word[:20], ok)))
        record = CommandRecord(seq, now, key, line[:JOURNAL_CHARS], ok, merge(parts), tuple(audit))
        return _Result(key, record, out, events, after)

    def _error(self, now: int, key: str, kind: str, events: list[EventRow]) -> None:
        self.ops.metrics.error(now)
        events.append((now, "error", key, None, {"kind": kind}))

    def _before(self, key: str, now: int, command: Command, origin: Origin, out: Outbox,
                parts: list[ChangeSet], events: list[EventRow], audit: list[AuditRow]) -> bool:
        """Systems' ``before`` hooks, in a transaction of their own that is kept whatever the
        command does next (a ban's notice, a radio key).  True: the command is dropped (its
        reply, if any, is in ``out``)."""
        hooks = [h.before for h in self.registry.hooks if h.before is not None]
        if not hooks:
            return False
        session = self.sessions.get(key) or Session(key, now, now)  # not started: only a view
        local = Outbox()
        verdict: str | None = None
        txn = self.tables.begin()
        try:
            ctx = self._context(self._state(txn), key, command, session, now, local, origin)
            for hook in hooks:
                try:
                    verdict = hook(ctx)
                except Refusal as refusal:
                    verdict = refusal.text
                if verdict is not None:
                    break
            parts.append(txn.commit())
            audit.extend(ctx.audit_rows)
            events.extend((now, k, p, r, dict(d)) for k, p, r, d in ctx.events)
        except Exception:
            txn.rollback()
            log.exception("a before-command check failed (player %s); the command is dropped", key)
            self._error(now, key, "internal", events)
            out.add(key, INTERNAL_ERROR)
            return True
        out.extend(local)
        if verdict is None:
            return False
        out.add(key, verdict)
        return True

    def _room_view(self, key: str, session: Session, now: int, origin: Origin) -> str:
        """What LOOK would show the player (read only)."""
        txn = self.tables.begin()
        try:
            ctx = self._context(self._state(txn), key, Command("", "", "", ""), session, now, Outbox(), origin)
            room = ctx.room(ctx.player.room)
            return describe_room(ctx, room) if room is not None else ""
        finally:
            txn.rollback()

    def _peek_player(self, key: str) -> Row | None:
        txn = self.tables.begin()
        try:
            return txn.get("players", (key,))
        finally:
            txn.rollback()

    def _peek_access(self, key: str) -> tuple[Row | None, int, frozenset[str]]:
        """The player's row, level and grants (for choosing the verb; rights are checked again
        inside the command's transaction)."""
        txn = self.tables.begin()
        try:
            row = txn.get("players", (key,))
            if row is None:
                return None, 0, frozenset()
            return row, Player.from_row(row).rank, permissions.grants_of(txn, key)
        finally:
            txn.rollback()

    def _dispatch(self, ctx: Context, lookup: Lookup | None) -> None:
        cmd = ctx.command
        if not cmd.word:
            ctx.fail("Type a command, e.g. LOOK or HELP.")
        if utf8_len(cmd.raw) > MAX_INPUT_BYTES:
            ctx.fail(f"That is too long ({utf8_len(cmd.raw)} bytes); keep commands under {MAX_INPUT_BYTES}.")
        verb = self.registry.by_name(cmd.verb) if cmd.verb else None
        if verb is None:
            for hooks in self.registry.hooks:
                if hooks.unmatched is not None and hooks.unmatched(ctx):
                    return
            suggestion = lookup.suggestion if lookup is not None else None
            shown = cmd.word if len(cmd.word) <= 20 else cmd.word[:20] + "…"
            hint = f" Did you mean {suggestion.upper()}?" if suggestion else " Type HELP for commands."
            ctx.fail(f"Unknown command '{shown}'.{hint}")
        permissions.check(ctx, verb)  # the staff table, before anything else about the verb
        for hooks in self.registry.hooks:
            if hooks.gate is not None:
                refusal = hooks.gate(ctx, verb)
                if refusal:
                    ctx.fail(refusal)
        permissions.run(ctx, verb)

    def _login(self, key: str, now: int, out: Outbox, parts: list[ChangeSet],
               events: list[EventRow], audit: list[AuditRow],
               show_room: bool, name: str | None = None) -> tuple[Session | None, int]:
        """Start a session: create a new player (start room, starting balance), greet, fire the
        world's ``login`` triggers and systems' ``on_login`` (which may refuse the session with
        ``ctx.fail``); in its own transaction so a failing first command does not undo the player."""
        session = self.sessions.start(key, now)
        txn = self.tables.begin()
        local = Outbox()
        try:
            state = self._state(txn)
            ctx = self._context(state, key, Command("", "", "", ""), session, now, local)
            player = state.player(key)
            w = self.world.world
            new = player is None
            if player is None:
                player = state.create_player(key, self._unique_name(state, key, name or key), w.start,
                                             w.currency.starting_balance, now)
                ctx.reply(f"Welcome to {w.title}!")
            ctx.to_others(f"{player.name} appears.", tag=(key, player.room, +1))
            ctx.fire("login", Owner("world", w.id), room=player.room)
            for hooks in self.registry.hooks:
                if hooks.on_login is not None:
                    hooks.on_login(ctx)
            room_at = out.mark(key) + local.mark(key)  # where the room goes if a failed move needs it
            if show_room:
                room = ctx.room(ctx.player.room)
                if room is not None:
                    ctx.reply(describe_room(ctx, room))
            if new:
                ctx.fire("enter", Owner("room", w.start), room=w.start)
            parts.append(txn.commit())
            audit.extend(ctx.audit_rows)
            events.extend((now, k, p, r, dict(d)) for k, p, r, d in ctx.events)
            events.append((now, "login", key, player.room, {"new": new}))
        except Refusal as refusal:  # a system refuses the session (a ban)
            txn.rollback()
            self.sessions.end(key)
            out.add(key, refusal.text)
            return None, 0
        except triggers.TriggerFault as fault:
            txn.rollback()
            log.warning("login trigger failed at %s: %s (player %s)", fault.where, fault.problem, key)
            self.sessions.end(key)
            out.add(key, TRIGGER_FAILED)
            return None, 0
        except Exception:
            txn.rollback()
            log.exception("login failed (player %s)", key)
            self.sessions.end(key)
            out.add(key, INTERNAL_ERROR)
            return None, 0
        out.extend(local)
        return session, room_at

    @staticmethod
    def _unique_name(state: State, key: str, wanted: str | None) -> str:
        """A new player's name: ``wanted`` (a radio's long name, a script's NAME) made typable
        and unique, else the placeholder for ``key`` (see ``runtime.engine.names``)."""
        given = names.sanitise(wanted) if wanted is not None and not names.is_placeholder(wanted, key) else None
        return names.unique(given or names.placeholder(key), lambda n: state.player_by_name(n) is not None)

    def _rename(self, key: str, wanted: str, now: int, parts: list[ChangeSet], events: list[EventRow]) -> None:
        """A player still on a placeholder name takes the name its radio's NODEINFO gives."""
        txn = self.tables.begin()
        try:
            state = self._state(txn)
            player = state.require_player(key)
            given = names.sanitise(wanted)
            if given is None or not names.is_placeholder(player.name, key):
                txn.rollback()
                return
            name = names.unique(given, lambda n: (p := state.player_by_name(n)) is not None and p.key != key)
            state.save_player(replace(player, name=name))
            parts.append(txn.commit())
        except Exception:  # a name is not worth the command: keep the old one
            txn.rollback()
            log.exception("could not rename player %s", key)
            return
        log.info("player %s is now called %s (was %s): their radio's name arrived", key, name, player.name)
        events.append((now, "rename", key, player.room, {"from": player.name, "to": name}))

    # ------------------------------------------------------------------ durability
    def _commit(self, results: list[_Result], notify: bool = True,
                retry: Callable[[], Sequence[Outgoing]] | None = None) -> Sequence[Outgoing]:
        """ONE write for the batch; replies only once it is durable.  A failed write reloads
        the state from the file, then ``retry`` (the batch in halves), else tells each player."""
        try:
            self.db.write([r.record for r in results], self.tables.specs)
        except StoreError as exc:
            if exc.fatal:
                raise  # a damaged database: stop at once, acknowledge nothing more
            log.error("%s; reloading state from the database", exc)
            self.tables = self.db.load(CORE_SPECS)
            self._refresh_world()
            if retry is not None:
                return retry()
            if not notify:
                return []
            told: list[Outgoing] = []
            for r in results:
                if r.player and all(o.to != r.player for o in told):
                    told.append(Outgoing(r.player, SAVE_FAILED))
            return told
        replies: list[Outgoing] = []
        for r in results:
            for at, kind, player, room, data in r.events:
                _log_event(self.db.events, at, kind, player, room, data)
            replies.extend(self._deliver(r.out, r.player, r.record.at))
        replies.extend(self._after([fn for r in results for fn in r.after]))
        return replies

    def _after(self, work: Sequence[AfterCommit]) -> list[Outgoing]:
        """What commands asked to do once durable (``ctx.after_commit``), in order."""
        out = Outbox()
        for fn in work:
            try:
                for to, text in fn():
                    out.add(to, text, personal=True)
            except StoreError:
                raise
            except Exception:
                log.exception("work after a command failed")
        return self._deliver(out) if out.notes else []

    def _deliver(self, out: Outbox, actor: str = "", now_ms: int = 0) -> list[Outgoing]:
        """One message per recipient: the ``actor``'s lines are the reply to their command
        (paged for MORE), everyone else's are notices (``Outgoing.notes``, packed into frames
        line by line, so a transport can coalesce them with other notices)."""
        msgs: list[Outgoing] = []
        fb = self.config.frame_bytes
        short = fb // 4  # a line of at most this many characters surely fits one frame
        single: dict[int, tuple[Note, ...]] = {}  # one shared 1-tuple per Note (a crowd shares its Note)
        new = tuple.__new__
        for to, notes in out.notes.items():
            if to != actor:  # notices: frames are packed by the transport (or play's printer)
                if len(notes) == 1 and len(notes[0].text) <= short:  # the common case: one short line
                    note = notes[0]
                    one = single.get(id(note))
                    if one is None:
                        one = single[id(note)] = (note,)
                    # Outgoing(to, text, (), "notice", (note,), False), built without keyword parsing
                    msgs.append(new(Outgoing, (to, note.text, (), "notice", one, False)))
                    continue
                lines = [n.text for n in notes]
                if len(pack_lines(lines, fb)) <= self.config.page_frames:
                    msgs.append(Outgoing(to, "\n".join(lines), kind="notice", notes=tuple(notes)))
                    continue
            text = "\n".join(n.text for n in notes)
            newcomer = to == actor and self._is_newcomer(actor, now_ms)
            if len(text) * 4 <= fb:  # surely one frame (UTF-8 takes at most 4 bytes a character)
                msgs.append(Outgoing(to, text, (text,), newcomer=newcomer))
                continue
            page = paginate(text, fb, self.config.page_frames)
            if page.rest is not None:
                session = self.sessions.get(to)
                if session is not None:
                    session.pending = page.rest
            msgs.append(Outgoing(to, page.text, tuple(split_frames(page.text, fb)), newcomer=newcomer))
        return msgs

    def _is_newcomer(self, key: str, now_ms: int) -> bool:
        row = self._peek_player(key)
        return row is None or now_ms - Player.from_row(row).created_at < self.config.established_after_ms


def _log_plan(why: str, image_hash: str, plan: migrate.Plan) -> None:
    """The migration plan a new image needed, in the log: a summary, then one line a step."""
    if plan.empty:
        log.info("%s: image %s needed no change to the state", why, image_hash[:16])
        return
    log.warning("%s: state brought onto image %s in %d step(s):", why, image_hash[:16], len(plan.steps))
    for line in plan.lines():
        log.warning("  %s", line)


def _runner(code: Code, owner: Owner, room: str | None) -> Callable[[WorldContext], None]:
    def step(ctx: WorldContext) -> None:
        triggers.run(ctx, code, owner, room)

    return step


EMPTY = ChangeSet({}, {})

def _log_event(events: EventBuffer, at: int, kind: str, player: str | None, room: str | None,
               data: dict[str, object] | str) -> None:
    if isinstance(data, str):
        events.add_json(at, kind, player, room, data)  # already JSON (``_command_event``)
    else:
        events.add(at, kind, player, room, data)


_COMMAND_EVENTS: dict[tuple[str, bool], str] = {}


def _command_event(verb: str, ok: bool) -> str:
    """The ``command`` analytics event's data as JSON text, made once per (verb, ok) (it was a
    ``json.dumps`` per command for what the journal mostly says already)."""
    text = _COMMAND_EVENTS.get((verb, ok))
    if text is None:
        if len(_COMMAND_EVENTS) > 4096:
            _COMMAND_EVENTS.clear()
        text = _COMMAND_EVENTS[(verb, ok)] = json.dumps({"ok": ok, "verb": verb}, ensure_ascii=False,
                                                          separators=(",", ":"))
    return text


def merge(parts: Sequence[ChangeSet]) -> ChangeSet:
    """Several change sets of consecutive transactions as one (later writes win)."""
    if len(parts) == 1:
        return parts[0]
    return changeset(merge_changes(parts, CORE_SPEC_BY_NAME))


CORE_SPEC_BY_NAME = {s.name: s for s in CORE_SPECS}
