"""Firing events: run triggers' bytecode through the VM and apply the effects it returns.

- ``say`` effects go to the acting player, ``announce`` to everyone else online in the room
  where the event happened.  Tick triggers have no acting player: their ``say`` and
  ``announce`` both reach everyone online in the room (a world tick: everyone online).
- A run whose charges the player cannot afford (checked in order against pays before them)
  has all its effects discarded; the player is told and the action is cancelled like ``stop``.
- A VM error (step or message limit, division by zero) raises ``TriggerFault``: the engine
  rolls the command back, tells the player briefly and logs the trigger's document and line.
- Cascades (a teleport firing ``enter`` that teleports again …) are fenced at ``MAX_DEPTH``
  nested runs: the events of a deeper cascade run no triggers (logged once per owner), so a
  teleport loop the compiler did not catch (MM4020) ends with the player in a real room, and
  the command — a login included — still succeeds.
"""

from __future__ import annotations

import logging
import re

from runtime import vm
from runtime.engine.context import Context, Owner, WorldContext
from runtime.engine.state import HOLDER_PLAYER, InsufficientFunds
from runtime.image.model import Code, Scalar
from runtime.image.opcodes import MAX_CASCADE

MAX_DEPTH = MAX_CASCADE
log = logging.getLogger("meshmush.engine")
_warned: set[tuple[str, str, str]] = set()


class TriggerFault(Exception):
    """A trigger failed at run time; ``where`` is 'room town.gazebo:12'."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


class Env:
    """The VM's window on the world for one run (implements ``vm.VmEnv``)."""

    def __init__(self, ctx: WorldContext, owner: Owner, room: str | None, actor: str | None) -> None:
        self.ctx = ctx
        self.owner = owner
        self.room = room
        self.actor = actor

    def _owner_key(self, scope: str) -> str:
        if scope == "world":
            return ""
        if scope == "player" and self.actor is not None:
            return self.actor
        if scope == "room" and self.room is not None:
            return self.room
        if scope == "self" and self.owner.kind in ("object", "npc"):
            return self.owner.self_key
        raise KeyError(f"no {scope} here")

    def get(self, name: str) -> Scalar:
        st = self.ctx.state
        if name == "player.name" or name == "player.balance":
            if self.actor is None:
                raise KeyError("no acting player")
            p = st.require_player(self.actor)
            return p.name if name == "player.name" else p.balance
        if name == "room.name":
            room = self.ctx.room(self.room) if self.room is not None else None
            if room is None:
                raise KeyError("no room")
            return room.name
        if name == "self.name":
            if self.owner.kind == "object":
                return self.ctx.world.object_name(self.owner.id)
            npc = self.ctx.world.npcs.get(self.owner.id)
            if npc is None:
                raise KeyError("no self")
            return npc.name
        return st.get_var(name, self._owner_key(name.split(".", 1)[0]))

    def has(self, object_id: str) -> bool:
        if self.actor is None:
            return False
        return any(i.object_id == object_id for i in self.ctx.state.inventory(self.actor))

    def here(self, object_id: str) -> bool:
        if self.room is None:
            return False
        return any(i.object_id == object_id for i in self.ctx.state.instances_in_room(self.room))

    def random(self, low: int, high: int) -> int:
        return self.ctx.rng.randint(low, high)

    def format_money(self, amount: int) -> str:
        return self.ctx.money(amount)

    def set(self, name: str, value: Scalar) -> None:
        self.ctx.state.set_var(name, self._owner_key(name.split(".", 1)[0]), value)


def said_matches(word: str, said: str | None) -> bool:
    if not said:
        return False
    return re.search(r"(?<!\w)" + re.escape(word.lower()) + r"(?!\w)", said.lower()) is not None


def fire(ctx: WorldContext, event: str, owner: Owner, room: str | None, said: str | None = None) -> bool:
    """Run ``owner``'s ``event`` triggers in order; True (and no more triggers) once one stops.
    Past ``MAX_DEPTH`` nested events none run (see the module docstring)."""
    found = ctx.world.triggers(owner.kind, owner.id, event)
    if found and ctx.depth >= MAX_DEPTH:
        key = (owner.kind, owner.id, event)
        if key not in _warned and len(_warned) < 10_000:
            _warned.add(key)
            log.warning("%s %s: %s triggers skipped: events nested more than %d deep (a teleport loop?)",
                        owner.kind, owner.id, event, MAX_DEPTH)
        return False
    for trig in found:
        if event == "say" and trig.match and not said_matches(trig.match, said):
            continue
        if run(ctx, trig.code, owner, room):
            return True
    return False


