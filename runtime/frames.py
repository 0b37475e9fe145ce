"""Cutting text into radio frames: at most ``max_bytes`` UTF-8 bytes each, never splitting a
character, preferably at a space or newline.  Pure functions, shared by the engine (paging)
and the transports (chunking)."""

from __future__ import annotations

DEFAULT_FRAME_BYTES = 200
MIN_FRAME_BYTES = 16


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def prefix_chars(text: str, max_bytes: int) -> int:
    """The most characters of ``text`` whose UTF-8 encoding fits ``max_bytes``: encoded once,
    cut by bytes, backed off to a character boundary (a character takes at least one byte, so
    ``max_bytes`` characters are all that need encoding)."""
    head = text[: max_bytes + 1]
    data = head.encode("utf-8")
    if len(data) <= max_bytes:
        return len(head)
    return len(data[:max_bytes].decode("utf-8", "ignore"))


def _cut_point(text: str, max_bytes: int) -> int:
    """Largest character index ``i`` with ``text[:i]`` ≤ max_bytes, at least 1."""
    return max(prefix_chars(text, max_bytes), 1)


def split_frames(text: str, max_bytes: int = DEFAULT_FRAME_BYTES) -> list[str]:
    """Split ``text`` into frames of ≤ ``max_bytes`` UTF-8 bytes.

    Prefers to cut at the last newline in the window when the line after it then fits one
    frame whole and the cut wastes at most half a frame; else after the last space or newline
    (the whitespace at the cut is dropped); otherwise at a character boundary.  Empty text
    gives one empty frame.
    """
    if max_bytes < MIN_FRAME_BYTES:
        raise ValueError(f"frame size must be at least {MIN_FRAME_BYTES} bytes")
    if utf8_len(text) <= max_bytes:
        return [text]
    frames: list[str] = []
    rest = text
    while rest:
        if utf8_len(rest) <= max_bytes:
            frames.append(rest)
            break
        cut = _cut_point(rest, max_bytes)
        window = rest[:cut]
        # a break exactly at the window's end counts too (the next char is whitespace)
        brk = max(window.rfind("\n"), window.rfind(" "))
        if cut < len(rest) and rest[cut] in " \n":
            brk = cut
        newline = window.rfind("\n")
        if 0 < newline < brk and newline >= cut // 2 and rest[brk] != "\n":
            end = rest.find("\n", newline + 1)
            line = rest[newline + 1 : end if end >= 0 else len(rest)]
            if utf8_len(line) <= max_bytes:  # cutting at the space would split this line
                brk = newline
        if brk > 0 and brk >= cut // 3:
            frames.append(rest[:brk].rstrip())
            rest = rest[brk + 1 :].lstrip(" ")
        else:
            frames.append(window)
            rest = rest[cut:]
    return [f for f in frames if f] or [""]


def pack_lines(lines: list[str], max_bytes: int = DEFAULT_FRAME_BYTES) -> list[str]:
    """Whole lines packed greedily into as few frames of ≤ ``max_bytes`` as they fill in order
    (joined with newlines); a line longer than a frame is cut with ``split_frames``."""
    frames: list[str] = []
    cur: list[str] = []
    used = 0
    for line in lines:
        if not line:
            continue
        size = utf8_len(line)
        if cur and used + 1 + size <= max_bytes:
            cur.append(line)
            used += 1 + size
            continue
        if cur:
            frames.append("\n".join(cur))
            cur, used = [], 0
        if size <= max_bytes:
            cur, used = [line], size
        else:
            parts = split_frames(line, max_bytes)
            frames.extend(parts[:-1])
            cur, used = [parts[-1]], utf8_len(parts[-1])
    if cur:
        frames.append("\n".join(cur))
    return frames or [""]
