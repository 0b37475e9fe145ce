"""End to end over the radio path: fake node ↔ real meshtastic TCPInterface ↔ `meshmush serve`
process ↔ DuckDB file."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pytest

from meshmush.fakeradio import protocol as pb
from meshmush.fakeradio.node import Faults
from tests.e2e.harness import (
    PACING,
    PLAYERS,
    assert_paced,
    expected_frames,
    fake_node,
    play_like_people,
    received,
    say,
    serving,
    wait_counts,
    wait_quiet,
)

pytestmark = pytest.mark.slow  # a real serve process and radio library per test

MEET = [
    "Ana> look",
    "Bob> look",
    "Ana> say hello Bob",
    "Bob> whisper Ana psst",
    "Ana> take coin",
    "Ana> x book",
    "Ana> give coin to Bob",
    "Bob> i",
    "Bob> pay Ana 1.50",
    "Ana> bal",
    "Ana> who",
]


def _holder(db: Path, object_id: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute("SELECT holder FROM instances WHERE object_id = ?", [object_id]).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def test_two_players_meet_talk_and_trade(tmp_path: Path) -> None:
    expected = expected_frames(MEET)
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            play_like_people(node, MEET)
            time.sleep(PACING * 2)  # nothing more should come
            assert received(node) == expected
            assert served.stop() == 0
    finally:
        node.stop()
    assert all(s.size <= 200 for s in node.sent)
    assert_paced(node)
    assert _holder(served.db, "rt.coin") == pb.node_id(PLAYERS["Bob"])
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        balances = dict(con.execute("SELECT name, balance FROM players").fetchall())
    finally:
        con.close()
    assert balances == {"Ana": 650, "Bob": 350}


def test_duplicates_are_ignored(tmp_path: Path) -> None:
    node = fake_node(Faults(duplicate=1.0, seed=1))  # every message arrives twice
    try:
        with serving(tmp_path, node) as served:
            node.send_text(PLAYERS["Ana"], "look")
            node.send_text(PLAYERS["Ana"], "take coin", packet_id=4242)
            node.faults.duplicate = 0.0
            node.send_text(PLAYERS["Ana"], "take coin", packet_id=4242)  # a late rebroadcast
            node.send_text(PLAYERS["Ana"], "i")
            assert wait_counts(node, {"Ana": 3}, 20), (received(node), served.log_text())
            time.sleep(PACING * 3)
            texts = received(node)["Ana"]
            assert served.stop() == 0
    finally:
        node.stop()
    assert len(texts) == 3, texts
    assert texts[1] == "You take the old coin."
    assert texts[2].startswith("You carry: old coin.")
    con = duckdb.connect(str(served.db), read_only=True)
    try:
        journal = con.execute("SELECT command FROM journal WHERE player = ? ORDER BY seq",
                              [pb.node_id(PLAYERS["Ana"])]).fetchall()
    finally:
        con.close()
    assert [r[0] for r in journal] == ["look", "take coin", "i"]


def test_a_flood_does_not_delay_others(tmp_path: Path) -> None:
    per_answer = len(expected_frames(["Cai> x book", "Cai> x book"])["Cai"]) - len(expected_frames(["Cai> x book"])["Cai"])
    node = fake_node()
    limits = {"rate_limit": {"burst": 3, "per_minute": 6, "cooldown_s": 60}}
    try:
        with serving(tmp_path, node, overrides=limits) as served:
            for _ in range(30):  # Cai floods with a command whose answer takes several frames
                node.send_text(PLAYERS["Cai"], "x book")
                time.sleep(0.01)
            node.send_text(PLAYERS["Ana"], "look")
            node.send_text(PLAYERS["Bob"], "look")
            assert wait_counts(node, {"Ana": 1, "Bob": 1}, 30)
            assert wait_quiet(node, PACING * 4, 60)
            assert served.stop() == 0
    finally:
        node.stop()
    cai = [s.text for s in node.texts_to(PLAYERS["Cai"])]
    assert sum("The book is titled" in t for t in cai) == 3, cai  # the burst is answered,
    assert sum(t.startswith("Slow down") for t in cai) == 1, cai  # then one "slow down", then silence
    assert per_answer >= 2
    # Order, not time: pacing keeps most of Cai's frames queued when Ana's and Bob's commands
    # arrive; the fair queue sends Ana's and Bob's replies between them, where first-come
    # first-served would send every queued frame of Cai's first.
    order = [s.to for s in node.sent if s.portnum == pb.TEXT_MESSAGE_APP]
    for name in ("Ana", "Bob"):
        first = order.index(PLAYERS[name])
        assert order[first + 1 :].count(PLAYERS["Cai"]) >= per_answer, (name, order)


def _dedupe_runs(texts: list[str]) -> list[str]:
    """A frame the radio took just as the link dropped may be sent twice (at least once)."""
    out: list[str] = []
    for t in texts:
        if not out or out[-1] != t:
            out.append(t)
    return out


def test_a_disconnect_loses_no_queued_reply(tmp_path: Path) -> None:
    script = ["Ana> look", "Ana> x book", "Ana> take coin", "Ana> i"]
    expected = expected_frames(script)["Ana"]
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            for line in script:
                say(node, line)
            assert node.wait_for(lambda: len(node.texts_to(PLAYERS["Ana"])) >= 2, 20)
            node.disconnect(refuse_for=1.5)  # the link drops with frames still queued
            assert wait_counts(node, {"Ana": len(expected)}, 40), (received(node), expected)
            time.sleep(PACING * 2)
            texts = _dedupe_runs([s.text for s in node.texts_to(PLAYERS["Ana"])])
            assert served.stop() == 0
    finally:
        node.stop()
    assert texts == expected
    assert node.handshakes >= 2


def test_sigterm_sends_what_is_queued_and_exits_cleanly(tmp_path: Path) -> None:
    script = ["Ana> x book", "Ana> look", "Ana> take coin"]
    expected = expected_frames(script)["Ana"]
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            for line in script:
                say(node, line, gap=0.02)
            assert node.wait_for(lambda: len(node.texts_to(PLAYERS["Ana"])) >= 1, 20)
            code = served.stop()  # most replies are still queued
            texts = [s.text for s in node.texts_to(PLAYERS["Ana"])]
    finally:
        node.stop()
    assert code == 0, served.log_text()
    assert texts == expected
    stopped = [e["msg"] for e in served.log_entries() if str(e["msg"]).startswith("stopped:")]
    assert stopped and str(stopped[0]).endswith("0 frame(s) unsent"), stopped
    assert _holder(served.db, "rt.coin") == pb.node_id(PLAYERS["Ana"])


def test_sighup_swaps_the_image_and_keeps_sessions(tmp_path: Path) -> None:
    import shutil
    import signal

    world = tmp_path / "world"
    shutil.copytree(Path(__file__).parent / "world", world)
    node = fake_node()
    try:
        with serving(tmp_path, node, world=world) as served:
            say(node, "Ana> look")
            assert wait_counts(node, {"Ana": 1}, 20)
            rooms = world / "rooms.yaml"
            rooms.write_text(rooms.read_text().replace("with a well.", "with a dry well."))
            served.proc.send_signal(signal.SIGHUP)
            assert node.wait_for(lambda: "now running image" in served.log_text(), 20), served.log_text()
            assert "needed no change to the state" in served.log_text()  # the migration plan, logged
            say(node, "Ana> look")
            assert wait_counts(node, {"Ana": 2}, 20)
            # A broken world is refused and the running one stays.
            rooms.write_text("kind: room\nid: [oops\n")
            served.proc.send_signal(signal.SIGHUP)
            assert node.wait_for(lambda: "kept the running image" in served.log_text(), 20), served.log_text()
            say(node, "Ana> look")
            assert wait_counts(node, {"Ana": 3}, 20), (received(node), served.log_text())
            assert served.stop() == 0
    finally:
        node.stop()
    texts = [s.text for s in node.texts_to(PLAYERS["Ana"])]
    assert "A small square with a well." in texts[0]
    assert texts[1].startswith("Square\nA small square with a dry well.")  # same session: no welcome
    assert texts[2] == texts[1]


def test_a_radio_that_never_answers_is_a_clear_error(tmp_path: Path) -> None:
    node = fake_node(Faults(mute=True))
    try:
        with serving(tmp_path, node, overrides={"radio": {"connect_timeout_s": 2}}, handshake=False) as served:
            code = served.proc.wait(60)  # it gives up (connect_timeout_s 2), it does not hang
    finally:
        node.stop()
    assert code == 1
    assert "did not answer" in served.log_text() or "no answer to the configuration handshake" in served.log_text()
    assert "Traceback" not in served.log_text()


def test_channel_messages_need_the_public_prefix(tmp_path: Path) -> None:
    node = fake_node()
    try:
        with serving(tmp_path, node) as served:
            node.send_text(PLAYERS["Ana"], "look", to=pb.BROADCAST)  # ignored: no prefix set
            time.sleep(PACING * 4)
            assert not node.texts_to(PLAYERS["Ana"])
            assert served.stop() == 0
    finally:
        node.stop()
    node = fake_node()
    try:
        with serving(tmp_path / "p", node, overrides={"transport": {"public_prefix": "mush"}}) as served:
            node.send_text(PLAYERS["Ana"], "hello all", to=pb.BROADCAST)  # chatter: ignored
            node.send_text(PLAYERS["Ana"], "MUSH look", to=pb.BROADCAST)
            assert wait_counts(node, {"Ana": 1}, 20)
            time.sleep(PACING * 2)
            assert served.stop() == 0
    finally:
        node.stop()
    sent = node.texts_to(PLAYERS["Ana"])
    assert len(sent) == 1 and "Square" in sent[0].text  # answered by direct message


def test_a_full_queue_drops_the_oldest_and_keeps_it_for_more(tmp_path: Path) -> None:
    from runtime.transport.outbound import DROP_NOTICE

    node = fake_node()
    small = {"transport": {"queue_frames": 8, "pacing_s": 0.4}}
    try:
        with serving(tmp_path, node, overrides=small) as served:
            node.send_text(PLAYERS["Ana"], "look")
            assert wait_counts(node, {"Ana": 1}, 20)
            for _ in range(4):  # 4 × 3 frames cannot wait in 8 slots
                node.send_text(PLAYERS["Ana"], "x book")
            assert node.wait_for(lambda: any(s.text == DROP_NOTICE for s in node.texts_to(PLAYERS["Ana"])), 30)
            assert wait_quiet(node, 0.4 * 5, 60)  # the queue is empty
            before = len(node.texts_to(PLAYERS["Ana"]))
            node.send_text(PLAYERS["Ana"], "more")
            assert wait_counts(node, {"Ana": before + 1}, 20)
            time.sleep(0.4 * 4)
            after = [s.text for s in node.texts_to(PLAYERS["Ana"])][before:]
            assert served.stop() == 0
    finally:
        node.stop()
    assert after[0].startswith("The book is titled"), after  # the dropped page, kept for MORE
    assert all(s.size <= 200 for s in node.sent)
