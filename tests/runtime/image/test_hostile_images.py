"""Issue 11, item 5: images that are not images.  A correct hash around a 5,000-digit integer,
/dev/zero, a FIFO or a file of gigabytes: ``inspect``, ``play`` and ``serve`` each say in one
line what is wrong and exit 1, without a traceback and without reading without bound."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from compiler.api import build_image
from compiler.diagnostics import Diagnostics
from runtime.image.codec import _HEADER, HEADER_SIZE, MAGIC, MAX_IMAGE_BYTES, ImageError, read_image
from runtime.image.model import Messages
from runtime.image.versions import FORMAT_VERSION

ROOT = Path(__file__).resolve().parents[3]
WORLD = ROOT / "tests" / "e2e" / "world"
_EXE = Path(sys.executable).parent / "meshmush"
CMD = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "meshmush.cli"]


def _sections(data: bytes) -> list[bytes]:
    payload, pos, parts = data[HEADER_SIZE:], 0, []
    for _ in range(3):
        (n,) = struct.unpack_from(">I", payload, pos)
        parts.append(payload[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return parts


def _sealed(strings: bytes, code: bytes, body: bytes) -> bytes:
    """An image with a CORRECT hash around whatever sections we give it."""
    payload = b"".join(struct.pack(">I", len(p)) + p for p in (strings, code, body))
    digest = hashlib.sha256(struct.pack(">H", FORMAT_VERSION) + payload).digest()
    return _HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(payload), digest) + payload


def _good() -> bytes:
    data = build_image(WORLD, Diagnostics())
    assert data is not None
    return data


def _with_format(value_text: str) -> bytes:
    strings, code, body = _sections(_good())
    doc = body.decode()
    fields = json.loads(doc)
    fields["format"] = 7  # World.format: replace its digits with ours, textually
    text = json.dumps(fields, separators=(",", ":"), sort_keys=True)
    head = text.index('"format":7') + len('"format":')
    return _sealed(strings, code, (text[:head] + value_text + text[head + 1 :]).encode())


@pytest.mark.parametrize("number", ["9" * 5000, "-" + "9" * 30, "1e999", "NaN", "12.5"])
def test_numbers_out_of_range_are_refused(number: str) -> None:
    with pytest.raises(ImageError, match=r"malformed|out of range"):
        read_image(_with_format(number))


def test_a_header_claiming_a_huge_payload_is_refused() -> None:
    data = bytearray(_good())
    struct.pack_into(">I", data, 12, MAX_IMAGE_BYTES + 1)
    with pytest.raises(ImageError, match="at most"):
        read_image(bytes(data))


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CMD, *args], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          stdin=subprocess.DEVNULL)


def _commands(image: Path, tmp: Path) -> list[list[str]]:
    return [["inspect", str(image)],
            ["play", str(image), "--script", os.devnull],
            ["serve", str(image), "--tcp", "127.0.0.1:9", "--db", str(tmp / "s.duckdb")]]


def _assert_refused(res: subprocess.CompletedProcess[str], words: str) -> None:
    assert res.returncode == 1, res
    assert "Traceback" not in res.stderr, res.stderr
    assert words in res.stderr, res.stderr
    assert len(res.stderr.strip().splitlines()) == 1, res.stderr


@pytest.mark.slow
def test_a_5000_digit_integer_is_one_clear_line_everywhere(tmp_path: Path) -> None:
    image = tmp_path / "big.mmi"
    image.write_bytes(_with_format("9" * 5000))
    for args in _commands(image, tmp_path):
        _assert_refused(_run(*args), "a number of 5000 digits")


@pytest.mark.slow
def test_devices_pipes_and_huge_files_are_not_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.mmi"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.mmi"
    with huge.open("wb") as f:  # sparse: no disk used, but the size says 300 MB
        f.truncate(300 * 1024 * 1024)
    for path, words in (("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
                        (str(huge), "an image is at most")):
        for args in _commands(Path(path), tmp_path):
            _assert_refused(_run(*args), words)


def _with_body(change: object) -> bytes:
    strings, code, body = _sections(_good())
    fields = json.loads(body.decode())
    change(fields)  # type: ignore[operator]
    return _sealed(strings, code, json.dumps(fields, separators=(",", ":"), sort_keys=True).encode())


def test_the_world_is_keyed_by_field_so_a_field_the_image_lacks_takes_its_default() -> None:
    world, _ = read_image(_with_body(lambda f: f.pop("messages")))  # as from before mail limits
    assert world.messages == Messages()  # (a new kind's field defaults to () the same way)
    with pytest.raises(ImageError, match="the world has no rooms"):  # no default: required
        read_image(_with_body(lambda f: f.pop("rooms")))


def test_a_field_this_meshmush_does_not_know_is_refused() -> None:
    with pytest.raises(ImageError, match="holds quests2, which this meshmush does not know; upgrade"):
        read_image(_with_body(lambda f: f.update(quests2=[])))
