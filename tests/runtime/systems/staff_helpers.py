"""Engines for the staff tests: the lab world, real DuckDB files, sysops by configuration, and
test-only modules (``setlevel``/``setgrant``, and dummy verbs for every staff command in the
table that no system provides on this branch yet, e.g. the builder's)."""

from __future__ import annotations

import types
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from runtime.engine.context import Context
from runtime.engine.engine import Engine, EngineConfig, default_modules
from runtime.engine.registry import Registry, Verb
from runtime.engine.staff_table import STAFF_COMMANDS
from runtime.store.db import Database
from runtime.store.migrations import CORE_SPECS
from tests.runtime.engine.helpers import lab


def do_setlevel(ctx: Context) -> None:
    """``setlevel NAME LEVEL`` (tests only): set anyone's level, bypassing every rule."""
    name, level = ctx.command.words
    target = ctx.state.player_by_name(name)
    assert target is not None
    ctx.state.save_player(replace(target, level=level))
    ctx.reply("ok")


def do_setgrant(ctx: Context) -> None:
    """``setgrant NAME GRANT|-`` (tests only)."""
    name, grant = ctx.command.words
    target = ctx.state.player_by_name(name)
    assert target is not None
    for row in list(ctx.state.txn.find("staff_grants", "player", target.key)):
        ctx.state.txn.delete("staff_grants", (row[0], row[1]))
    if grant != "-":
        ctx.state.txn.put("staff_grants", (target.key, grant, "test", ctx.now_ms))
    ctx.reply("ok")


TEST_VERBS = types.ModuleType("tests_staff_setup")
TEST_VERBS.VERBS = (Verb("setlevel", do_setlevel), Verb("setgrant", do_setgrant))  # type: ignore[attr-defined]


def _dummy(name: str) -> Verb:
    def handler(ctx: Context) -> None:
        ctx.state.txn.put("meta", (f"dummy:{name}", ctx.command.args))
        ctx.reply(f"{name} done")

    return Verb(name, handler)


def missing_staff_verbs() -> list[str]:
    present = {v.name for v in Registry.collect(default_modules()).verbs}
    return sorted(set(STAFF_COMMANDS) - present)


DUMMIES = types.ModuleType("tests_staff_dummies")
DUMMIES.VERBS = tuple(_dummy(n) for n in missing_staff_verbs())  # type: ignore[attr-defined]


def staff_engine(path: Path | None, *, sysops: Sequence[str] = ("Ana",), verify_keys: bool = False,
                 backup_dir: Path | None = None, extra: bool = True, frame_bytes: int = 200) -> Engine:
    modules = (*default_modules(), TEST_VERBS, DUMMIES) if extra else None
    config = EngineConfig(seed=1, frame_bytes=frame_bytes, sysops=tuple(sysops), verify_keys=verify_keys,
                          backup_dir=backup_dir)
    return Engine(lab(), Database.open(path), "test-hash", config=config, modules=modules, now_ms=0)


def state_of(eng: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every state table, as written in the database file."""
    return {s.name: sorted(eng.db.query(f"SELECT * FROM {s.name}"), key=repr) for s in CORE_SPECS}


def audit_of(eng: Engine, after: int = 0) -> list[tuple[int, str, str, str, str]]:
    """(seq, actor, action, target, result) of the audit rows after ``after``."""
    return [(int(s), str(a), str(act), str(t), str(r)) for s, a, act, t, r in eng.db.query(
        "SELECT seq, actor, action, target, coalesce(result, 'ok') FROM audit WHERE seq > ? ORDER BY seq",
        [after])]


def last_audit_seq(eng: Engine) -> int:
    return int(eng.db.query("SELECT coalesce(max(seq), 0) FROM audit")[0][0])
