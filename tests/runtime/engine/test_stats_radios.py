"""Per-radio figures in ``/stats`` and the metrics event, with gateways (docs/gateways.md)."""

from __future__ import annotations

import json
from dataclasses import asdict

from runtime.engine.stats import RadioFigures, Stats, TransportFigures


def _stats(transport: TransportFigures | None) -> Stats:
    return Stats(at_ms=1, live=True, online=2, players=5, commands_per_min=3.0, errors_last_hour=0,
                 money_supply=1000, top_rooms=(("w.square", 2),), db_bytes=2048, transport=transport)


def test_the_radios_line_appears_only_with_several_radios() -> None:
    one = TransportFigures(frames_last_hour=20, bytes_last_hour=3000)
    assert "Radios" not in _stats(one).summary()
    many = TransportFigures(frames_last_hour=500, radios=(RadioFigures("hill-a", True, 480, 720.0, 3),
                                                          RadioFigures("hill-b", False, 20, 30.0, 0)))
    assert _stats(many).summary().endswith("\nRadios/h: hill-a 480 frames, air 20%, queue 3; hill-b offline.")


def test_the_metrics_event_keeps_the_radios() -> None:
    figures = TransportFigures(frames_last_hour=500, queue_depth=3,
                               radios=(RadioFigures("hill-a", True, 480, 720.5, 3), RadioFigures("hill-b", False)))
    stored = json.loads(json.dumps(asdict(figures)))
    assert TransportFigures.from_json(stored) == figures


def test_damaged_radio_figures_are_skipped() -> None:
    data = {"frames_last_hour": 5, "radios": [{"name": "ok", "frames_last_hour": "x", "airtime_s_last_hour": True},
                                              {"frames_last_hour": 3}, "junk"]}
    assert TransportFigures.from_json(data) == TransportFigures(frames_last_hour=5, radios=(RadioFigures("ok"),))
    assert TransportFigures.from_json({"radios": "nope"}) == TransportFigures()
