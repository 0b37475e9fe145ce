"""The Meshtastic stream protocol for the fake node, with the protobuf classes ``meshtastic``
ships (``meshtastic.protobuf.mesh_pb2`` …), so field numbers and types are the library's own.

Importing the GPL-licensed ``meshtastic`` here is the one documented exception to the rule that
only ``runtime/transport/meshtastic_link.py`` may: the fake node is a test tool, never part of
the runtime (tests/test_import_rules.py allows exactly ``tools/fakeradio/``).

Framing (serial and TCP alike): ``0x94 0xC3``, a 2-byte big-endian length, then one protobuf
message — ``ToRadio`` from the client, ``FromRadio`` from the node.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError
from meshtastic.protobuf import channel_pb2, config_pb2, mesh_pb2, portnums_pb2

START1 = 0x94
START2 = 0xC3
MAX_PAYLOAD = 512  # the firmware's limit for one stream frame
BROADCAST = 0xFFFFFFFF
TEXT_MESSAGE_APP = int(portnums_pb2.PortNum.TEXT_MESSAGE_APP)
NODEINFO_APP = int(portnums_pb2.PortNum.NODEINFO_APP)
MIN_APP_VERSION = 30200


class ProtocolError(Exception):
    """A malformed protobuf message."""


def frame(payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise ProtocolError(f"a stream frame holds at most {MAX_PAYLOAD} bytes, not {len(payload)}")
    return bytes((START1, START2)) + struct.pack(">H", len(payload)) + payload


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


def _packet(m: Any) -> Packet:
    decoded = m.decoded if m.WhichOneof("payload_variant") == "decoded" else None
    return Packet(
        sender=getattr(m, "from"),
        to=m.to,
        packet_id=m.id,
        portnum=int(decoded.portnum) if decoded is not None else 0,
        payload=bytes(decoded.payload) if decoded is not None else b"",
        channel=m.channel,
        want_ack=m.want_ack,
        hop_limit=m.hop_limit,
        public_key=bytes(m.public_key),
        pki_encrypted=m.pki_encrypted,
    )


def parse_to_radio(data: bytes) -> ToRadio:
    msg = mesh_pb2.ToRadio()
    try:
        msg.ParseFromString(data)
    except DecodeError as exc:
        raise ProtocolError(f"not a ToRadio message: {exc}") from None
    variant = msg.WhichOneof("payload_variant")
    return ToRadio(
        want_config_id=msg.want_config_id if variant == "want_config_id" else None,
        disconnect=variant == "disconnect" and msg.disconnect,
        heartbeat=variant == "heartbeat",
        packet=_packet(msg.packet) if variant == "packet" else None,
    )


def mesh_packet(p: Packet, rx_time: int = 0, hop_start: int = 3, rx_snr: float | None = None,
                hops: int | None = None) -> Any:
    """A received ``MeshPacket`` as the node reports it to its client: ``rx_snr`` (dB) and
    ``hops`` (hops taken: ``hop_limit`` is ``hop_start - hops``) are how our radio heard it."""
    hop_limit = max(0, hop_start - hops) if hops is not None else (p.hop_limit or hop_start)
    m = mesh_pb2.MeshPacket(
        to=p.to,
        channel=p.channel,
        id=p.packet_id,
        rx_time=rx_time,
        hop_limit=hop_limit,
        hop_start=hop_start,
        public_key=p.public_key,
        pki_encrypted=p.pki_encrypted,
        decoded=mesh_pb2.Data(portnum=p.portnum, payload=p.payload),
    )
    if rx_snr is not None:
        m.rx_snr = rx_snr
    setattr(m, "from", p.sender)
    return m


def from_radio(msg_id: int, **variant: Any) -> bytes:
    """One serialised ``FromRadio``: its ``id`` and one variant, e.g. ``packet=…``,
    ``my_info=…``, ``config_complete_id=7``."""
    return bytes(mesh_pb2.FromRadio(id=msg_id, **variant).SerializeToString())


def my_info(node_num: int) -> Any:
    return mesh_pb2.MyNodeInfo(my_node_num=node_num, min_app_version=MIN_APP_VERSION)


def user(user_id: str, long_name: str, short_name: str, public_key: bytes = b"") -> Any:
    """A ``User``: id, long and short name, and its public key (when it has one)."""
    return mesh_pb2.User(id=user_id, long_name=long_name, short_name=short_name, public_key=public_key)


def node_info(num: int, user_id: str, long_name: str, short_name: str, last_heard: int = 0,
              public_key: bytes = b"") -> Any:
    return mesh_pb2.NodeInfo(num=num, user=user(user_id, long_name, short_name, public_key), last_heard=last_heard)


def lora_config(hop_limit: int) -> Any:
    lora = config_pb2.Config.LoRaConfig(
        use_preset=True, region=config_pb2.Config.LoRaConfig.RegionCode.EU_868, hop_limit=hop_limit, tx_enabled=True
    )
    return config_pb2.Config(lora=lora)


def primary_channel() -> Any:
    settings = channel_pb2.ChannelSettings(psk=b"\x01")  # the default key
    return channel_pb2.Channel(index=0, settings=settings, role=channel_pb2.Channel.Role.PRIMARY)


def queue_status(packet_id: int, free: int, maxlen: int, res: int = 0) -> Any:
    return mesh_pb2.QueueStatus(res=res, free=free, maxlen=maxlen, mesh_packet_id=packet_id)


def node_id(num: int) -> str:
    return f"!{num & 0xFFFFFFFF:08x}"
