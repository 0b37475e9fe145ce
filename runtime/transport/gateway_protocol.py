"""What gateways and the server say to each other over MQTT: topics and JSON payloads, version 1
(docs/gateways.md is the reference; keep the two in step).

Topics, under a configurable prefix (``[mqtt] topic_prefix``, default ``meshmush``)::

    PREFIX/v1/gw/ID/in       gateway → server  a text the radio received (QoS 1)
    PREFIX/v1/gw/ID/out      server → gateway  messages for players, in delivery classes (QoS 1)
    PREFIX/v1/gw/ID/dropped  gateway → server  a reply the gateway's full queue handed back (QoS 1)
    PREFIX/v1/gw/ID/stats    gateway → server  traffic, airtime and queue depth (QoS 1)
    PREFIX/v1/gw/ID/status   gateway → all     liveness, retained; the gateway's will says offline

Every payload is a UTF-8 JSON object with ``"v": 1``.  A receiver ignores keys it does not know
(later versions may add some) and refuses a payload of another ``v`` or with a wrong field:
anyone who may publish on the broker could send anything, so every field is checked here, and
``WireError`` says what was wrong.  Nothing here does I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runtime.engine.io import Kind, Note, Outgoing

VERSION = 1
MAX_IN_BYTES = 8 * 1024  # one received text (a radio text is at most ~233 bytes)
MAX_OUT_BYTES = 4 * 1024 * 1024  # one batch of messages for a crowd
MAX_TEXT = 64 * 1024  # characters in one message's text
BROADCAST = 0xFFFFFFFF


class WireError(ValueError):
    """A payload that does not follow the protocol; the message says which field."""


# --------------------------------------------------------------------------- topics
@dataclass(frozen=True)
class Topics:
    prefix: str

    def base(self, gateway: str) -> str:
        return f"{self.prefix}/v{VERSION}/gw/{gateway}"

    def inbound(self, gateway: str) -> str:
        return self.base(gateway) + "/in"

    def outbound(self, gateway: str) -> str:
        return self.base(gateway) + "/out"

    def dropped(self, gateway: str) -> str:
        return self.base(gateway) + "/dropped"

    def stats(self, gateway: str) -> str:
        return self.base(gateway) + "/stats"

    def status(self, gateway: str) -> str:
        return self.base(gateway) + "/status"

    def server_subscriptions(self) -> list[str]:
        """What ``serve --mqtt`` subscribes to: every gateway's upward topics."""
        return [self.base("+") + f"/{leaf}" for leaf in ("in", "dropped", "stats", "status")]

    def parse(self, topic: str) -> tuple[str, str] | None:
        """``(gateway id, leaf)`` of one of our gateway topics, or None."""
        head = f"{self.prefix}/v{VERSION}/gw/"
        if not topic.startswith(head):
            return None
        gateway, sep, leaf = topic[len(head):].partition("/")
        if not sep or not gateway or "/" in leaf:
            return None
        return gateway, leaf


# --------------------------------------------------------------------------- payloads
@dataclass(frozen=True)
class Heard:
    """A text one gateway's radio received (``in``)."""

    gateway: str
    node: str  # "!a1b2c3d4"
    packet_id: int
    text: str
    time_ms: int  # when the gateway heard it (its clock)
    direct: bool = True  # a DM to the gateway's node; False: a channel message
    channel: int = 0
    name: str | None = None  # the sender's long name, as this radio knows it
    snr: float | None = None  # dB, as this radio received it
    hops: int | None = None  # hops the packet took to reach this radio (0: heard directly)
    pki: bool = False  # the radio's firmware decrypted it with the sender's public key
    public_key: str = ""  # that key (base64), with pki
    node_key: str = ""  # the sender's key in this radio's node list (base64)


@dataclass(frozen=True)
class Status:
    """A gateway's liveness (``status``, retained)."""

    gateway: str
    online: bool
    time_ms: int = 0
    radio_up: bool | None = None
    node: str | None = None  # the gateway's own radio node id


@dataclass(frozen=True)
class Dropped:
    """A reply the gateway's full queue handed back; the server keeps it for MORE (``dropped``)."""

    gateway: str
    to: str
    text: str
    frames: int


@dataclass(frozen=True)
class GatewayFigures:
    """What a gateway reports about itself (``stats``)."""

    gateway: str
    time_ms: int
    uptime_s: float
    radio_up: bool
    heard: int  # texts received from the radio and published
    frames_sent: int
    bytes_sent: int
    airtime_s: float  # estimated time on the air (runtime.transport.airtime)
    send_failures: int
    reply_frames: int  # waiting in its queue now
    notice_lines: int
    queue_peak: int
    dropped_frames: int  # replies handed back for MORE


