"""The outbound queue: bounded, fair between players, thread-safe.

Messages (one reply to one player, already cut into frames) wait in a queue per player; the
sender takes one *frame* at a time, round robin over players with something waiting, so a
player's three-frame page never holds back another player's one-line reply for more than one
frame each.  The total number of waiting frames is bounded (``max_frames``): when a new message
does not fit, whole messages are dropped, oldest first, from the player with the most frames
waiting (the new message's own player included), until it fits.  Each drop is reported to the
caller (the server hands the text back to the engine for MORE) and that player gets one short
notice.  Nothing here grows without bound: the older system stopped replying after about two
hours when its queue filled.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

DROP_NOTICE = "(Some replies were dropped to keep the air free. Type MORE for the rest.)"


@dataclass
class Frame:
    to: str
    text: str
    message: int  # the message this frame belongs to (ordinal, per queue)
    queued_at: float
    part: int = 1
    parts: int = 1
    notice: bool = False  # our own drop notice (never dropped itself, at most one waiting)


@dataclass
class Dropped:
    to: str
    texts: list[str] = field(default_factory=list)  # the dropped messages, whole, oldest first
    frames: int = 0


class OutQueue:
    def __init__(self, max_frames: int = 64, clock: Callable[[], float] = time.monotonic) -> None:
        if max_frames < 4:
            raise ValueError("the outbound queue needs room for at least 4 frames")
        self.max_frames = max_frames
        self.clock = clock
        self._queues: dict[str, deque[Frame]] = {}
        self._texts: dict[int, str] = {}  # message ordinal → whole text (for drops)
        self._turns: deque[str] = deque()  # players with frames waiting, next first
        self._size = 0
        self._next_message = 0
        self._cond = threading.Condition()
        self._closed = False
        self.dropped_frames = 0
        self.peak = 0

    # ------------------------------------------------------------------ producers
    def put(self, to: str, frames: Sequence[str], text: str | None = None) -> list[Dropped]:
        """Queue one message; returns what had to be dropped to make room (maybe nothing)."""
        frames = [f for f in frames] or [""]
        with self._cond:
            if len(frames) > self.max_frames - 1:  # cannot happen with engine pages; be safe
                frames = frames[: self.max_frames - 1]
            drops = self._make_room(len(frames))
            ordinal = self._next_message
            self._next_message += 1
            self._texts[ordinal] = text if text is not None else "\n".join(frames)
            now = self.clock()
            q = self._queues.setdefault(to, deque())
            for i, f in enumerate(frames, 1):
                q.append(Frame(to, f, ordinal, now, i, len(frames)))
            self._size += len(frames)
            for d in drops:
                self._add_notice(d.to, now)
            self._schedule(to)
            self.peak = max(self.peak, self._size)
            self._cond.notify_all()
            return drops

    def push_front(self, frame: Frame) -> None:
        """Put back a frame the radio did not take; it goes out first when the link is back."""
        with self._cond:
            q = self._queues.setdefault(frame.to, deque())
            q.appendleft(frame)
            self._texts.setdefault(frame.message, frame.text)
            self._size += 1
            if frame.to in self._turns:
                self._turns.remove(frame.to)
            self._turns.appendleft(frame.to)
            self.peak = max(self.peak, self._size)
            self._cond.notify_all()

    # ------------------------------------------------------------------ the sender
    def pop(self, timeout: float | None = None) -> Frame | None:
        """The next frame (round robin over players), waiting up to ``timeout`` seconds."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while not self._turns:
                if self._closed:
                    return None
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return None
                self._cond.wait(left)
            to = self._turns.popleft()
            q = self._queues[to]
            frame = q.popleft()
            self._size -= 1
            if q:
                self._turns.append(to)
            else:
                del self._queues[to]
            if not any(f.message == frame.message for f in q):
                self._texts.pop(frame.message, None)
            self._cond.notify_all()
            return frame

    def wait_empty(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._size:
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
        with self._cond:
            return self._size

    # ------------------------------------------------------------------ internals (lock held)
    def _schedule(self, to: str) -> None:
        if to not in self._turns and self._queues.get(to):
            self._turns.append(to)

    def _add_notice(self, to: str, now: float) -> None:
        q = self._queues.setdefault(to, deque())
        if any(f.notice for f in q):
            return
        ordinal = self._next_message
        self._next_message += 1
        q.append(Frame(to, DROP_NOTICE, ordinal, now, notice=True))
        self._size += 1
        self._schedule(to)

    def _make_room(self, need: int) -> list[Dropped]:
        drops: dict[str, Dropped] = {}
        # one frame of head room per drop notice we may have to add
        while self._size + need + sum(1 for d in drops if not self._has_notice(d)) > self.max_frames:
            victim = self._most_queued()
            if victim is None:
                break
            q = self._queues[victim]
            first = next((f for f in q if not f.notice), None)
            if first is None:
                break
            ordinal = first.message
            removed = [f for f in q if f.message == ordinal]
            self._queues[victim] = deque(f for f in q if f.message != ordinal)
            self._size -= len(removed)
            self.dropped_frames += len(removed)
            d = drops.setdefault(victim, Dropped(victim))
            d.texts.append(self._texts.pop(ordinal, "\n".join(f.text for f in removed)))
            d.frames += len(removed)
            if not self._queues[victim]:
                del self._queues[victim]
                if victim in self._turns:
                    self._turns.remove(victim)
        return list(drops.values())

    def _has_notice(self, to: str) -> bool:
        return any(f.notice for f in self._queues.get(to, ()))

    def _most_queued(self) -> str | None:
        best: str | None = None
        best_key: tuple[int, float] | None = None
        for to, q in self._queues.items():
            droppable = [f for f in q if not f.notice]
            if not droppable:
                continue
            key = (len(droppable), -droppable[0].queued_at)
            if best_key is None or key > best_key:
                best, best_key = to, key
        return best
