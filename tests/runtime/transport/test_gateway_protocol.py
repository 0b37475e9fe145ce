"""The gateway wire protocol (docs/gateways.md): every payload round-trips, and anything a hostile
publisher could send is refused with a message naming the field."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.engine.io import Note, Outgoing
from runtime.transport import gateway_protocol as wire

ROOT = Path(__file__).resolve().parents[3]


def test_topics() -> None:
    t = wire.Topics("mesh/world1")
    assert t.inbound("hill-a") == "mesh/world1/v1/gw/hill-a/in"
    assert t.outbound("hill-a") == "mesh/world1/v1/gw/hill-a/out"
    assert t.status("x") == "mesh/world1/v1/gw/x/status"
    assert t.server_subscriptions() == [f"mesh/world1/v1/gw/+/{leaf}" for leaf in ("in", "dropped", "stats", "status")]
    assert t.parse("mesh/world1/v1/gw/hill-a/in") == ("hill-a", "in")
    assert t.parse("mesh/world1/v2/gw/hill-a/in") is None
    assert t.parse("mesh/world1/v1/gw/hill-a") is None
    assert t.parse("mesh/world1/v1/gw/hill-a/in/more") is None


def test_heard_round_trip() -> None:
    h = wire.Heard("hill-a", "!a1b2c3d4", 0xDEADBEEF, "look ✓", 1_700_000_000_123, True, 0, "Ana", -7.25, 2)
    assert wire.decode_heard(wire.encode_heard(h), "hill-a") == h
    key = "q83vEjRWeJASNFZ4kBI0VniQEjRWeJASNFZ4kBI0Vng="
    pki = wire.Heard("hill-a", "!a1b2c3d4", 7, "/stats", 1, pki=True, public_key=key, node_key=key)
    assert wire.decode_heard(wire.encode_heard(pki), "hill-a") == pki
    bare = wire.Heard("g", "!00000001", 0, "x", 0)
    assert wire.decode_heard(wire.encode_heard(bare), "g") == bare


def test_outgoing_keeps_the_delivery_classes() -> None:
    messages = [
        Outgoing("!11111111", "You take the coin.", ("You take the coin.",)),
        Outgoing("!22222222", "Ana arrives.\nAna waves.", kind="notice",
                 notes=(Note("Ana arrives.", tag=("!11111111", "rt.square", 1)), Note("Ana waves."))),
        Outgoing("!33333333", "Ana whispers: hi", kind="notice", notes=(Note("Ana whispers: hi", personal=True),)),
        Outgoing("!44444444", "Welcome!", newcomer=True),
    ]
    assert wire.decode_outgoing(wire.encode_outgoing(messages)) == messages


def test_status_stats_and_dropped_round_trip() -> None:
    s = wire.Status("g1", True, 123, True, "!4d455348")
    assert wire.decode_status(wire.encode_status(s), "g1") == s
    assert wire.decode_status(wire.encode_status(wire.Status("g1", False)), "g1") == wire.Status("g1", False)
    f = wire.GatewayFigures("g1", 5, 60.5, False, 3, 10, 2000, 19.25, 1, 4, 7, 12, 2)
    assert wire.decode_figures(wire.encode_figures(f), "g1") == f
    d = wire.Dropped("g1", "!11111111", "a long page", 3)
    assert wire.decode_dropped(wire.encode_dropped(d), "g1") == d


def _heard(**changes: object) -> bytes:
    obj: dict[str, object] = {"v": 1, "gateway": "g", "node": "!a1b2c3d4", "packet_id": 5, "text": "look", "time": 1}
    obj.update(changes)
    return json.dumps({k: v for k, v in obj.items() if v is not ...}).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (_heard(v=2), "unsupported version 2"),
        (_heard(v=...), "unsupported version None"),
        (_heard(node="!A1B2C3D4"), "'node' must be a node id"),
        (_heard(node="!ffffffff"), "'node' must be a node id"),
        (_heard(node="!00000000"), "'node' must be a node id"),
        (_heard(node=12), "'node' must be a node id"),
        (_heard(gateway="other"), "'gateway' is 'other' on the topic of gateway 'g'"),
        (_heard(packet_id=-1), "'packet_id' must be a whole number"),
        (_heard(packet_id=True), "'packet_id' must be a whole number"),
        (_heard(packet_id=2**32), "'packet_id' must be a whole number"),
        (_heard(text=None), "'text' must be a string"),
        (_heard(snr="loud"), "'snr' must be a number"),
        (_heard(snr=1e309), "not JSON"),  # json.dumps writes Infinity; our reader refuses it
        (_heard(hops=99), "'hops' must be a whole number from 0 to 15"),
        (_heard(name="x" * 65), "'name' must be a string of at most 64"),
        (_heard(direct="yes"), "'direct' must be true or false"),
        (_heard(pki=1), "'pki' must be true or false"),
        (_heard(public_key="not base64!"), "'public_key' must be base64"),
        (_heard(node_key="A" * 65), "'node_key' is too long"),
        (b"{" + b" " * 10000 + b"}", "payload too large"),
    ],
)
def test_hostile_inbound_payloads_are_refused(payload: bytes, message: str) -> None:
    with pytest.raises(wire.WireError, match=message.replace("(", r"\(")):
        wire.decode_heard(payload, "g")


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ("nope", "'messages' must be a list"),
        ([1], "each message must be an object"),
        ([{"to": "Ana", "text": "x"}], "'to' must be a node id"),
        ([{"to": "!11111111", "text": "x", "kind": "shout"}], "'kind' must be"),
        ([{"to": "!11111111", "notes": [{"text": "x", "tag": ["a", "b", 2]}], "kind": "notice"}], "'tag' must be"),
        ([{"to": "!11111111", "notes": [3]}], "a note must be a string or an object"),
        ([{"to": "!11111111", "text": "x", "frames": [1]}], "'frames' must be a list of strings"),
        ([{"to": "!11111111", "text": 5}], "'text' must be a string"),
        ([{"to": "!11111111", "text": "x", "newcomer": 1}], "'newcomer' must be true or false"),
    ],
)
def test_hostile_outbound_payloads_are_refused(messages: object, message: str) -> None:
    with pytest.raises(wire.WireError, match=message):
        wire.decode_outgoing(json.dumps({"v": 1, "messages": messages}).encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_garbage_never_escapes_as_anything_but_a_wire_error(payload: bytes) -> None:
    for decode in (lambda p: wire.decode_heard(p, "g"), wire.decode_outgoing, lambda p: wire.decode_status(p, "g"),
                   lambda p: wire.decode_figures(p, "g"), lambda p: wire.decode_dropped(p, "g")):
        with contextlib.suppress(wire.WireError):
            decode(payload)


def test_the_docs_describe_every_topic_and_field() -> None:
    doc = (ROOT / "docs" / "gateways.md").read_text(encoding="utf-8")
    for leaf in ("/in", "/out", "/dropped", "/stats", "/status"):
        assert f"PREFIX/v1/gw/ID{leaf}" in doc
    for field in ("packet_id", "snr", "hops", "time", "direct", "channel", "name", "messages", "kind", "notes",
                  "frames", "newcomer", "personal", "tag", "online", "radio", "airtime_s", "reply_frames",
                  "notice_lines", "dropped_frames", "frames_sent", "queue_peak", "pki", "public_key", "node_key"):
        assert f"`{field}`" in doc, field