def _actor(ctx: WorldContext) -> str | None:
    return ctx.player_key if isinstance(ctx, Context) else None


def _execute(ctx: WorldContext, code: Code, env: Env) -> vm.VmResult:
    if ctx.depth >= MAX_DEPTH:
        raise TriggerFault(_where(code, 0), f"events nested more than {MAX_DEPTH} deep (a teleport loop?)")
    result = vm.run(code, env)
    if result.error is not None:
        raise TriggerFault(_where(code, result.line), result.error)
    return result


def evaluate(ctx: Context, code: Code, owner: Owner) -> Scalar | None:
    """The value of an expression (an exit's or a dialogue option's ``when``)."""
    env = Env(ctx, owner, ctx.player.room, ctx.player_key)
    return _execute(ctx, code, env).value


def run(ctx: WorldContext, code: Code, owner: Owner, room: str | None) -> bool:
    """Run one trigger body and apply its effects; True when it stopped the action."""
    actor = _actor(ctx)
    env = Env(ctx, owner, room, actor)
    result = _execute(ctx, code, env)
    if actor is not None:
        short = _shortfall(ctx, actor, result.effects)
        if short is not None:
            ctx.out.add(
                actor, f"You can't afford that: it costs {ctx.money(short[0])} and you have {ctx.money(short[1])}."
            )
            return True
    ctx.depth += 1
    try:
        for effect in result.effects:
            _apply(ctx, effect, env, code)
    finally:
        ctx.depth -= 1
    return result.stopped


def _shortfall(ctx: WorldContext, actor: str, effects: tuple[vm.Effect, ...]) -> tuple[int, int] | None:
    """(cost, balance) of the first charge the player cannot afford, in effect order."""
    balance = ctx.state.require_player(actor).balance
    for e in effects:
        if isinstance(e, vm.Pay):
            balance += e.amount
        elif isinstance(e, vm.Charge):
            if e.amount > balance:
                return e.amount, balance
            balance -= e.amount
    return None


def _apply(ctx: WorldContext, effect: vm.Effect, env: Env, code: Code) -> None:
    actor, room, owner = env.actor, env.room, env.owner
    if isinstance(effect, vm.Say):
        if actor is not None:
            ctx.out.add(actor, effect.text)
        elif room is not None:
            ctx.to_room(room, effect.text)
        else:
            ctx.to_everyone(effect.text)
    elif isinstance(effect, vm.Announce):
        exclude = (actor,) if actor is not None else ()
        if room is not None:
            ctx.to_room(room, effect.text, exclude)
        else:
            ctx.to_everyone(effect.text, exclude)
    elif isinstance(effect, vm.SetVar):
        try:
            env.set(effect.name, effect.value)
        except KeyError as exc:
            raise TriggerFault(_where(code, 0), f"cannot set {effect.name}: {exc}") from None
    else:
        if actor is None or not isinstance(ctx, Context):
            raise TriggerFault(_where(code, 0), f"{type(effect).__name__.lower()} needs an acting player")
        _apply_to_player(ctx, effect, owner, code)


def _apply_to_player(ctx: Context, effect: vm.Effect, owner: Owner, code: Code) -> None:
    st = ctx.state
    key = ctx.player_key
    if isinstance(effect, vm.Give):
        st.new_instance(effect.object_id, HOLDER_PLAYER, key)
    elif isinstance(effect, vm.Take):
        held = [i for i in st.inventory(key) if i.object_id == effect.object_id]
        if held:
            mine = [i for i in held if i.iid == owner.iid]
            st.delete_instance((mine or held)[0].iid)
    elif isinstance(effect, vm.Pay):
        st.adjust_balance(key, effect.amount)
        st.ledger(f"trigger:{owner.id}", key, effect.amount, code.file, ctx.now_ms)
    elif isinstance(effect, vm.Charge):
        try:
            st.adjust_balance(key, -effect.amount)
        except InsufficientFunds as exc:
            ctx.fail(f"You can't afford that: it costs {ctx.money(exc.needed)}.")
        st.ledger(key, f"trigger:{owner.id}", effect.amount, code.file, ctx.now_ms)
    elif isinstance(effect, vm.Teleport):
        ctx.move_to(effect.room_id)


def _where(code: Code, line: int) -> str:
    return f"{code.file}:{line}" if line else code.file
