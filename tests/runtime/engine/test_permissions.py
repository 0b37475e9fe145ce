"""The staff table is enforced before any handler runs: every staff command × every level.
A lower level is refused with the same reply, nothing changes, and the refusal is audited;
a level that reaches the command gets past the check (the command may still refuse its
arguments), and that is audited too.  Destructive commands take no abbreviations."""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from runtime.engine.context import Context
from runtime.engine.engine import default_modules
from runtime.engine.permissions import DENIED
from runtime.engine.registry import LEVELS, Registry, RegistryError, Verb
from runtime.engine.staff_table import BUILDER, STAFF_COMMANDS
from tests.runtime.engine.helpers import Driver
from tests.runtime.systems.staff_helpers import (
    audit_of,
    last_audit_seq,
    missing_staff_verbs,
    staff_engine,
    state_of,
)

ARGS = {
    "/where": "Bob", "/goto": "Bob", "/mute": "Bob 1m", "/unmute": "Bob", "/kick": "Bob", "/remove": "1",
    "/ban": "Bob 1m testing", "/unban": "Bob", "/summon": "Bob", "/broadcast": "hello", "/audit": "3",
    "/ledger": "Bob", "/convert_currency": "multitier --dry-run", "/grant": "builder Bob",
    "/revoke": "builder Bob", "/promote": "Bob moderator", "/demote": "Bob player", "/trust": "Bob",
    "/backup": "matrix", "/verify_backup": "19700101-000000", "/restore": "19700101-000000",
    "/delete_backup": "19700101-000000", "/backup_policy": "show", "/dig": "north Hall",
    "/describe": "A hall.", "/link": "east lab.hub", "/unlink": "east", "/create": "box", "/clone": "box",
    "/destroy": "box", "/clones": "",
}
CASES = ["player", "moderator", "admin", "sysop", "builder"]  # builder: a player with the grant
DESTRUCTIVE = {"/convert_currency", "/restore", "/delete_backup", "/ban", "/promote", "/demote", "/revoke",
               "/backup_policy"}


def _reaches(case: str, need: str) -> bool:
    if need == BUILDER:
        return case == BUILDER
    level = 0 if case == BUILDER else LEVELS[case]
    return level >= LEVELS[need]


def test_every_staff_command_has_arguments_here() -> None:
    assert set(ARGS) | {"/players", "/stats", "/backups"} == set(STAFF_COMMANDS)


@pytest.mark.parametrize("case", CASES)
def test_permission_matrix(case: str, tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "m.duckdb", sysops=("Root",), backup_dir=tmp_path / "b")
    d = Driver(eng)
    for who in ("Root", "Bob", "Actor"):
        d.send(who, "look")
    denied_replies: set[str] = set()
    try:
        for verb, need in sorted(STAFF_COMMANDS.items()):
            d.send("Root", f"setlevel Actor {'player' if case == BUILDER else case}")
            d.send("Root", f"setgrant Actor {BUILDER if case == BUILDER else '-'}")
            before, seq = state_of(eng), last_audit_seq(eng)
            command = f"{verb} {ARGS.get(verb, '')}".strip()
            reply = d.text("Actor", command)
            rows = audit_of(eng, seq)
            action = verb.lstrip("/")
            if _reaches(case, need):
                assert reply != DENIED, (case, command)
                assert rows and rows[-1][1:3] == ("Actor", action), (case, command, rows)
                assert rows[-1][4] in ("ok", "refused"), (case, command, rows)
            else:
                denied_replies.add(reply)
                assert state_of(eng) == before, (case, command)
                assert rows == [(seq + 1, "Actor", action, ARGS.get(verb, "")[:80], "denied")], (case, command)
    finally:
        eng.close()
    assert denied_replies <= {DENIED}
    if case != "sysop":
        assert denied_replies == {DENIED}


def test_the_builder_grant_is_not_a_level(tmp_path: Path) -> None:
    eng = staff_engine(tmp_path / "b.duckdb", sysops=("Ana",))
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Bob", "look")
    try:
        assert d.text("Ana", "/create box") == DENIED  # a sysop without the grant
        assert d.text("Ana", "/grant builder Ana") == "Ana is now a builder."
        assert d.text("Ana", "/create box").startswith("Created box (built.box)")
        assert d.text("Bob", "/create box") == DENIED
        assert d.text("Ana", "/grant builder Bob") == "Bob is now a builder."
        assert d.text("Bob", "/create box").startswith("Created box (built.box_2)")
        assert d.text("Bob", "/players") == DENIED  # a builder is still a player
        assert d.text("Ana", "/revoke builder Bob") == "Bob is no longer a builder."
        assert d.text("Bob", "/create box") == DENIED
    finally:
        eng.close()


def test_the_dummies_cover_only_commands_no_system_has_yet() -> None:
    assert set(missing_staff_verbs()) <= {"/remove", "/dig", "/describe", "/link", "/unlink", "/create", "/clone",
                                          "/destroy", "/clones"}


def _noop(ctx: Context) -> None:
    ctx.reply("ok")


def test_the_registry_takes_levels_from_the_table() -> None:
    reg = Registry([Verb("/players", _noop), Verb("/ban", _noop, min_level=LEVELS["admin"])], [])
    assert reg.by_name("/players") is not None and reg.by_name("/players").min_level == LEVELS["moderator"]  # type: ignore[union-attr]
    with pytest.raises(RegistryError, match="not in the staff table"):
        Registry([Verb("/frobnicate", _noop)], [])
    with pytest.raises(RegistryError, match="declares level 1, but the staff table says sysop"):
        Registry([Verb("/restore", _noop, min_level=1)], [])
    with pytest.raises(RegistryError, match="staff alias"):
        Registry([Verb("look", _noop, aliases=("/l",))], [])


def test_a_system_cannot_sneak_in_an_unlisted_staff_command() -> None:
    sneaky = types.ModuleType("sneaky")
    sneaky.VERBS = (Verb("/godmode", _noop),)  # type: ignore[attr-defined]
    with pytest.raises(RegistryError, match="/godmode"):
        Registry.collect([*default_modules(), sneaky])


def test_destructive_commands_take_no_abbreviations(tmp_path: Path) -> None:
    reg = Registry.collect(default_modules())
    present = {v.name: v for v in reg.verbs}
    for name in DESTRUCTIVE:
        assert present[name].abbreviate is False, name
    eng = staff_engine(tmp_path / "a.duckdb", sysops=("Ana",), backup_dir=tmp_path / "b")
    d = Driver(eng)
    d.send("Ana", "look")
    d.send("Bob", "look")
    try:
        for typed, full in (("/ba Bob", "/BAN"), ("/prom Bob admin", "/PROMOTE"), ("/dem Bob player", "/DEMOTE"),
                            ("/rest 19700101-000000", "/RESTORE"), ("/delete_b 19700101-000000", "/DELETE_BACKUP"),
                            ("/rev builder Bob", "/REVOKE"), ("/convert multitier", "/CONVERT_CURRENCY"),
                            ("/backup_pol keep 1 0 0", "/BACKUP_POLICY")):
            before = state_of(eng)
            reply = d.text("Ana", typed)
            assert reply.startswith(f"Unknown command '{typed.split()[0]}'."), reply
            assert full in reply or "HELP" in reply
            assert state_of(eng) == before
        assert d.text("Ana", "/pla").startswith("Online 2:")  # others may be abbreviated
    finally:
        eng.close()
