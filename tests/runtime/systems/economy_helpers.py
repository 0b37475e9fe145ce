"""Engines over the economy test worlds (``tests/transcripts/worlds/economy/``), with a test-only
``promote`` verb (built on the public system API) so a test can act as staff."""

from __future__ import annotations

import types
from dataclasses import replace
from pathlib import Path

from runtime.engine.context import Context
from runtime.engine.engine import Engine, default_modules
from runtime.engine.registry import Verb
from tests.runtime.engine.helpers import engine
from tests.transcripts.runner import world

MARKET = "economy/market"
COINS = "economy/coins"


def do_promote(ctx: Context) -> None:
    """``promote LEVEL``: the acting player becomes staff (tests only)."""
    ctx.state.save_player(replace(ctx.player, level=ctx.command.args.strip()))
    ctx.reply("ok")


PROMOTE = types.ModuleType("tests_promote")
PROMOTE.VERBS = (Verb("promote", do_promote),)  # type: ignore[attr-defined]


def economy_engine(path: Path | None, name: str = MARKET, seed: int = 1) -> Engine:
    return engine(path, w=world(name), modules=(*default_modules(), PROMOTE), seed=seed)


def balances(eng: Engine) -> dict[str, int]:
    return {str(k): int(b) for k, b in eng.db.query("SELECT key, balance FROM players")}
