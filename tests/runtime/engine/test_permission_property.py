"""Property: no sequence of commands from players (and a moderator) raises anyone's level,
gives anyone a grant, or writes an audit row in someone else's name — whatever they type,
in whatever batches, over the radio (plain or with any key) or locally."""

from __future__ import annotations

import base64

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.engine.io import Incoming
from runtime.engine.registry import LEVELS
from runtime.engine.staff_table import STAFF_COMMANDS
from tests.runtime.systems.staff_helpers import staff_engine

ACTORS = ["P1", "P2", "P3", "M1"]
TARGETS = [*ACTORS, "Root", "!a1b2c3d4", "Nobody", ""]
WORDS = ["player", "moderator", "admin", "sysop", "builder", "1m", "2h", "keep", "every", "show", "off", "3",
         "19700101-000000", "../x", "multitier", "--dry-run"]

staff_command = st.builds(
    lambda verb, words: " ".join([verb, *words]).strip(),
    st.sampled_from([*sorted(STAFF_COMMANDS), "/pla", "/prom", "/ba", "/gra"]),
    st.lists(st.one_of(st.sampled_from(TARGETS), st.sampled_from(WORDS), st.text(max_size=8)), max_size=4),
)
# What would raise a level or a grant if a check were missing (a run with /promote, /grant or
# /trust lowered to moderator in the staff table fails within a few examples).
ATTACKS = [
    *(f"/promote {t} {lvl}" for t in [*ACTORS, "Root"] for lvl in ("moderator", "admin", "sysop")),
    *(f"/grant builder {t}" for t in [*ACTORS, "Root"]),
    *(f"/demote {t} player" for t in ("Root", "M1")),
    *(f"/trust {t}" for t in ACTORS),
    "/prom P1 sysop", "/gra builder M1",
]
attack = st.sampled_from(ATTACKS)
plain_command = st.sampled_from(["look", "n", "s", "say hi", "pay P2 1.00", "help", "who", "quit", "i",
                                 "promote P1 sysop", "grant builder P1", "/"])
step = st.tuples(
    st.sampled_from(ACTORS),
    st.one_of(attack, attack, attack, staff_command, plain_command, st.text(max_size=30)),
    st.sampled_from([True, True, True, False]),  # a PKI-flagged DM (mostly, as phone apps send)
    st.sampled_from(["own", "own", "own", "other"]),  # the actor's own radio key, or another
)


def _key(who: str) -> str:
    return base64.b64encode(who.encode().ljust(32, b".")).decode()


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.lists(step, min_size=1, max_size=4), min_size=1, max_size=8), radio=st.booleans())
def test_no_command_sequence_raises_a_level_or_forges_an_audit_row(
    batches: list[list[tuple[str, str, bool, str]]], radio: bool
) -> None:
    eng = staff_engine(None, sysops=("Root",), verify_keys=radio, extra=False)  # the game's verbs only
    now = 1000
    root_key = _key("Root")
    try:
        for who in ["Root", *ACTORS]:
            now += 1000
            eng.handle(who, "look", now)
        made = eng.handle_batch([Incoming("Root", "/promote M1 moderator", now + 1, None, pki=True, public_key=root_key, node_key=root_key)])
        assert [o.text for o in made if o.to == "Root"] == ["M1 is now moderator."]
        levels = dict(eng.db.query("SELECT key, level FROM players"))
        grants = eng.db.query("SELECT player, grant_name FROM staff_grants")
        seq = int(eng.db.query("SELECT coalesce(max(seq), 0) FROM audit")[0][0])
        for batch in batches:
            now += 1000
            commands = []
            for i, (who, text, pki, which) in enumerate(batch):
                key = _key(who) if which == "own" else _key("someone else")
                commands.append(Incoming(who, text, now + i, None, pki=pki, public_key=key if pki else "", node_key=_key(who)))
            eng.handle_batch(commands)
            senders = {c.player for c in commands}
            for (actor,) in eng.db.query("SELECT actor FROM audit WHERE seq > ?", [seq]):
                assert actor in senders, (actor, batch)
            seq = int(eng.db.query("SELECT coalesce(max(seq), 0) FROM audit")[0][0])
            for key, level in eng.db.query("SELECT key, level FROM players"):
                assert LEVELS[level] <= LEVELS[levels.get(key, "player")], (key, level, batch)
            assert eng.db.query("SELECT player, grant_name FROM staff_grants") == grants
    finally:
        eng.close()
