"""The outbound queue: bounded, own replies first, fair between players, thread-safe.

One radio carries about 24 frames a minute, so airtime — not CPU — is what a crowded world runs
out of.  Two classes of traffic wait here:

- **replies** (the answer to a player's own command, already cut into frames by the engine):
  sent before any notice, round robin *by frame* over the players with replies waiting, so a
  three-frame page never holds back another player's one-line answer by more than one frame.
  Established players' replies go before newcomers' (``Outgoing.newcomer``), so a flood of new
  node numbers cannot push a regular player's answer back.  Replies are never thrown away: when
  they do not fit ``max_frames``, the oldest whole reply of the player with the most reply frames
  waiting is handed back to the caller (the engine keeps it for MORE) and that player gets one
  short notice;
- **notices** (what others did: ``runtime.engine.io.Note`` lines), sent when no reply
  waits, round robin over players.  The lines waiting for one player are packed into as few
  frames as they fill (``runtime.frames.pack_lines``); an arrival and a departure of the same
  player in the same room that are both still unsent cancel out; ambient lines older than
  ``notice_max_age_s`` are dropped, and so are the oldest ones when more than ``max_notes`` lines
  wait.  What a player missed is summarised ("…and 12 more.") in the next frame they get.
  Personal lines (whispers, payments) never age out and are dropped only when the queue holds
  nothing else to drop.

Every decision is O(1) amortised (global FIFOs with lazy deletion for ageing and overflow,
queues of turns for fairness), except making room for a reply, which looks only at the players
with replies waiting: at most ``max_frames`` of them.  Nothing here grows without bound: the
older system stopped replying after about two hours when its queue filled.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from runtime.engine.io import Note
from runtime.frames import DEFAULT_FRAME_BYTES, split_frames, utf8_len

DROP_NOTICE = "(Some replies were dropped to keep the air free. Type MORE for the rest.)"


def missed_text(count: int) -> str:
    return f"…and {count} more."


@dataclass
class Frame:
    to: str
    text: str
    message: int  # the message this frame belongs to (ordinal, per queue)
    queued_at: float  # for packed notices: when the oldest of them was queued
    part: int = 1
    parts: int = 1
    notice: bool = False  # our own drop notice (never dropped itself, at most one waiting)
    kind: str = "reply"  # "reply" | "notice" (notice lines packed into this frame)
    newcomer: bool = False
    ahead: int = 0  # replies: how many other players had replies waiting when it was queued
    popped_before: int = 0  # how many frames the queue had handed out when this one was queued


@dataclass
class Dropped:
    to: str
    texts: list[str] = field(default_factory=list)  # the dropped messages, whole, oldest first
    frames: int = 0


class _Line:
    """A notice line waiting for one player."""

    __slots__ = ("alive", "at", "personal", "tag", "text", "to")

    def __init__(self, to: str, note: Note, at: float) -> None:
        self.to = to
        self.text = note.text
        self.personal = note.personal
        self.tag = note.tag
        self.at = at
        self.alive = True


class _Player:
    __slots__ = ("lines", "live_lines", "missed", "newcomer", "presence", "replies")

    def __init__(self) -> None:
        self.replies: deque[Frame] = deque()
        self.newcomer = False
        self.lines: deque[_Line] = deque()  # in arrival order; may hold dead lines
        self.live_lines = 0
        self.missed = 0  # notices dropped since this player last got a frame
        self.presence: dict[tuple[str, str], _Line] = {}  # (actor, room) -> its unsent line


class _Turns:
    """Players waiting for a turn, in order; each at most once."""

    __slots__ = ("_members", "_order")

    def __init__(self) -> None:
        self._order: deque[str] = deque()
        self._members: set[str] = set()

    def add(self, key: str) -> None:
        if key not in self._members:
            self._members.add(key)
            self._order.append(key)

    def take(self) -> str | None:
        if not self._order:
            return None
        key = self._order.popleft()
        self._members.discard(key)
        return key

    def __len__(self) -> int:
        return len(self._order)


class OutQueue:
    def __init__(
        self,
        max_frames: int = 64,
        clock: Callable[[], float] = time.monotonic,
        *,
        frame_bytes: int = DEFAULT_FRAME_BYTES,
        max_notes: int = 256,
        notice_max_age_s: float | None = None,
    ) -> None:
        if max_frames < 4:
            raise ValueError("the outbound queue needs room for at least 4 frames")
        if max_notes < 1:
            raise ValueError("the outbound queue needs room for at least one notice")
        self.max_frames = max_frames
        self.max_notes = max_notes
        self.frame_bytes = frame_bytes
        self.notice_max_age_s = notice_max_age_s
        self.clock = clock
        self._players: dict[str, _Player] = {}
        self._texts: dict[int, str] = {}  # reply ordinal → whole text (for drops)
        self._reply_counts: dict[str, int] = {}  # players with reply frames waiting → how many
        self._established = _Turns()
        self._newcomers = _Turns()
        self._noticed = _Turns()
        self._retry: deque[Frame] = deque()
        self._ambient: deque[_Line] = deque()  # every ambient line, oldest first (lazy deletion)
        self._personal: deque[_Line] = deque()  # every personal line, oldest first (lazy deletion)
        self._reply_frames = 0
        self._live_lines = 0
        self._live_ambient = 0
        self._next_message = 0
        self._cond = threading.Condition()
        self._closed = False
        # counters (read by stats and benchmarks)
        self.dropped_frames = 0  # reply frames handed back for MORE
        self.notes_expired = 0  # ambient lines dropped for age
        self.notes_overflowed = 0  # lines dropped because too many waited
        self.notes_cancelled = 0  # arrival/departure pairs that cancelled (lines, not pairs)
        self.notes_sent = 0  # lines that went out in notice frames
        self.popped = 0  # frames handed to the sender
        self.peak = 0

    # ------------------------------------------------------------------ producers
    def put(self, to: str, frames: Sequence[str], text: str | None = None, *, newcomer: bool = False) -> list[Dropped]:
        """Queue one reply; returns what had to be handed back to make room (maybe nothing)."""
        frames = list(frames) or [""]
        with self._cond:
            if len(frames) > self.max_frames - 1:  # cannot happen with engine pages; be safe
                frames = frames[: self.max_frames - 1]
            drops = self._make_room(len(frames))
            ordinal = self._next_message
            self._next_message += 1
            self._texts[ordinal] = text if text is not None else "\n".join(frames)
            now = self.clock()
            ahead = len(self._reply_counts) - (1 if to in self._reply_counts else 0) + (1 if self._retry else 0)
            p = self._player(to)
            p.newcomer = newcomer
            for i, f in enumerate(frames, 1):
                p.replies.append(Frame(to, f, ordinal, now, i, len(frames), newcomer=newcomer, ahead=ahead,
                                       popped_before=self.popped))
            self._count_replies(to, len(frames))
            for d in drops:
                self._add_drop_notice(d.to, now)
            self._schedule_reply(to)
            self._peaked()
            self._cond.notify_all()
            return drops

    def put_notes(self, to: str, notes: Iterable[Note]) -> None:
        """Queue notice lines for one player (what others did)."""
        self.put_many_notes([(to, notes)])

    def put_many_notes(self, batch: Iterable[tuple[str, Iterable[Note]]]) -> None:
        """Queue notice lines for many players at once (one lock, one wake-up: a crowd's news)."""
        items = [(to, [n for n in notes if n.text]) for to, notes in batch]
        with self._cond:
            now = self.clock()
            self._expire(now)
            # Lines that would be dropped for overflow as soon as they were added (a crowd's news
            # outgrowing the queue): count them as missed without building them.
            incoming = sum(len(notes) for _, notes in items)
            incoming_ambient = sum(1 for _, notes in items for n in notes if not n.personal)
            excess = self._live_lines + incoming - self.max_notes
            skip = min(incoming_ambient, max(0, excess - self._live_ambient))
            for to, notes in items:
                skip = self._add_lines(to, notes, now, skip)
            while self._live_lines > self.max_notes and self._drop_oldest_line():
                pass
            self._compact()
            self._cond.notify_all()

    def _add_lines(self, to: str, notes: Iterable[Note], now: float, skip: int) -> int:
        """Add ``to``'s lines; the first ``skip`` ambient lines of the batch are counted as
        overflowed instead.  Returns what is left of ``skip``."""
        p = self._players.get(to)
        if p is None:
            p = self._players[to] = _Player()
        added = False
        for note in notes:
            if skip and not note.personal:
                skip -= 1
                p.missed += 1
                self.notes_overflowed += 1
                continue
            tag = note.tag
            if tag is not None and self._cancels(p, tag):
                continue
            line = _Line(to, note, now)
            p.lines.append(line)
            p.live_lines += 1
            self._live_lines += 1
            if note.personal:
                self._personal.append(line)
            else:
                self._ambient.append(line)
                self._live_ambient += 1
            if tag is not None:
                p.presence[(tag[0], tag[1])] = line
            added = True
        if added:
            self._noticed.add(to)
        elif not p.replies and not p.live_lines and not p.missed:
            del self._players[to]
        return skip

    def push_front(self, frame: Frame) -> None:
        """Put back a frame the radio did not take; it goes out first when the link is back."""
        with self._cond:
            self._retry.appendleft(frame)
            self._peaked()
            self._cond.notify_all()

    # ------------------------------------------------------------------ the sender
    def pop(self, timeout: float | None = None) -> Frame | None:
        """The next frame, waiting up to ``timeout`` seconds: a frame the radio did not take,
        then replies (established players, then newcomers; round robin), then notices."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                self._expire(self.clock())
                frame = self._next()
                if frame is not None:
                    self.popped += 1
                    self._cond.notify_all()
                    return frame
                if self._closed:
                    return None
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)

    def wait_empty(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._size():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def __len__(self) -> int:
        """Reply frames plus notice lines waiting (a notice frame packs several lines)."""
        with self._cond:
            return self._size()

    @property
    def reply_frames(self) -> int:
        with self._cond:
            return self._reply_frames + len(self._retry)

    @property
    def notice_lines(self) -> int:
        with self._cond:
            return self._live_lines

    # ------------------------------------------------------------------ internals (lock held)
    def _size(self) -> int:
        return self._reply_frames + len(self._retry) + self._live_lines

    def _peaked(self) -> None:
        self.peak = max(self.peak, self._reply_frames + len(self._retry))

    def _player(self, to: str) -> _Player:
        p = self._players.get(to)
        if p is None:
            p = self._players[to] = _Player()
        return p

    def _forget_if_idle(self, to: str) -> None:
        p = self._players.get(to)
        if p is not None and not p.replies and not p.live_lines and not p.missed:
            del self._players[to]

    def _count_replies(self, to: str, delta: int) -> None:
        n = self._reply_counts.get(to, 0) + delta
        if n > 0:
            self._reply_counts[to] = n
        else:
            self._reply_counts.pop(to, None)
        self._reply_frames += delta

    def _schedule_reply(self, to: str) -> None:
        p = self._players.get(to)
        if p is not None and p.replies:
            (self._newcomers if p.replies[0].newcomer else self._established).add(to)

    def _next(self) -> Frame | None:
        if self._retry:
            return self._retry.popleft()
        for turns in (self._established, self._newcomers):
            while (to := turns.take()) is not None:
                p = self._players.get(to)
                if p is None or not p.replies:
                    continue
                frame = p.replies.popleft()
                self._count_replies(to, -1)
                if not any(f.message == frame.message for f in p.replies):
                    self._texts.pop(frame.message, None)
                if frame.part == frame.parts and p.missed:
                    frame = self._with_missed(p, frame)
                self._schedule_reply(to)
                self._forget_if_idle(to)
                return frame
        while (to := self._noticed.take()) is not None:
            packed = self._pack(to)
            if packed is not None:
                return packed
        return None

    def _with_missed(self, p: _Player, frame: Frame) -> Frame:
        extra = "\n" + missed_text(p.missed)
        if utf8_len(frame.text) + utf8_len(extra) <= self.frame_bytes:
            frame.text += extra
            p.missed = 0
        return frame

    def _pack(self, to: str) -> Frame | None:
        """One frame of ``to``'s waiting notice lines, as many whole lines as fit."""
        p = self._players.get(to)
        if p is None:
            return None
        texts: list[str] = []
        used = 0
        oldest: float | None = None
        while p.lines:
            line = p.lines[0]
            if not line.alive:
                p.lines.popleft()
                continue
            size = utf8_len(line.text)
            if texts and used + 1 + size > self.frame_bytes:
                break
            if not texts and size > self.frame_bytes:  # a long line: send its first part now
                first = split_frames(line.text, self.frame_bytes)[0]
                line.text = line.text[len(first):].lstrip(" \n")  # frames are cut from the front
                texts.append(first)
                oldest = line.at
                break
            p.lines.popleft()
            self._retire(p, line)
            self.notes_sent += 1
            texts.append(line.text)
            used += size + (1 if len(texts) > 1 else 0)
            oldest = line.at if oldest is None else min(oldest, line.at)
        if not texts:
            self._forget_if_idle(to)
            return None
        if p.missed:
            extra = missed_text(p.missed)
            if used + 1 + utf8_len(extra) <= self.frame_bytes:
                texts.append(extra)
                p.missed = 0
        if p.live_lines:
            self._noticed.add(to)
        ordinal = self._next_message
        self._next_message += 1
        frame = Frame(to, "\n".join(texts), ordinal, oldest if oldest is not None else self.clock(), kind="notice")
        self._forget_if_idle(to)
        return frame

    def _retire(self, p: _Player, line: _Line) -> None:
        """``line`` leaves the queue (sent, dropped or cancelled)."""
        line.alive = False
        p.live_lines -= 1
        self._live_lines -= 1
        if not line.personal:
            self._live_ambient -= 1
        if line.tag is not None:
            key = (line.tag[0], line.tag[1])
            if p.presence.get(key) is line:
                del p.presence[key]

    def _cancels(self, p: _Player, tag: tuple[str, str, int]) -> bool:
        """An unsent opposite presence line for the same actor and room cancels with this one."""
        other = p.presence.get((tag[0], tag[1]))
        if other is None or not other.alive or other.tag is None or other.tag[2] != -tag[2]:
            return False
        self._retire(p, other)
        self.notes_cancelled += 2
        return True

    def _expire(self, now: float) -> None:
        if self.notice_max_age_s is None:
            return
        limit = now - self.notice_max_age_s
        while self._ambient:
            line = self._ambient[0]
            if line.alive and line.at > limit:
                return
            self._ambient.popleft()
            if line.alive:
                self._drop_line(line)
                self.notes_expired += 1

    def _compact(self) -> None:
        """Sent and cancelled lines stay in the global FIFOs until they reach the front; rebuild
        a FIFO when dead lines outnumber the live ones, so memory stays bounded."""
        for name in ("_ambient", "_personal"):
            fifo: deque[_Line] = getattr(self, name)
            if len(fifo) > 2 * self.max_notes:
                setattr(self, name, deque(line for line in fifo if line.alive))

    def _drop_oldest_line(self) -> bool:
        """Drop the oldest waiting line: ambient first, personal only when nothing else is left."""
        for fifo in (self._ambient, self._personal):
            while fifo:
                line = fifo.popleft()
                if line.alive:
                    self._drop_line(line)
                    self.notes_overflowed += 1
                    return True
        return False

    def _drop_line(self, line: _Line) -> None:
        p = self._players.get(line.to)
        if p is None:
            line.alive = False
            return
        self._retire(p, line)
        p.missed += 1
        # dead lines at the front of the player's own queue can go now
        while p.lines and not p.lines[0].alive:
            p.lines.popleft()

    def _add_drop_notice(self, to: str, now: float) -> None:
        p = self._player(to)
        if any(f.notice for f in p.replies):
            return
        ordinal = self._next_message
        self._next_message += 1
        p.replies.append(Frame(to, DROP_NOTICE, ordinal, now, notice=True, newcomer=p.newcomer))
        self._count_replies(to, 1)
        self._schedule_reply(to)

    def _make_room(self, need: int) -> list[Dropped]:
        drops: dict[str, Dropped] = {}
        # one frame of head room per drop notice we may have to add
        while (self._reply_frames + len(self._retry) + need
               + sum(1 for d in drops if not self._has_drop_notice(d)) > self.max_frames):
            victim = self._most_queued()
            if victim is None:
                break
            p = self._players[victim]
            first = next((f for f in p.replies if not f.notice), None)
            if first is None:
                break
            ordinal = first.message
            removed = [f for f in p.replies if f.message == ordinal]
            p.replies = deque(f for f in p.replies if f.message != ordinal)
            self._count_replies(victim, -len(removed))
            self.dropped_frames += len(removed)
            d = drops.setdefault(victim, Dropped(victim))
            d.texts.append(self._texts.pop(ordinal, "\n".join(f.text for f in removed)))
            d.frames += len(removed)
        return list(drops.values())

    def _has_drop_notice(self, to: str) -> bool:
        p = self._players.get(to)
        return p is not None and any(f.notice for f in p.replies)

    def _most_queued(self) -> str | None:
        """The player with the most droppable reply frames (oldest first on a tie); only players
        with replies waiting are looked at — at most ``max_frames`` of them."""
        best: str | None = None
        best_key: tuple[int, float] | None = None
        for to in self._reply_counts:
            p = self._players[to]
            droppable = [f for f in p.replies if not f.notice]
            if not droppable:
                continue
            key = (len(droppable), -droppable[0].queued_at)
            if best_key is None or key > best_key:
                best, best_key = to, key
        return best
