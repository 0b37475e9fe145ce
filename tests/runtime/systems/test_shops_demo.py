"""The demo world's economy is playable through ``meshmush play --script`` (the same code path,
``runtime.play.run_play``): the General Store with its restocking lanterns, the candy vending
machine, selling back; and the demo world still checks clean (no warnings at all)."""

from __future__ import annotations

import io
from pathlib import Path

from compiler.api import compile_world
from compiler.diagnostics import Diagnostics
from runtime.play import run_play

DEMO = Path(__file__).resolve().parents[3] / "worlds" / "demo"

SCRIPT = """\
Ana> n
Ana> w
Bob> n
Bob> w
Ana> list
Bob> use machine
Ana> buy candy
Bob> buy candy
Ana> buy candy
Bob> buy candy
Bob> buy lantern
Bob> sell lantern
Bob> sell candy
@wait 29m
Ana> look
@wait 1m
Ana> use machine
Bob> bal
"""


def test_the_demo_world_checks_clean() -> None:
    diags = Diagnostics()
    assert compile_world(DEMO, diags) is not None
    assert [d.as_json() for d in diags.items] == []


def test_the_demo_shop_and_vending_machine_play(tmp_path: Path) -> None:
    diags = Diagnostics()
    world = compile_world(DEMO, diags)
    assert world is not None
    script = tmp_path / "demo_shop.script"
    script.write_text(SCRIPT, encoding="utf-8")
    out = io.StringIO()
    code = run_play(world, "demo", db_path=tmp_path / "demo.duckdb", seed=1, player=None, script=script,
                    fmt="text", frame_bytes=200, stdin=io.StringIO(""), stdout=out)
    assert code == 0
    text = out.getvalue()
    for line in (
        "Shop: General Store (LIST, BUY, SELL).",
        "General Store sells: brass lantern ¤3.00 (5 left), loaf of bread ¤0.50.",
        "Candy Machine sells: candy bar ¤0.25 (3 left).",
        "[Ana] You buy the candy bar for ¤0.25. You have ¤9.75.",
        "[Bob] You buy the candy bar for ¤0.25. You have ¤9.75.",
        "[Ana] You buy the candy bar for ¤0.25. You have ¤9.50.",
        "[Bob] The candy bar is sold out. More in 30m.",
        "[Bob] You buy the brass lantern for ¤3.00. You have ¤6.75.",
        "[Bob] You sell the brass lantern for ¤1.50. You have ¤8.25.",
        "[Bob] No shop here buys the candy bar.",
        "You have ¤8.25.",
    ):
        assert line in text, line
    after = text.split("@wait 1m", 1)[1]  # the machine brought one bar back after 30 minutes
    assert "Candy Machine sells: candy bar ¤0.25 (1 left)." in after
    assert "(1 left)" not in text.split("@wait 1m", 1)[0]
