"""Checks of games and boards across the world.

- MM5005 (warning): a slot machine whose payout table returns more than it takes on average
  (expected return above 100 %): players would drain money into the world forever.
- MM4019 (error): two boards in one room, or two boards without a room: READ and POST in that
  place could not tell which board is meant.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from compiler.diagnostics import Diagnostics, Span
from compiler.loader import SourceDoc
from runtime.image import games as g
from runtime.image import model


def check_slots_return(
    world: model.World, docs: Sequence[SourceDoc], spans: Mapping[str, Span], diags: Diagnostics
) -> None:
    by_id = {d.data.get("id"): d for d in docs}
    for game in world.games:
        if game.type != "slots":
            continue
        rtp = g.expected_return(game.symbols, game.payouts)
        if rtp <= 1:
            continue
        doc = by_id.get(game.id)
        config = doc.data.get("config") if doc is not None else None
        if doc is not None and isinstance(config, dict) and "payouts" in config:
            span = doc.marks.span(("config", "payouts"), key=True)
        elif game.id in spans:
            span = spans[game.id]
        else:
            continue
        best = max(game.payouts, key=lambda line: line.pays)
        diags.warning(
            "MM5005",
            f"slots '{game.id}' pays back {g.percent(rtp)} of every bet on average; players win money"
            " from the world forever",
            span,
            f"lower a payout or make its symbols rarer (the best line, {'/'.join(best.reels)}, pays {best.pays}x)",
        )


def check_board_places(world: model.World, spans: Mapping[str, Span], diags: Diagnostics) -> None:
    seen: dict[str | None, str] = {}

    def place(board: model.Board) -> tuple[str, int, int]:
        span = spans.get(board.id)
        return (span.file, span.line, span.column) if span is not None else ("", 0, 0)

    for board in sorted(world.boards, key=place):  # the later one in the files is reported
        first = seen.get(board.room)
        if first is None:
            seen[board.room] = board.id
            continue
        span = spans.get(board.id)
        if span is None:
            continue
        where = f"room '{board.room}'" if board.room is not None else "everywhere (no room)"
        diags.error(
            "MM4019",
            f"board '{board.id}' is in {where} like board '{first}'; READ and POST there could not tell"
            " them apart",
            span,
            "give each board its own room, or merge them",
        )
