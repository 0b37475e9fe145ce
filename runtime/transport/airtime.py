"""How long a text keeps a radio on the air: the LoRa time-on-air formula (Semtech AN1200.13)
for Meshtastic's default modem preset, LongFast (spreading factor 11, 250 kHz, coding rate 4/5,
16 preamble symbols, explicit header, CRC on).

Used for the per-gateway airtime figures: an estimate from what was sent, not a measurement
(the firmware's own ``air_util_tx`` is the measurement, when a radio reports it).  A text rides
in a packet with about ``PACKET_OVERHEAD`` bytes around it (the 16-byte radio header, the
encrypted ``Data`` message's port number, payload tag and length, and its bitfield).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PACKET_OVERHEAD = 23  # bytes around the text in one LoRa packet (channel-encrypted DM)
MAX_LORA_PAYLOAD = 255


@dataclass(frozen=True)
class Modem:
    spreading_factor: int = 11
    bandwidth_hz: int = 250_000
    coding_rate: int = 5  # the denominator of 4/5
    preamble_symbols: int = 16

    @property
    def symbol_s(self) -> float:
        return float(2**self.spreading_factor) / self.bandwidth_hz


LONG_FAST = Modem()


def airtime_s(text_bytes: int, modem: Modem = LONG_FAST) -> float:
    """Seconds on the air for one packet carrying ``text_bytes`` of text."""
    payload = min(MAX_LORA_PAYLOAD, max(0, text_bytes) + PACKET_OVERHEAD)
    sf = modem.spreading_factor
    low_rate = 1 if modem.symbol_s > 0.016 else 0  # low data rate optimisation above 16 ms a symbol
    crc, implicit_header = 1, 0
    bits = 8 * payload - 4 * sf + 28 + 16 * crc - 20 * implicit_header
    symbols = 8 + max(math.ceil(bits / (4 * (sf - 2 * low_rate))) * modem.coding_rate, 0)
    return (modem.preamble_symbols + 4.25 + symbols) * modem.symbol_s
