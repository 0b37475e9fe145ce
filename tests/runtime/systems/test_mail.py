"""Mail over a real database: hostile text is cleaned and stored as written (bound parameters,
never a log line), the inbox limit refuses and writes nothing, an online recipient gets one
short frame, and the unread notice comes at the next login after a restart."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.engine.io import Note
from runtime.frames import utf8_len
from tests.runtime.engine.helpers import Driver, engine
from tests.transcripts.runner import world

HOSTILE = (
    "hi\x07\x1b[2J there \u202eevil\u202c \u2066iso\u2069 \u061cmark \U000e0041tag \u200bzero"
    " 👩\u200d👩\u200d👧 '); DROP TABLE mail; --"
)
CLEAN = "hi [2J there evil iso mark tag zero 👩\u200d👩\u200d👧 '); DROP TABLE mail; --"


def _driver(path: Path, length: int = 60) -> Driver:
    w = world("games")
    return Driver(engine(path, w=replace(w, messages=replace(w.messages, length=length))))


def test_hostile_text_is_cleaned_stored_as_shown_and_never_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    d = _driver(tmp_path / "s.duckdb", length=160)
    try:
        d.send("Bob", "look")
        d.send("Bob", "quit")
        with caplog.at_level(logging.DEBUG):
            assert d.text("Ana", "mail Bob " + HOSTILE).endswith("Mail sent to Bob, who is asleep and will see it at login.")
        rows = d.engine.db.query("SELECT sender, recipient, body, read FROM mail")
        assert rows == [("Ana", "Bob", CLEAN, False)]
        assert all("DROP" not in r.getMessage() and "evil" not in r.getMessage() for r in caplog.records)
        d.engine.db.flush_events()
        events = d.engine.db.query("SELECT data FROM events WHERE kind = 'mail'")
        assert events and all("DROP" not in str(data) for (data,) in events)
        reply = d.text("Bob", "mail 1")
        assert reply.endswith(f"#1 from Ana, just now:\n{CLEAN}")
        assert d.engine.db.query("SELECT read FROM mail") == [(True,)]
    finally:
        d.engine.close()


def test_a_full_mailbox_refuses_the_sender_and_keeps_nothing(tmp_path: Path) -> None:
    d = _driver(tmp_path / "s.duckdb")
    try:
        d.send("Bob", "look")
        limit = world("games").messages.inbox
        for n in range(limit):
            assert "Mail sent to Bob." in d.text("Ana", f"mail Bob note {n}")
        assert d.text("Ana", "mail Bob one too many") == f"Bob's mailbox is full ({limit} mails). Try again later."
        assert d.engine.db.query("SELECT count(*) FROM mail") == [(limit,)]
        ok = d.engine.db.query("SELECT ok FROM journal WHERE command = 'mail Bob one too many'")
        assert ok == [(False,)]
        d.send("Bob", "mail delete 1")
        assert "Mail sent to Bob." in d.text("Ana", "mail Bob room again")
    finally:
        d.engine.close()


def test_an_online_recipient_gets_one_short_frame(tmp_path: Path) -> None:
    d = _driver(tmp_path / "s.duckdb")
    try:
        d.send("Bob", "look")
        d.send("Ana", "look")
        out = d.send("Ana", "mail Bob " + "x" * 60)
        to_bob = [o for o in out if o.to == "Bob"]
        assert len(to_bob) == 1 and to_bob[0].kind == "notice"
        assert to_bob[0].notes == (Note("New mail from Ana. MAIL 1 reads it.", personal=True),)
        assert to_bob[0].text == "New mail from Ana. MAIL 1 reads it."
        assert utf8_len(to_bob[0].text) < 60
    finally:
        d.engine.close()


def test_the_unread_notice_comes_at_the_next_login_after_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    d = _driver(path)
    d.send("Bob", "look")
    d.send("Ana", "mail Bob one")
    d.send("Ana", "mail Bob two")
    d.engine.close()
    d = _driver(path)
    try:
        d.now = 3 * 3_600_000
        first = d.text("Bob", "look")
        assert first.startswith("You have 2 unread mails. Type MAIL.\nHall")
        assert d.text("Bob", "look").startswith("Hall")  # once per login
        assert d.text("Bob", "mail") == "Mail: 2, 2 new. MAIL N reads:\n1*Ana 3h: one\n2*Ana 3h: two"
    finally:
        d.engine.close()
