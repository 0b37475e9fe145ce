"""Bulletin boards (``kind: board``): ``read``, ``read N``, ``post TEXT``, and ``/remove N``.

The board a player reaches is the one in their room, or else the board without a room (the
compiler allows at most one of each per place, MM4019).  Posts live in table ``posts``
``(id, at_ms, board, author, body)``; a post's number is its id, which never changes, so a
moderator's ``/remove 12`` removes exactly the post players saw as #12.  A board keeps its
newest ``keep`` posts: a new post beyond that drops the oldest.  LOOK in a board's room ends
with ``Board: NAME (READ, POST).`` when it fits the frame.  docs/messages.md.
"""

from __future__ import annotations

from collections.abc import Sequence

from runtime.engine.context import Context
from runtime.engine.registry import LEVELS, Hooks, Verb
from runtime.frames import DEFAULT_FRAME_BYTES, utf8_len
from runtime.image.model import Board, Room
from runtime.image.render import room_text
from runtime.image.words import count
from runtime.store.tables import Row
from runtime.systems.mail import is_number
from runtime.systems.messages_text import age, ago, message_body, name_of, preview

TABLE = "posts"
SHOWN = 5
"""Posts READ lists at most (newest first, as many as fit one frame)."""


def board_here(ctx: Context, room: str | None = None) -> Board | None:
    where = room if room is not None else ctx.player.room
    boards = ctx.world.world.boards
    return next((b for b in boards if b.room == where), None) or next((b for b in boards if b.room is None), None)


def _require(ctx: Context) -> Board:
    board = board_here(ctx)
    if board is None:
        ctx.fail("There is no board here.")
    return board


def posts(ctx: Context, board: Board) -> list[Row]:
    """The board's posts, oldest first: rows (id, at_ms, board, author, body)."""
    return ctx.state.txn.find(TABLE, "board", board.id)


def _post(ctx: Context, board: Board, number: str) -> Row:
    row = ctx.state.txn.get(TABLE, (int(number),))
    if row is None or row[2] != board.id:
        ctx.fail(f"The {board.name} has no post #{int(number)}. READ lists them.")
    return row


def do_read(ctx: Context) -> None:
    board = _require(ctx)
    arg = ctx.command.args.strip()
    if arg:
        if not is_number(arg.lstrip("#")):
            ctx.fail("Read which post? READ N, with N as READ lists them.")
        pid, at, _board, author, body = _post(ctx, board, arg.lstrip("#"))
        ctx.reply(f"#{pid} by {name_of(ctx, str(author))}, {ago(ctx.now_ms - int(at))}:\n{body}")
        return
    rows = posts(ctx, board)
    if not rows:
        ctx.reply(f"The {board.name} is empty. POST TEXT pins a note.")
        return
    head = f"{board.name}, {count(len(rows), 'post')}. READ N for one:"
    lines = [head]
    size = utf8_len(head)
    for pid, at, _board, author, body in reversed(rows[-SHOWN:]):
        line = f"#{pid} {name_of(ctx, str(author))} {age(ctx.now_ms - int(at))}: {preview(str(body))}"
        size += 1 + utf8_len(line)
        if size > DEFAULT_FRAME_BYTES and len(lines) > 1:
            break
        lines.append(line)
    ctx.reply("\n".join(lines))


def do_post(ctx: Context) -> None:
    board = _require(ctx)
    if not ctx.command.args.strip():
        ctx.fail("Post what? e.g. post Lost: grey cat, answers to Tom.")
    body = message_body(ctx, ctx.command.args, "post")
    me = ctx.player
    pid = ctx.state.next_id(TABLE, "id")
    ctx.state.txn.put(TABLE, (pid, ctx.now_ms, board.id, me.key, body))
    rows = posts(ctx, board)
    for old in rows[: max(0, len(rows) - board.keep)]:
        ctx.state.txn.delete(TABLE, (old[0],))
    ctx.reply(f"You pin post #{pid} to the {board.name}.")
    if board.room is not None:
        ctx.to_others(f"{me.name} pins a note to the {board.name}.")
    ctx.log_event("post", {"board": board.id, "bytes": utf8_len(body)}, me.key, me.room)


def do_remove(ctx: Context) -> None:
    board = _require(ctx)
    arg = ctx.command.args.strip().lstrip("#")
    if not is_number(arg):
        ctx.fail("Remove which post? /remove N, with N as READ lists them.")
    pid, _at, _board, author, body = _post(ctx, board, arg)
    ctx.state.txn.delete(TABLE, (pid,))
    who = name_of(ctx, str(author))
    ctx.audit("remove", f"post {pid}", f"board {board.id}, by {who}: {preview(str(body), 60)}")
    ctx.reply(f"Removed post #{pid} by {who} from the {board.name}.")


def room_notes(ctx: Context, room: Room) -> Sequence[str]:
    """'Board: Town notice board (READ, POST).' in the board's own room, when it fits."""
    board = next((b for b in ctx.world.world.boards if b.room == room.id), None)
    if board is None:
        return ()
    note = f"Board: {board.name} (READ, POST)."
    size = utf8_len(f"{room_text(room)}\n{note}")
    return (note,) if size <= DEFAULT_FRAME_BYTES else ()


VERBS: tuple[Verb, ...] = (
    Verb("read", do_read, usage="read [N]", summary="the newest posts on the board here, or post N",
         example="read 12", topic="boards"),
    Verb("post", do_post, usage="post TEXT", summary="pin a note to the board here",
         example="post Lost: grey cat, answers to Tom", topic="boards"),
    Verb("/remove", do_remove, usage="/remove N", summary="take post N off the board here",
         example="/remove 12", min_level=LEVELS["moderator"], topic="staff"),
)

HOOKS = Hooks(room_notes=room_notes)
