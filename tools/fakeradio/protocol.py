"""The Meshtastic stream protocol, written by hand for the fake node (no GPL code imported).

Framing (serial and TCP alike): ``0x94 0xC3``, a 2-byte big-endian length, then one protobuf
message — ``ToRadio`` from the client, ``FromRadio`` from the node.  Only the fields the fake
node needs are encoded; field numbers are those of ``meshtastic/protobuf/mesh.proto``,
``config.proto`` and ``channel.proto``.  Protobuf wire format: a key is
``field_number << 3 | wire_type`` as a varint; wire type 0 varint, 1 fixed64,
2 length-delimited, 5 fixed32.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

START1 = 0x94
START2 = 0xC3
MAX_PAYLOAD = 512  # the firmware's limit for one stream frame
BROADCAST = 0xFFFFFFFF
TEXT_MESSAGE_APP = 1
NODEINFO_APP = 4

VARINT, FIXED64, LEN, FIXED32 = 0, 1, 2, 5


class ProtocolError(Exception):
    """A malformed protobuf message."""


# --------------------------------------------------------------------------- encoding
def varint(value: int) -> bytes:
    if value < 0:
        value &= (1 << 64) - 1  # negative int32/int64: ten bytes, two's complement
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return varint(field << 3 | wire)


def f_varint(field: int, value: int | bool) -> bytes:
    return _key(field, VARINT) + varint(int(value))


def f_fixed32(field: int, value: int) -> bytes:
    return _key(field, FIXED32) + struct.pack("<I", value & 0xFFFFFFFF)


def f_float(field: int, value: float) -> bytes:
    return _key(field, FIXED32) + struct.pack("<f", value)


def f_bytes(field: int, value: bytes) -> bytes:
    return _key(field, LEN) + varint(len(value)) + value


def f_str(field: int, value: str) -> bytes:
    return f_bytes(field, value.encode("utf-8"))


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"a stream frame holds at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    return bytes((START1, START2)) + struct.pack(">H", len(payload)) + payload


# --------------------------------------------------------------------------- decoding
Fields = dict[int, list[int | bytes]]


def decode(data: bytes) -> Fields:
    """Every field of one message: number → values in order (varints and fixed as ints,
    length-delimited as bytes).  Raises ProtocolError on truncated or unknown wire types."""
    fields: Fields = {}
    pos = 0
    n = len(data)

    def read_varint() -> int:
        nonlocal pos
        shift = result = 0
        while True:
            if pos >= n:
                raise ProtocolError("truncated varint")
            b = data[pos]
            pos += 1
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 70:
                raise ProtocolError("varint too long")

    while pos < n:
        key = read_varint()
        number, wire = key >> 3, key & 7
        value: int | bytes
        if wire == VARINT:
            value = read_varint()
        elif wire == FIXED64:
            if pos + 8 > n:
                raise ProtocolError("truncated fixed64")
            value = struct.unpack_from("<Q", data, pos)[0]
            pos += 8
        elif wire == LEN:
            size = read_varint()
            if pos + size > n:
                raise ProtocolError("truncated field")
            value = data[pos : pos + size]
            pos += size
        elif wire == FIXED32:
            if pos + 4 > n:
                raise ProtocolError("truncated fixed32")
            value = struct.unpack_from("<I", data, pos)[0]
            pos += 4
        else:
            raise ProtocolError(f"unsupported wire type {wire}")
        fields.setdefault(number, []).append(value)
    return fields


def first_int(fields: Fields, number: int, default: int = 0) -> int:
    for v in fields.get(number, ()):
        if isinstance(v, int):
            return v
    return default


def first_bytes(fields: Fields, number: int) -> bytes | None:
    for v in fields.get(number, ()):
        if isinstance(v, bytes):
            return v
    return None


class Deframer:
    """Cuts a byte stream into payloads; skips noise (the client's 32 wake-up bytes) and
    resynchronises after a frame that claims an impossible length."""

    def __init__(self) -> None:
        self._buf = bytearray()

    def feed(self, data: bytes) -> Iterator[bytes]:
        self._buf += data
        buf = self._buf
        while True:
            start = buf.find(START1)
            if start < 0:
                buf.clear()
                return
            if start:
                del buf[:start]
            if len(buf) < 2:
                return
            if buf[1] != START2:
                del buf[:1]
                continue
            if len(buf) < 4:
                return
            size = (buf[2] << 8) | buf[3]
            if size > MAX_PAYLOAD:
                del buf[:1]
                continue
            if len(buf) < 4 + size:
                return
            payload = bytes(buf[4 : 4 + size])
            del buf[: 4 + size]
            yield payload


# --------------------------------------------------------------------------- messages
@dataclass(frozen=True)
class ToRadio:
    """What the fake node understands of a client's message."""

    want_config_id: int | None = None
    disconnect: bool = False
    heartbeat: bool = False
    packet: Packet | None = None


@dataclass(frozen=True)
class Packet:
    sender: int
    to: int
    packet_id: int
    portnum: int
    payload: bytes
    channel: int = 0
    want_ack: bool = False
    hop_limit: int = 0
    public_key: bytes = b""  # MeshPacket.public_key (16): the sender's key of a PKI DM
    pki_encrypted: bool = False  # MeshPacket.pki_encrypted (17)

    @property
    def text(self) -> str:
        return self.payload.decode("utf-8", errors="replace")


def parse_packet(data: bytes) -> Packet:
    f = decode(data)
    decoded = first_bytes(f, 4)
    portnum, payload = 0, b""
    if decoded is not None:
        d = decode(decoded)
        portnum = first_int(d, 1)
        payload = first_bytes(d, 2) or b""
    return Packet(
        sender=first_int(f, 1),
        to=first_int(f, 2),
        packet_id=first_int(f, 6),
        portnum=portnum,
        payload=payload,
        channel=first_int(f, 3),
        want_ack=bool(first_int(f, 10)),
        hop_limit=first_int(f, 9),
    )


def parse_to_radio(data: bytes) -> ToRadio:
    f = decode(data)
    packet = first_bytes(f, 1)
    return ToRadio(
        want_config_id=first_int(f, 3) if 3 in f else None,
        disconnect=bool(first_int(f, 4)),
        heartbeat=7 in f,
        packet=parse_packet(packet) if packet is not None else None,
    )


def encode_packet(p: Packet, rx_time: int = 0, hop_start: int = 3, rx_snr: float | None = None,
                  hops: int | None = None) -> bytes:
    """A received ``MeshPacket``: ``rx_snr`` (dB) and ``hops`` (hops taken: ``hop_limit`` is
    ``hop_start - hops``) are how our radio heard it."""
    data = f_varint(1, p.portnum) + f_bytes(2, p.payload)
    out = (
        f_fixed32(1, p.sender)
        + f_fixed32(2, p.to)
        + (f_varint(3, p.channel) if p.channel else b"")
        + f_bytes(4, data)
        + f_fixed32(6, p.packet_id)
    )
    if rx_time:
        out += f_fixed32(7, rx_time)
    if rx_snr is not None:
        out += f_float(8, rx_snr)
    hop_limit = max(0, hop_start - hops) if hops is not None else (p.hop_limit or hop_start)
    if hop_limit:
        out += f_varint(9, hop_limit)
    out += f_varint(15, hop_start)
    if p.public_key:
        out += f_bytes(16, p.public_key)
    if p.pki_encrypted:
        out += f_varint(17, True)
    return out


def from_radio(msg_id: int, field: int, body: bytes | int) -> bytes:
    """One ``FromRadio``: its ``id`` and one variant (a message body or a varint)."""
    head = f_varint(1, msg_id)
    if isinstance(body, int):
        return head + f_varint(field, body)
    return head + f_bytes(field, body)


FR_PACKET, FR_MY_INFO, FR_NODE_INFO, FR_CONFIG, FR_CONFIG_COMPLETE, FR_CHANNEL, FR_QUEUE_STATUS = 2, 3, 4, 5, 7, 10, 11


def my_info(node_num: int) -> bytes:
    return f_varint(1, node_num) + f_varint(11, 30200)  # my_node_num, min_app_version


def user(user_id: str, long_name: str, short_name: str, public_key: bytes = b"") -> bytes:
    """A ``User``: id, long and short name, and (8) its public key."""
    out = f_str(1, user_id) + f_str(2, long_name) + f_str(3, short_name)
    return out + (f_bytes(8, public_key) if public_key else b"")


def node_info(num: int, user_id: str, long_name: str, short_name: str, last_heard: int = 0,
              public_key: bytes = b"") -> bytes:
    out = f_varint(1, num) + f_bytes(2, user(user_id, long_name, short_name, public_key))
    if last_heard:
        out += f_fixed32(5, last_heard)
    return out


def lora_config(hop_limit: int) -> bytes:
    lora = f_varint(1, True) + f_varint(7, 3) + f_varint(8, hop_limit) + f_varint(9, True)  # preset, EU_868
    return f_bytes(6, lora)


def primary_channel() -> bytes:
    settings = f_bytes(2, b"\x01")  # the default key
    return f_varint(1, 0) + f_bytes(2, settings) + f_varint(3, 1)  # index 0, PRIMARY


def queue_status(packet_id: int, free: int, maxlen: int, res: int = 0) -> bytes:
    return f_varint(1, res) + f_varint(2, free) + f_varint(3, maxlen) + f_varint(4, packet_id)


def node_id(num: int) -> str:
    return f"!{num & 0xFFFFFFFF:08x}"
