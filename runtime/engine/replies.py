"""Turning one command's lines into messages that fit the radio.

Lines for one recipient are joined with newlines into one message.  A message that would take
more than ``page_frames`` frames (``runtime.frames.split_frames`` at ``frame_bytes``) is cut at a
word boundary into a first page ending in `` [MORE]`` that fits those frames; the rest waits in
the session for MORE.  The engine hands transports the page already cut (``Outgoing.frames``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from runtime.frames import prefix_chars, split_frames, utf8_len

MORE_MARK = " [MORE]"
DEFAULT_PAGE_FRAMES = 3


@dataclass(frozen=True)
class Page:
    text: str
    rest: str | None  # None: nothing left


def frame_count(text: str, frame_bytes: int) -> int:
    return len(split_frames(text, frame_bytes))


def paginate(text: str, frame_bytes: int, page_frames: int = DEFAULT_PAGE_FRAMES) -> Page:
    """The first page of ``text`` and what is left for MORE."""
    size = utf8_len(text)
    if size <= frame_bytes:
        return Page(text, None)
    frames = split_frames(text, frame_bytes) if size <= (page_frames + 1) * frame_bytes else None
    if frames is not None and len(frames) <= page_frames:
        return Page(text, None)

    def fits(cut: int) -> bool:
        return frame_count(text[:cut].rstrip() + MORE_MARK, frame_bytes) <= page_frames

    limit = prefix_chars(text, page_frames * frame_bytes)  # no page holds more bytes than this
    guess = _guess(text, frame_bytes, page_frames, limit)
    if guess is not None and fits(guess):
        cut: int | None = guess
    else:
        boundaries = [i for i in range(1, limit + 1) if i < len(text) and text[i] in " \n" and text[i - 1] not in " \n"]
        cut = _largest(boundaries, fits)
        if cut is None:
            cut = _largest(list(range(1, limit + 1)), fits) or 1
    return Page(text[:cut].rstrip() + MORE_MARK, text[cut:].strip() or None)


def _guess(text: str, frame_bytes: int, page_frames: int, limit: int) -> int | None:
    """Where the page most likely ends: the frames before the last stay as the transport cuts
    them, and the last one takes words up to ``frame_bytes`` with the mark (checked by the caller)."""
    head = split_frames(text[:limit], frame_bytes)[: page_frames - 1]
    pos = 0
    for frame in head:
        found = text.find(frame, pos)
        if found < 0:
            return None
        pos = found + len(frame)
    while pos < len(text) and text[pos] in " \n":
        pos += 1
    end = pos + prefix_chars(text[pos:limit], frame_bytes - utf8_len(MORE_MARK))
    best = None
    for i in range(pos, end):
        if i + 1 < len(text) and text[i + 1] in " \n" and text[i] not in " \n":
            best = i + 1
    return best


def _largest(cuts: list[int], fits: Callable[[int], bool]) -> int | None:
    """The largest cut that fits (binary search, then a check: frame counts are nearly monotonic)."""
    lo, hi, best = 0, len(cuts) - 1, -1
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(cuts[mid]):
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    while best >= 0 and not fits(cuts[best]):
        best -= 1
    return cuts[best] if best >= 0 else None


def join_list(names: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]