def _dumps(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _load(payload: bytes, limit: int) -> dict[str, Any]:
    if len(payload) > limit:
        raise WireError(f"payload too large ({len(payload)} bytes, at most {limit})")
    try:
        obj = json.loads(payload.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise WireError("payload is not UTF-8") from None
    except ValueError as exc:
        raise WireError(f"payload is not JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise WireError("payload is not a JSON object")
    v = obj.get("v")
    if v != VERSION:
        raise WireError(f"unsupported version {v!r} (this program speaks version {VERSION})")
    return obj


def valid_node_id(node: object) -> bool:
    """``!`` and eight lowercase hex digits, neither 0 nor the broadcast address."""
    if not isinstance(node, str) or len(node) != 9 or node[0] != "!":
        return False
    digits = node[1:]
    if any(c not in "0123456789abcdef" for c in digits):
        return False
    return int(digits, 16) not in (0, BROADCAST)


def _str(obj: Mapping[str, Any], key: str, *, limit: int = MAX_TEXT, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise WireError(f"'{key}' must be a string")
    if len(value) > limit:
        raise WireError(f"'{key}' is too long ({len(value)} characters, at most {limit})")
    return value


def _int(obj: Mapping[str, Any], key: str, low: int, high: int, default: int | None = None) -> int:
    value = obj.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise WireError(f"'{key}' must be a whole number from {low} to {high}")
    return value


def _bool(obj: Mapping[str, Any], key: str, default: bool | None = None) -> bool:
    value = obj.get(key, default)
    if not isinstance(value, bool):
        raise WireError(f"'{key}' must be true or false")
    return value


def _float(obj: Mapping[str, Any], key: str, low: float, high: float, default: float | None = None) -> float:
    value = obj.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not low <= value <= high:
        raise WireError(f"'{key}' must be a number from {low:g} to {high:g}")
    return float(value)


def _node(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if not valid_node_id(value):
        raise WireError(f"'{key}' must be a node id like !a1b2c3d4")
    assert isinstance(value, str)
    return value


def _gateway(obj: Mapping[str, Any], expected: str) -> str:
    gateway = _str(obj, "gateway", limit=64)
    if gateway != expected:
        raise WireError(f"'gateway' is {gateway!r} on the topic of gateway {expected!r}")
    return gateway


# ---- in
def encode_heard(h: Heard) -> bytes:
    obj: dict[str, Any] = {"v": VERSION, "gateway": h.gateway, "node": h.node, "packet_id": h.packet_id,
                           "text": h.text, "time": h.time_ms, "direct": h.direct}
    if h.channel:
        obj["channel"] = h.channel
    if h.name is not None:
        obj["name"] = h.name
    if h.snr is not None:
        obj["snr"] = round(h.snr, 2)
    if h.hops is not None:
        obj["hops"] = h.hops
    if h.pki:
        obj["pki"] = True
    if h.public_key:
        obj["public_key"] = h.public_key
    if h.node_key:
        obj["node_key"] = h.node_key
    return _dumps(obj)


def decode_heard(payload: bytes, gateway: str) -> Heard:
    obj = _load(payload, MAX_IN_BYTES)
    name = obj.get("name")
    if name is not None and (not isinstance(name, str) or len(name) > 64):
        raise WireError("'name' must be a string of at most 64 characters")
    snr = obj.get("snr")
    hops = obj.get("hops")
    return Heard(
        gateway=_gateway(obj, gateway),
        node=_node(obj, "node"),
        packet_id=_int(obj, "packet_id", 0, BROADCAST),
        text=_str(obj, "text", limit=MAX_IN_BYTES),
        time_ms=_int(obj, "time", 0, 2**53),
        direct=_bool(obj, "direct", True),
        channel=_int(obj, "channel", 0, 255, 0),
        name=name,
        snr=None if snr is None else _float(obj, "snr", -100.0, 100.0),
        hops=None if hops is None else _int(obj, "hops", 0, 15),
        pki=_bool(obj, "pki", False),
        public_key=_key(obj, "public_key"),
        node_key=_key(obj, "node_key"),
    )


_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")


def _key(obj: Mapping[str, Any], key: str) -> str:
    value = _str(obj, key, limit=64, default="")
    if any(c not in _BASE64 for c in value):
        raise WireError(f"'{key}' must be base64")
    return value


# ---- out
def _note_obj(n: Note) -> Any:
    if not n.personal and n.tag is None:
        return n.text  # the common case, compact
    obj: dict[str, Any] = {"text": n.text}
    if n.personal:
        obj["personal"] = True
    if n.tag is not None:
        obj["tag"] = list(n.tag)
    return obj


def _outgoing_obj(o: Outgoing) -> dict[str, Any]:
    obj: dict[str, Any] = {"to": o.to}
    if o.kind != "reply":
        obj["kind"] = o.kind
    if o.notes:
        obj["notes"] = [_note_obj(n) for n in o.notes]
    else:
        obj["text"] = o.text
    if o.frames:
        obj["frames"] = list(o.frames)
    if o.newcomer:
        obj["newcomer"] = True
    return obj


def encode_outgoing(messages: Sequence[Outgoing]) -> bytes:
    return _dumps({"v": VERSION, "messages": [_outgoing_obj(o) for o in messages]})


def _decode_note(item: object) -> Note:
    if isinstance(item, str):
        if len(item) > MAX_TEXT:
            raise WireError("a note is too long")
        return Note(item)
    if not isinstance(item, dict):
        raise WireError("a note must be a string or an object")
    text = _str(item, "text")
    personal = _bool(item, "personal", False)
    tag_raw = item.get("tag")
    tag: tuple[str, str, int] | None = None
    if tag_raw is not None:
        if (not isinstance(tag_raw, list) or len(tag_raw) != 3 or not isinstance(tag_raw[0], str)
                or not isinstance(tag_raw[1], str) or tag_raw[2] not in (1, -1) or isinstance(tag_raw[2], bool)
                or len(tag_raw[0]) > 256 or len(tag_raw[1]) > 256):
            raise WireError("a note's 'tag' must be [actor, room, 1 or -1]")
        tag = (tag_raw[0], tag_raw[1], int(tag_raw[2]))
    return Note(text, personal, tag)


def _decode_outgoing(item: object) -> Outgoing:
    if not isinstance(item, dict):
        raise WireError("each message must be an object")
    to = _node(item, "to")
    kind_raw = item.get("kind", "reply")
    if kind_raw not in ("reply", "notice"):
        raise WireError("'kind' must be \"reply\" or \"notice\"")
    kind: Kind = "notice" if kind_raw == "notice" else "reply"
    notes_raw = item.get("notes", [])
    if not isinstance(notes_raw, list) or len(notes_raw) > 4096:
        raise WireError("'notes' must be a list (of at most 4096 notes)")
    notes = tuple(_decode_note(n) for n in notes_raw)
    frames_raw = item.get("frames", [])
    if not isinstance(frames_raw, list) or len(frames_raw) > 256 or not all(
            isinstance(f, str) and len(f) <= 1024 for f in frames_raw):
        raise WireError("'frames' must be a list of strings")
    text = "\n".join(n.text for n in notes) if notes and "text" not in item else _str(item, "text", default="")
    return Outgoing(to, text, tuple(frames_raw), kind, notes, _bool(item, "newcomer", False))


def decode_outgoing(payload: bytes) -> list[Outgoing]:
    obj = _load(payload, MAX_OUT_BYTES)
    messages = obj.get("messages")
    if not isinstance(messages, list):
        raise WireError("'messages' must be a list")
    return [_decode_outgoing(m) for m in messages]


# ---- dropped
def encode_dropped(d: Dropped) -> bytes:
    return _dumps({"v": VERSION, "gateway": d.gateway, "to": d.to, "text": d.text, "frames": d.frames})


def decode_dropped(payload: bytes, gateway: str) -> Dropped:
    obj = _load(payload, MAX_OUT_BYTES)
    return Dropped(_gateway(obj, gateway), _node(obj, "to"), _str(obj, "text"), _int(obj, "frames", 0, 1 << 20, 0))


# ---- status
def encode_status(s: Status) -> bytes:
    obj: dict[str, Any] = {"v": VERSION, "gateway": s.gateway, "online": s.online}
    if s.time_ms:
        obj["time"] = s.time_ms
    if s.radio_up is not None:
        obj["radio"] = "up" if s.radio_up else "down"
    if s.node is not None:
        obj["node"] = s.node
    return _dumps(obj)


def decode_status(payload: bytes, gateway: str) -> Status:
    obj = _load(payload, MAX_IN_BYTES)
    radio = obj.get("radio")
    if radio not in (None, "up", "down"):
        raise WireError("'radio' must be \"up\" or \"down\"")
    node = obj.get("node")
    if node is not None and not valid_node_id(node):
        raise WireError("'node' must be a node id like !a1b2c3d4")
    return Status(_gateway(obj, gateway), _bool(obj, "online"), _int(obj, "time", 0, 2**53, 0),
                  None if radio is None else radio == "up", node)


# ---- stats
_COUNTS = ("heard", "frames_sent", "bytes_sent", "send_failures", "reply_frames", "notice_lines", "queue_peak",
           "dropped_frames")


def encode_figures(f: GatewayFigures) -> bytes:
    obj: dict[str, Any] = {"v": VERSION, "gateway": f.gateway, "time": f.time_ms, "uptime_s": round(f.uptime_s, 1),
                           "radio": "up" if f.radio_up else "down", "airtime_s": round(f.airtime_s, 2)}
    for key in _COUNTS:
        obj[key] = getattr(f, key)
    return _dumps(obj)


def decode_figures(payload: bytes, gateway: str) -> GatewayFigures:
    obj = _load(payload, MAX_IN_BYTES)
    radio = obj.get("radio")
    if radio not in ("up", "down"):
        raise WireError("'radio' must be \"up\" or \"down\"")
    counts = {key: _int(obj, key, 0, 2**53, 0) for key in _COUNTS}
    return GatewayFigures(
        gateway=_gateway(obj, gateway),
        time_ms=_int(obj, "time", 0, 2**53),
        uptime_s=_float(obj, "uptime_s", 0, 1e12, 0),
        radio_up=radio == "up",
        airtime_s=_float(obj, "airtime_s", 0, 1e12, 0),
        **counts,
    )
