"""The engine services behind ``Context``'s helpers (``context.Actions``): room resolution
through the world and systems' ``resolve_room`` hooks, triggers, moves and room views."""

from __future__ import annotations

from runtime.engine import moves, triggers
from runtime.engine.context import Context, Owner, VerbTable, WorldContext
from runtime.engine.describe import describe_room
from runtime.engine.state import State
from runtime.engine.world_view import WorldView
from runtime.image.model import Code, Room, Scalar


def resolve_room(world: WorldView, registry: VerbTable, state: State, room_id: str) -> Room | None:
    """A world room, or a dynamic one a system resolves (a house room)."""
    room = world.room(room_id)
    if room is not None:
        return room
    for hooks in registry.hooks:
        if hooks.resolve_room is not None:
            found = hooks.resolve_room(state, room_id)
            if found is not None:
                return found
    return None


class EngineActions:
    def room(self, ctx: WorldContext, room_id: str) -> Room | None:
        return resolve_room(ctx.world, ctx.registry, ctx.state, room_id)

    def fire(self, ctx: WorldContext, event: str, owner: Owner, room: str | None, said: str | None) -> bool:
        return triggers.fire(ctx, event, owner, room, said)

    def evaluate(self, ctx: Context, code: Code, owner: Owner) -> Scalar | None:
        return triggers.evaluate(ctx, code, owner)

    def run_block(self, ctx: Context, code: Code, owner: Owner) -> bool:
        return triggers.run(ctx, code, owner, ctx.player.room)

    def move(self, ctx: Context, room_id: str, direction: str | None) -> bool:
        return moves.move(ctx, room_id, direction)

    def describe_room(self, ctx: Context) -> str:
        room = self.room(ctx, ctx.player.room)
        if room is None:
            return "You are nowhere. Type HOME or ask staff for help."
        return describe_room(ctx, room)
