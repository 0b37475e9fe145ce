"""The LoRa time-on-air estimate behind the per-gateway airtime figures."""

from __future__ import annotations

import itertools

from runtime.transport.airtime import LONG_FAST, Modem, airtime_s


def test_a_full_packet_on_long_fast_takes_about_2_16_s() -> None:
    # 232 bytes of text fill the 255-byte LoRa payload: ~2.16 s measured on LongFast
    assert abs(airtime_s(232) - 2.157) < 0.01


def test_a_200_byte_frame_and_a_short_one() -> None:
    assert 1.85 < airtime_s(200) < 1.95
    assert 0.4 < airtime_s(10) < 0.5


def test_more_bytes_never_take_less_air_and_the_payload_is_capped() -> None:
    times = [airtime_s(n) for n in range(0, 400)]
    assert all(a <= b for a, b in itertools.pairwise(times))
    assert airtime_s(1000) == airtime_s(232)


def test_slower_presets_take_longer() -> None:
    long_slow = Modem(spreading_factor=12, bandwidth_hz=125_000, coding_rate=8)
    assert long_slow.symbol_s > 0.016  # low data rate optimisation applies
    assert airtime_s(200, long_slow) > 4 * airtime_s(200, LONG_FAST)
